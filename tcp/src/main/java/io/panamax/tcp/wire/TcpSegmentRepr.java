package io.panamax.tcp.wire;

import java.lang.foreign.MemorySegment;

/**
 * One TCP segment as values (RFC 9293 3.1, the SEG.* variables of 3.3.1): every header field,
 * the options, and the payload length, with {@link #parse} from wire bytes and {@link #emit} back
 * to them. The receive path parses every segment into one instance per shard (the connection
 * code's {@code Segment} is one), the segment writer fills one and emits it, and the packet-script
 * harness builds the segments it injects with one: one description of a segment, three users.
 * An instance is refilled per segment; neither parse nor emit allocates.
 *
 * <p>{@link #parse} is pure and total: whatever the bytes, it returns a {@link Verdict} naming
 * what is wrong (or {@link Verdict#OK}), never throws, and reads only the header bytes the length
 * says are there. It checks what the header alone can tell (length, data offset, ports, option
 * syntax, control bits), not the checksum, which needs the pseudo header and the whole payload
 * ({@link TcpChecksum}).
 *
 * <p>{@link #emit} writes the fixed header and the options, padded to 32 bits, with the checksum
 * field zero; the caller appends the payload and fills the checksum with {@link TcpChecksum}
 * (IPv4's or IPv6's pseudo header), or leaves it to the NIC. The option layout is the one Linux
 * sends: MSS, SACK-Permitted with Timestamps (or NOP NOP Timestamps), NOP Window Scale, NOP NOP
 * SACK blocks; a User Timeout option (RFC 5482, 4 bytes, which Linux does not send) goes after
 * the window scale, before the SACK blocks.
 */
public class TcpSegmentRepr {
    /** What {@link #parse} found. */
    public enum Verdict {
        /** A usable segment: every field is set. */
        OK,
        /** Fewer bytes than the fixed header (or than the header's own length in the bytes given). */
        TOO_SHORT,
        /** Data offset below 5 words or past the end of the segment. */
        BAD_HEADER_LENGTH,
        /** Source or destination port 0, which no connection can use (RFC 9293 3.1). */
        ZERO_PORT,
        /** A malformed option list (RFC 9293 3.1: an option length that does not fit). */
        BAD_OPTIONS,
        /** SYN with RST or FIN: a combination no conforming sender makes. */
        BAD_FLAGS
    }

    /** Source port. */
    public int srcPort;
    /** Destination port. */
    public int dstPort;
    /** SEG.SEQ. */
    public int seq;
    /** SEG.ACK, meaningful with {@link TcpHeader#ACK}; emitted as 0 without it. */
    public int ack;
    /** The eight control bits, CWR ECE URG ACK PSH RST SYN FIN ({@link TcpHeader#SYN} and friends). */
    public int flags;
    /** SEG.WND as on the wire: unscaled (RFC 7323 2.3). */
    public int window;
    /** The urgent pointer (this stack sends 0 and treats urgent data as ordinary data). */
    public int urgentPointer;
    /** The options: MSS, window scale, SACK-Permitted, timestamps, user timeout, SACK blocks. */
    public final TcpOptions options = new TcpOptions();
    /** Payload bytes behind the header: SEG.LEN without SYN and FIN. */
    public int payloadLength;

    public TcpSegmentRepr() {
        options.clear();
    }

    /** Whether control bit {@code flag} is set. */
    public final boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** SEG.LEN (RFC 9293 3.4): payload plus one each for SYN and FIN. */
    public final int sequenceLength() {
        return TcpHeader.sequenceLength(flags, payloadLength);
    }

    /** Forgets the header fields and options: a segment with no flags and no options. */
    public void clearHeader() {
        srcPort = 0;
        dstPort = 0;
        seq = 0;
        ack = 0;
        flags = 0;
        window = 0;
        urgentPointer = 0;
        payloadLength = 0;
        options.clear();
    }

    /**
     * Parses the segment of {@code length} bytes (header and payload) whose header starts at
     * {@code off} in {@code m}; {@code m} must hold the whole header there (a receive path
     * linearizes it first), the payload may lie elsewhere. Fills every field, including
     * {@link #payloadLength}, when the verdict is {@link Verdict#OK}; leaves them unspecified
     * otherwise. Never throws.
     */
    public final Verdict parse(MemorySegment m, long off, int length) {
        TcpHeader.Problem problem = TcpHeader.check(m, off, length);
        if (problem != null) {
            return switch (problem) {
                case TOO_SHORT -> Verdict.TOO_SHORT;
                case DATA_OFFSET_TOO_SMALL, DATA_OFFSET_BEYOND_SEGMENT -> Verdict.BAD_HEADER_LENGTH;
                case ZERO_PORT -> Verdict.ZERO_PORT;
            };
        }
        int hlen = TcpHeader.headerLength(m, off);
        if (m.byteSize() - off < hlen) {
            return Verdict.TOO_SHORT;
        }
        if (hlen > TcpHeader.MIN_LENGTH) {
            if (options.parse(m, off + TcpHeader.OPTIONS, hlen - TcpHeader.MIN_LENGTH) != null) {
                return Verdict.BAD_OPTIONS;
            }
        } else {
            options.clear();
        }
        int f = TcpHeader.flags(m, off);
        if ((f & TcpHeader.SYN) != 0 && (f & (TcpHeader.RST | TcpHeader.FIN)) != 0) {
            return Verdict.BAD_FLAGS;
        }
        srcPort = TcpHeader.sourcePort(m, off);
        dstPort = TcpHeader.destinationPort(m, off);
        seq = TcpHeader.sequenceNumber(m, off);
        ack = TcpHeader.acknowledgmentNumber(m, off);
        flags = f;
        window = TcpHeader.window(m, off);
        urgentPointer = TcpHeader.urgentPointer(m, off);
        payloadLength = length - hlen;
        return Verdict.OK;
    }

