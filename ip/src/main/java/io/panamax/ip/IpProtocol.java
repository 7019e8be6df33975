package io.panamax.ip;

/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers"; IPv6 next header values) that the stack handles. */
public final class IpProtocol {
    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    /** ICMP for IPv6 (RFC 4443), as an IPv6 next header. */
    public static final int ICMPV6 = 58;

    private IpProtocol() {
    }
}
