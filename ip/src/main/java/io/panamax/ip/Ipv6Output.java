package io.panamax.ip;

import io.panamax.reactor.buffer.Packet;

/**
 * What a transport protocol (TCP) on a shard uses to send over IPv6: the shard's {@link Ipv6}
 * layer, as {@link Ipv4Output} is for IPv4. Addresses are two longs each (high and low 64 bits,
 * network order), as the data path carries them. Sending never blocks.
 */
public interface Ipv6Output {

    /**
     * Sends {@code segment} (starting at the upper-layer header, checksum complete, headroom in
     * front) from {@code src} to {@code dst} with next header {@code protocol}; fragmented when it
     * exceeds the path MTU (RFC 8200 §4.5). Takes ownership.
     *
     * @return false if it was dropped at once (no route, no buffers; counted by the IP layer)
     */
    boolean send(long srcHigh, long srcLow, long dstHigh, long dstLow, int protocol, Packet segment);

    /**
     * {@link #send(long, long, long, long, int, Packet)} with the ECN bits of the traffic class set
     * to {@code ecn} (RFC 3168 5, as {@link Ipv4Output}'s); an output that cannot mark sends Not-ECT.
     */
    default boolean send(long srcHigh, long srcLow, long dstHigh, long dstLow, int protocol, Packet segment, int ecn) {
        return send(srcHigh, srcLow, dstHigh, dstLow, protocol, segment);
    }

    /** The path MTU towards {@code dst}: the link MTU, or less after a packet too big (RFC 8201). */
    int pathMtu(long dstHigh, long dstLow);

    /** The high half of the source address to use towards a destination whose high half is {@code dstHigh}. */
    long sourceHighFor(long dstHigh);

    /** The low half of the source address to use towards a destination whose high half is {@code dstHigh}. */
    long sourceLowFor(long dstHigh);

    /**
     * Whether the NIC completes TCP checksums of IPv6 segments ({@link Packet#TX_TCP_CHECKSUM},
     * the field holding the RFC 8200 8.1 pseudo-header sum). False unless the device said so.
     */
    default boolean txTcp6ChecksumOffload() {
        return false;
    }

    /**
     * The largest TCP super-segment (IPv6 datagram, header included) the NIC cuts into segments
     * itself ({@link Packet#TX_TCP_SEGMENTATION}); 0 when it does not. Only with
     * {@link #txTcp6ChecksumOffload()}.
     */
    default int txTcp6SegmentationMax() {
        return 0;
    }
}
