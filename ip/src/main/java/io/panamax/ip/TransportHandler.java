package io.panamax.ip;

import io.panamax.reactor.buffer.Packet;

/**
 * A transport protocol registered with the IPv4 layer for one protocol number: it receives the
 * datagrams addressed to it and the ICMP errors about datagrams it sent.
 */
public interface TransportHandler {

    /**
     * A datagram for this protocol: {@code payload} starts at the transport header and holds
     * exactly the IP payload (padding removed, fragments reassembled). The handler owns it.
     * {@code packetFlags} carry the NIC's checksum verdicts ({@link Packet#RX_L4_CHECKSUM_GOOD}...).
     */
    void receive(int srcIp, int dstIp, Packet payload);

    /**
     * An ICMP error (RFC 792) about a datagram this protocol sent, parsed by the IP layer: type,
     * code, next-hop MTU for "fragmentation needed" (RFC 1191), and the quoted datagram's
     * addresses, ports and first transport word (RFC 1122 3.2.2). Borrowed: the handler must not
     * keep {@code error} after returning.
     */
    default void icmpError(IcmpError error) {
    }
}
