package io.panamax.ip;

import io.panamax.reactor.buffer.Packet;

/**
 * A transport protocol registered with the IPv6 layer for one next-header value: it receives the
 * datagrams addressed to it and the ICMPv6 errors about datagrams it sent. The methods have their
 * own names so that one class can be the transport of both IPv4 ({@link TransportHandler}) and IPv6.
 */
public interface Ipv6TransportHandler {

    /**
     * A datagram for this protocol: {@code payload} starts at the transport header and holds
     * exactly the upper-layer packet (padding removed, extension headers skipped, fragments
     * reassembled); the IPv6 header and extension headers lie right in front of it
     * ({@link Packet#l3Length()} bytes), so that an ICMPv6 error can quote them. The handler owns it.
     */
    void receive6(long srcHigh, long srcLow, long dstHigh, long dstLow, Packet payload);

    /**
     * An ICMPv6 error (RFC 4443 §3) about a datagram this protocol sent, parsed by the IPv6 layer
     * (for a packet too big, {@link IcmpError#mtu} is the MTU reported; the path MTU is already
     * lowered, RFC 8201). Borrowed: not to be kept after returning.
     */
    default void icmpv6Error(IcmpError error) {
    }
}