    /** Option bytes {@link #emit} writes for the current options, padded to 32 bits. */
    public final int optionsLength() {
        TcpOptions o = options;
        int n = o.mss >= 0 ? TcpOptions.LENGTH_MSS : 0;
        if (o.sackPermitted) {
            n += o.hasTimestamps ? TcpOptions.LENGTH_SACK_PERMITTED + TcpOptions.LENGTH_TIMESTAMPS : TcpOptions.LENGTH_SACK_PERMITTED;
        } else if (o.hasTimestamps) {
            n += TcpOptions.ALIGNED_TIMESTAMPS_LENGTH;
        }
        n += o.windowScale >= 0 ? 4 : 0;
        n += o.userTimeout >= 0 ? TcpOptions.LENGTH_USER_TIMEOUT : 0;
        n += TcpOptions.alignedSackLength(o.sackBlocks);
        return (n + 3) & ~3;
    }

    /** Bytes of the header {@link #emit} writes: 20 plus {@link #optionsLength()}. */
    public final int headerLength() {
        return TcpHeader.MIN_LENGTH + optionsLength();
    }

    /**
     * Writes the header and options at {@code off} (checksum field 0); returns the header length.
     * Throws {@link IllegalStateException} if the options ask for more than 40 bytes: a sender
     * bug, never a property of received input.
     */
    public final int emit(MemorySegment m, long off) {
        int optLen = optionsLength();
        if (optLen > TcpHeader.MAX_OPTIONS_LENGTH) {
            throw new IllegalStateException("options need " + optLen + " bytes, at most 40 fit: " + this);
        }
        int hlen = TcpHeader.MIN_LENGTH + optLen;
        emitFixedHeader(m, off, hlen);
        int written = emitOptions(m, off + TcpHeader.OPTIONS);
        int padded = TcpOptions.pad(m, off + TcpHeader.OPTIONS, written);
        assert padded == optLen : "options " + padded + " vs " + optLen;
        return hlen;
    }

    /**
     * Writes the 20 fixed bytes with a data offset of {@code headerLength} (options, if any, are
     * the caller's: a test writes malformed ones this way); the checksum field is 0.
     */
    public final void emitFixedHeader(MemorySegment m, long off, int headerLength) {
        TcpHeader.setSourcePort(m, off, srcPort);
        TcpHeader.setDestinationPort(m, off, dstPort);
        TcpHeader.setSequenceNumber(m, off, seq);
        TcpHeader.setAcknowledgmentNumber(m, off, (flags & TcpHeader.ACK) != 0 ? ack : 0);
        TcpHeader.setHeaderLength(m, off, headerLength);
        TcpHeader.setFlags(m, off, flags);
        TcpHeader.setWindow(m, off, window);
        TcpHeader.setChecksum(m, off, 0);
        TcpHeader.setUrgentPointer(m, off, urgentPointer);
    }

    private int emitOptions(MemorySegment m, long at) {
        TcpOptions o = options;
        int n = 0;
        if (o.mss >= 0) {
            n += TcpOptions.writeMss(m, at + n, o.mss);
        }
        if (o.sackPermitted) {
            // SACK-Permitted (2) then Timestamps (10): 12 bytes, aligned without NOPs.
            n += TcpOptions.writeSackPermitted(m, at + n);
            if (o.hasTimestamps) {
                n += TcpOptions.writeTimestamps(m, at + n, o.tsVal, o.tsEcr);
            }
        } else if (o.hasTimestamps) {
            n += TcpOptions.writeAlignedTimestamps(m, at + n, o.tsVal, o.tsEcr);
        }
        if (o.windowScale >= 0) {
            n += TcpOptions.writeNopWindowScale(m, at + n, o.windowScale);
        }
        if (o.userTimeout >= 0) {
            n += TcpOptions.writeUserTimeout(m, at + n, o.userTimeout);
        }
        if (o.sackBlocks > 0) {
            n += TcpOptions.writeAlignedSack(m, at + n, o.sackLeft, o.sackRight, o.sackBlocks);
        }
        return n;
    }

    @Override
    public String toString() {
        return srcPort + "->" + dstPort + " " + TcpHeader.flagsToString(flags)
                + " seq=" + Integer.toUnsignedString(seq) + " ack=" + Integer.toUnsignedString(ack)
                + " win=" + window + " len=" + payloadLength + " " + options;
    }
}
