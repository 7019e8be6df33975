package io.panamax.tcp.script;

import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.wire.TcpChecksum;
import io.panamax.tcp.wire.TcpHeader;
import io.panamax.tcp.wire.TcpOptions;
import io.panamax.tcp.wire.TcpSegmentRepr;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A segment the stack sent, decoded by the test (independently of the stack's parser where it
 * matters: fields are read from raw bytes), with fluent assertions.
 */
public final class SentSegment {
    public final int srcIp;
    public final int dstIp;
    public final int srcPort;
    public final int dstPort;
    public final int seq;
    public final int ack;
    public final int flags;
    public final int window;
    public final int headerLength;
    public final TcpOptions options = new TcpOptions();
    /** The same segment as the stack's {@link TcpSegmentRepr#parse} reads it (checked equal to the raw reads). */
    public final TcpSegmentRepr repr = new TcpSegmentRepr();
    public final byte[] payload;
    public final boolean checksumOk;
    public final long timeNanos;
    public final boolean dontFragment;
    /** The ECN field TCP asked IP to send with (RFC 3168 5: 0 Not-ECT, 2 ECT(0)). */
    public final int ipEcn;
    /**
     * For a super-segment (TSO): the payload of each segment the NIC cuts from it, every one with
     * a copy of this header and its options; 0 for an ordinary segment.
     */
    public final int segmentSize;

