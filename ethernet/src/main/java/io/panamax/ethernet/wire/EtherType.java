package io.panamax.ethernet.wire;

/**
 * Values of the Ethernet Length/Type field (IEEE 802.3 clause 3.2.6; the IEEE EtherType registry,
 * RFC 7042 appendix B). A value of 0x0600 or more names the protocol of the payload (Ethernet II,
 * RFC 894); a value of 1500 (0x05dc) or less is instead the length of an IEEE 802.3 payload that
 * starts with an 802.2 LLC header (RFC 1042). Values in between are undefined.
 */
public final class EtherType {
    /** Internet Protocol version 4 (RFC 894). */
    public static final int IPV4 = 0x0800;
    /** Address Resolution Protocol (RFC 826). */
    public static final int ARP = 0x0806;
    /** Reverse ARP (RFC 903): same message format as ARP with operations 3 and 4. */
    public static final int RARP = 0x8035;
    /** IEEE 802.1Q customer VLAN tag (C-tag) protocol identifier. */
    public static final int VLAN = 0x8100;
    /** IEEE 802.1ad service VLAN tag (S-tag, "QinQ") protocol identifier. */
    public static final int QINQ = 0x88a8;
    /** Pre-standard QinQ tag identifier some switches still send; not parsed as a tag here. */
    public static final int QINQ_LEGACY = 0x9100;
    /** Internet Protocol version 6 (RFC 2464). */
    public static final int IPV6 = 0x86dd;
    /** IEEE 802.3 MAC control (PAUSE frames, clause 31). */
    public static final int MAC_CONTROL = 0x8808;
    /** IEEE 802.3 slow protocols (LACP, clause 43B). */
    public static final int SLOW_PROTOCOLS = 0x8809;
    /** MPLS unicast (RFC 3032). */
    public static final int MPLS = 0x8847;
    /** MPLS multicast (RFC 5332). */
    public static final int MPLS_MULTICAST = 0x8848;
    /** PPPoE discovery stage (RFC 2516). */
    public static final int PPPOE_DISCOVERY = 0x8863;
    /** PPPoE session stage (RFC 2516). */
    public static final int PPPOE_SESSION = 0x8864;
    /** IEEE 802.1X port access control (EAPOL). */
    public static final int EAPOL = 0x888e;
    /** IEEE 802.1AB Link Layer Discovery Protocol. */
    public static final int LLDP = 0x88cc;

    /** The largest value that is a payload length rather than a type (IEEE 802.3 clause 3.2.6). */
    public static final int MAX_LENGTH = 0x05dc;
    /** The smallest value that is a type (IEEE 802.3 clause 3.2.6). */
    public static final int MIN_TYPE = 0x0600;

    private EtherType() {
    }

    /**
     * Whether {@code value} is an IEEE 802.3 length (or one of the undefined values 1501..1535)
     * rather than an EtherType: such a frame carries LLC, which this stack does not speak.
     */
    public static boolean isLengthField(int value) {
        return value < MIN_TYPE;
    }

    /** Whether {@code value} announces an 802.1Q or 802.1ad VLAN tag. */
    public static boolean isVlanTag(int value) {
        return value == VLAN || value == QINQ;
    }

    /** A short name for logs ("IPv4", "ARP", "0x88b5"); allocates only for unnamed values. */
    public static String name(int value) {
        return switch (value) {
            case IPV4 -> "IPv4";
            case ARP -> "ARP";
            case RARP -> "RARP";
            case VLAN -> "802.1Q";
            case QINQ -> "802.1ad";
            case QINQ_LEGACY -> "QinQ-legacy";
            case IPV6 -> "IPv6";
            case MAC_CONTROL -> "MAC-control";
            case SLOW_PROTOCOLS -> "slow-protocols";
            case MPLS -> "MPLS";
            case MPLS_MULTICAST -> "MPLS-multicast";
            case PPPOE_DISCOVERY -> "PPPoE-discovery";
            case PPPOE_SESSION -> "PPPoE-session";
            case EAPOL -> "EAPOL";
            case LLDP -> "LLDP";
            default -> isLengthField(value) ? "802.3-length" : String.format("0x%04x", value);
        };
    }
}
