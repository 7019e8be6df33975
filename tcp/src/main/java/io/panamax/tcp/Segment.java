package io.panamax.tcp;

import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.wire.TcpSegmentRepr;

/**
 * A received segment: the parsed header, options and payload length ({@link TcpSegmentRepr}, the
 * SEG.* variables of RFC 9293 3.3.1), the addresses it came from and went to, and its payload
 * (the packet past the header). One instance per shard, refilled for every segment, so receiving
 * allocates nothing. A connection that keeps the payload takes it ({@link #takePayload()});
 * whatever is left is released after processing.
 */
final class Segment extends TcpSegmentRepr {
    /** Arrived over IPv6: the addresses are in the four longs, else in {@link #srcIp}/{@link #dstIp}. */
    boolean ipv6;
    int srcIp;
    int dstIp;
    long srcHigh;
    long srcLow;
    long dstHigh;
    long dstLow;
    /** The payload (may be empty); null once taken or released. */
    Packet payload;
    /** The IP header carried CE (RFC 3168 5: congestion experienced on the way; {@link Packet#RX_ECN_CE}). */
    boolean ce;

    /** Hands the payload to the caller. */
    Packet takePayload() {
        Packet p = payload;
        payload = null;
        return p;
    }

    /** Drops the first {@code n} payload bytes (already received). */
    void trimFront(int n) {
        payload.trimFront(n);
        payloadLength -= n;
        seq += n;
    }

    /** Drops the last {@code n} payload bytes (beyond the window). */
    void trimBack(int n) {
        payload.trimBack(n);
        payloadLength -= n;
    }

    @Override
    public String toString() {
        return "Segment[" + super.toString() + "]";
    }
}