    SentSegment(int srcIp, int dstIp, Packet p, boolean offload, boolean df, int ecn, long now) {
        this.ipEcn = ecn;
        this.srcIp = srcIp;
        this.dstIp = dstIp;
        this.timeNanos = now;
        this.dontFragment = df;
        this.segmentSize = p.hasFlag(Packet.TX_TCP_SEGMENTATION) ? p.segmentSize() : 0;
        byte[] all = p.toByteArray();
        if (offload) {
            // The "NIC" finishes the checksum: the field holds the pseudo-header sum.
            assertTrue(p.hasFlag(Packet.TX_TCP_CHECKSUM), "offload: TX_TCP_CHECKSUM must be set");
            TcpChecksum.fill(srcIp, dstIp, p);
            all = p.toByteArray();
        }
        this.checksumOk = TcpChecksum.verifies(srcIp, dstIp, p);
        var m = java.lang.foreign.MemorySegment.ofArray(all);
        srcPort = TcpHeader.sourcePort(m, 0);
        dstPort = TcpHeader.destinationPort(m, 0);
        seq = TcpHeader.sequenceNumber(m, 0);
        ack = TcpHeader.acknowledgmentNumber(m, 0);
        flags = TcpHeader.flags(m, 0);
        window = TcpHeader.window(m, 0);
        headerLength = TcpHeader.headerLength(m, 0);
        assertNull(options.parse(m, 20, headerLength - 20), "options of a sent segment must parse");
        payload = Arrays.copyOfRange(all, headerLength, all.length);
        // The stack's own parser must read what its emitter wrote as the raw reads above do.
        assertEquals(TcpSegmentRepr.Verdict.OK, repr.parse(m, 0, all.length), "parse of a sent segment");
        assertEquals(List.of(srcPort, dstPort, seq, flags, window, payload.length, options.toString()),
                List.of(repr.srcPort, repr.dstPort, repr.seq, repr.flags, repr.window, repr.payloadLength, repr.options.toString()),
                "TcpSegmentRepr.parse against the raw header");
        if (has(TcpHeader.ACK)) {
            assertEquals(ack, repr.ack, "TcpSegmentRepr.parse: SEG.ACK");
        }
        assertEquals(headerLength, repr.headerLength(), "an emitted header is as long as the repr says");
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    public int length() {
        return payload.length;
    }

    public String payloadText() {
        return new String(payload, StandardCharsets.ISO_8859_1);
    }

    // ---- assertions -------------------------------------------------------------------

    public SentSegment flags(int expected) {
        assertEquals(TcpHeader.flagsToString(expected), TcpHeader.flagsToString(flags & ~TcpHeader.PSH), "flags of " + this);
        return this;
    }

    public SentSegment seq(int expected) {
        assertEquals(Integer.toUnsignedString(expected), Integer.toUnsignedString(seq), "seq of " + this);
        return this;
    }

    public SentSegment ack(int expected) {
        assertTrue(has(TcpHeader.ACK), "ACK flag on " + this);
        assertEquals(Integer.toUnsignedString(expected), Integer.toUnsignedString(ack), "ack of " + this);
        return this;
    }

    public SentSegment window(int expected) {
        assertEquals(expected, window, "window of " + this);
        return this;
    }

    public SentSegment payload(String expected) {
        assertEquals(expected, payloadText(), "payload of " + this);
        return this;
    }

    public SentSegment payload(byte[] expected) {
        assertArrayEquals(expected, payload, "payload of " + this);
        return this;
    }

    public SentSegment length(int expected) {
        assertEquals(expected, payload.length, "payload length of " + this);
        return this;
    }

    /** A super-segment for the NIC to cut into segments of {@code expected} bytes (0: an ordinary segment). */
    public SentSegment segmentSize(int expected) {
        assertEquals(expected, segmentSize, "segment size (TSO) of " + this);
        return this;
    }

    public SentSegment mss(int expected) {
        assertEquals(expected, options.mss, "MSS option of " + this);
        return this;
    }

    /** The User Timeout option's 16 bits (RFC 5482 3), -1 for none. */
    public SentSegment userTimeout(int expected) {
        assertEquals(expected, options.userTimeout, "user timeout option of " + this);
        return this;
    }

    public SentSegment windowScale(int expected) {
        assertEquals(expected, options.windowScale, "window scale option of " + this);
        return this;
    }

    public SentSegment noWindowScale() {
        assertEquals(-1, options.windowScale, "no window scale option on " + this);
        return this;
    }

    public SentSegment sackPermitted(boolean expected) {
        assertEquals(expected, options.sackPermitted, "SACK-permitted on " + this);
        return this;
    }

    public SentSegment timestamps(boolean expected) {
        assertEquals(expected, options.hasTimestamps, "timestamps on " + this);
        return this;
    }

    public SentSegment tsEcr(int expected) {
        assertTrue(options.hasTimestamps, "timestamps on " + this);
        assertEquals(expected, options.tsEcr, "TSecr of " + this);
        return this;
    }

    public SentSegment sack(int... edges) {
        assertEquals(edges.length / 2, options.sackBlocks, "SACK blocks of " + this);
        for (int i = 0; i < edges.length / 2; i++) {
            assertEquals(edges[2 * i], options.sackLeft[i], "SACK left " + i + " of " + this);
            assertEquals(edges[2 * i + 1], options.sackRight[i], "SACK right " + i + " of " + this);
        }
        return this;
    }

    public SentSegment noOptions() {
        assertEquals(20, headerLength, "no options on " + this);
        return this;
    }

    /** The IP ECN field: {@code Ipv4Header.ECN_ECT0} or {@code ECN_NOT_ECT}. */
    public SentSegment ipEcn(int expected) {
        assertEquals(expected, ipEcn, "IP ECN field of " + this);
        return this;
    }

    public SentSegment isRst() {
        assertTrue(has(TcpHeader.RST), "RST expected: " + this);
        return this;
    }

    public SentSegment notRst() {
        assertFalse(has(TcpHeader.RST), "unexpected RST: " + this);
        return this;
    }

    @Override
    public String toString() {
        return srcPort + ">" + dstPort + " [" + TcpHeader.flagsToString(flags) + "] seq=" + Integer.toUnsignedString(seq)
                + " ack=" + Integer.toUnsignedString(ack) + " win=" + window + " len=" + payload.length + (segmentSize > 0 ? " tso=" + segmentSize : "") + (ipEcn != 0 ? " ecn=" + ipEcn : "") + " " + options;
    }
}
