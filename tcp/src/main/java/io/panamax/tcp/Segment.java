package io.panamax.tcp;

import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.wire.TcpHeader;
import io.panamax.tcp.wire.TcpOptions;

/**
 * A received segment, parsed: the header fields the state machine reads (RFC 9293 3.3.1's SEG.*
 * variables), its options, and its payload (the packet past the header). One instance per shard,
 * refilled for every segment, so receiving allocates nothing. A connection that keeps the payload
 * takes it ({@link #takePayload()}); whatever is left is released after processing.
 */
final class Segment {
    /** Arrived over IPv6: the addresses are in the four longs, else in {@link #srcIp}/{@link #dstIp}. */
    boolean ipv6;
    int srcIp;
    int dstIp;
    long srcHigh;
    long srcLow;
    long dstHigh;
    long dstLow;
    int srcPort;
    int dstPort;
    /** SEG.SEQ */
    int seq;
    /** SEG.ACK */
    int ack;
    int flags;
    /** SEG.WND as received, unscaled. */
    int window;
    final TcpOptions options = new TcpOptions();
    /** The payload (may be empty); null once taken or released. */
    Packet payload;
    /** Payload bytes; kept in step with trimming. */
    int payloadLength;

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** SEG.LEN: payload plus SYN and FIN. */
    int sequenceLength() {
        return TcpHeader.sequenceLength(flags, payloadLength);
    }

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
        return "Segment[" + srcPort + "->" + dstPort + " " + TcpHeader.flagsToString(flags)
                + " seq=" + Integer.toUnsignedString(seq) + " ack=" + Integer.toUnsignedString(ack)
                + " win=" + window + " len=" + payloadLength + " " + options + "]";
    }
}
