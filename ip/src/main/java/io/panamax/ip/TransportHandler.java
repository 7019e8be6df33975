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
     * An ICMP error (RFC 792) about a datagram this protocol sent: {@code quoted} holds the quoted
     * IP header and at least 8 bytes of the transport header (RFC 1122 3.2.2). For "fragmentation
     * needed" {@code nextHopMtu} is the MTU the router reported (RFC 1191), else 0. Borrowed: the
     * handler must not keep {@code quoted} after returning.
     */
    default void icmpError(int type, int code, int nextHopMtu, int reporterIp, Packet quoted) {
    }
}
