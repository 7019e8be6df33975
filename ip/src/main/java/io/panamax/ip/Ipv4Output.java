package io.panamax.ip;

import io.panamax.reactor.buffer.Packet;

/**
 * What a transport protocol (TCP, UDP) on a shard uses to send: the shard's IPv4 layer. Sending
 * never blocks: a datagram waiting for ARP is queued, one that cannot be sent is dropped and counted.
 */
public interface Ipv4Output {

    /**
     * Sends {@code segment} (starting at the transport header, with headroom in front for the IP
     * and link headers) from {@code srcIp} to {@code dstIp}. Takes ownership of the packet.
     * Fragments it when it exceeds the MTU, unless {@code dontFragment}.
     *
     * @return false if it was dropped at once (no route, no buffers; counted by the IP layer)
     */
    boolean send(int srcIp, int dstIp, int protocol, Packet segment, boolean dontFragment);

    /**
     * {@link #send(int, int, int, Packet, boolean)} with the ECN field of the IP header set to
     * {@code ecn} ({@link io.panamax.ip.wire.Ipv4Header#ECN_ECT0} for TCP data once ECN is
     * negotiated, RFC 3168 6.1.2). An output that cannot mark sends Not-ECT, which is always
     * allowed: the peer then simply sees no ECN-capable packets.
     */
    default boolean send(int srcIp, int dstIp, int protocol, Packet segment, boolean dontFragment, int ecn) {
        return send(srcIp, dstIp, protocol, segment, dontFragment);
    }

    /** The MTU towards {@code dstIp}: the interface MTU, or less where ICMP said so (RFC 1191). */
    int mtu(int dstIp);

    /** The source address to use towards {@code dstIp} (the interface address on its subnet). */
    int sourceAddressFor(int dstIp);

    /** Whether the NIC fills in TCP checksums (the sender then writes only the pseudo-header sum). */
    boolean txTcpChecksumOffload();

    /** Whether the NIC fills in UDP checksums. */
    boolean txUdpChecksumOffload();

    /**
     * The largest TCP super-segment (IP datagram, bytes) the NIC cuts into MSS-sized segments
     * itself ({@link Packet#TX_TCP_SEGMENTATION}, TSO); 0 when it does not, and TCP then sends
     * segments that fit the MTU. Only offered together with {@link #txTcpChecksumOffload()}.
     */
    default int txTcpSegmentationMax() {
        return 0;
    }
}
