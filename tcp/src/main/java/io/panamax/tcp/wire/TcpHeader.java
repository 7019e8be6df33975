package io.panamax.tcp.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The TCP header (RFC 9293 3.1) as pure functions over a {@link MemorySegment} and the offset of
 * the header's first byte. Reading never throws on any content once {@link #check} has accepted the
 * length; {@link #check} never throws at all, whatever the bytes.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |          Source Port          |       Destination Port        |
 * |                        Sequence Number                        |
 * |                    Acknowledgment Number                      |
 * |  DOffset |  Rsrvd |C|E|U|A|P|R|S|F|           Window          |
 * |           Checksum            |         Urgent Pointer        |
 * |                    Options                    |    Padding    |
 * </pre>
 */
public final class TcpHeader {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Bytes of the header without options. */
    public static final int MIN_LENGTH = 20;
    /** Bytes of the largest header: data offset 15 words. */
    public static final int MAX_LENGTH = 60;
    /** Bytes of option space in the largest header. */
    public static final int MAX_OPTIONS_LENGTH = MAX_LENGTH - MIN_LENGTH;

    public static final int SOURCE_PORT = 0;
    public static final int DESTINATION_PORT = 2;
    public static final int SEQUENCE_NUMBER = 4;
    public static final int ACKNOWLEDGMENT_NUMBER = 8;
    /** The data offset (header length in 32-bit words) in the high four bits. */
    public static final int DATA_OFFSET = 12;
    /** The control bits CWR ECE URG ACK PSH RST SYN FIN. */
    public static final int CONTROL_BITS = 13;
    public static final int WINDOW = 14;
    public static final int CHECKSUM = 16;
    public static final int URGENT_POINTER = 18;
    public static final int OPTIONS = 20;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    /** Why a segment cannot be parsed; {@code null} from {@link #check} means it can. */
    public enum Problem {
        /** Fewer bytes than the fixed header. */
        TOO_SHORT,
        /** Data offset below 5 words: the header would end inside its own fixed part. */
        DATA_OFFSET_TOO_SMALL,
        /** Data offset pointing past the end of the segment. */
        DATA_OFFSET_BEYOND_SEGMENT,
        /** Source or destination port 0, which no connection can use (RFC 9293 3.1 reserves it). */
        ZERO_PORT
    }

    private TcpHeader() {
    }

    /**
     * Checks that a segment of {@code length} bytes at {@code off} has a whole, self-consistent
     * header; returns null when it does. Reads at most the fixed header, and only when
     * {@code length} says it is there.
     */
    public static Problem check(MemorySegment seg, long off, int length) {
        if (length < MIN_LENGTH || seg.byteSize() - off < MIN_LENGTH) {
            return Problem.TOO_SHORT;
        }
        int hlen = headerLength(seg, off);
        if (hlen < MIN_LENGTH) {
            return Problem.DATA_OFFSET_TOO_SMALL;
        }
        if (hlen > length) {
            return Problem.DATA_OFFSET_BEYOND_SEGMENT;
        }
        if (sourcePort(seg, off) == 0 || destinationPort(seg, off) == 0) {
            return Problem.ZERO_PORT;
        }
        return null;
    }

    /** The source port. */
    public static int sourcePort(MemorySegment seg, long off) {
        return seg.get(U16, off + SOURCE_PORT) & 0xffff;
    }

    /** The destination port. */
    public static int destinationPort(MemorySegment seg, long off) {
        return seg.get(U16, off + DESTINATION_PORT) & 0xffff;
    }

    /** The sequence number (SEG.SEQ). */
    public static int sequenceNumber(MemorySegment seg, long off) {
        return seg.get(U32, off + SEQUENCE_NUMBER);
    }

    /** The acknowledgment number (SEG.ACK), meaningful with ACK set. */
    public static int acknowledgmentNumber(MemorySegment seg, long off) {
        return seg.get(U32, off + ACKNOWLEDGMENT_NUMBER);
    }

    /** The data offset field: header length in 32-bit words (0..15, not validated). */
    public static int dataOffset(MemorySegment seg, long off) {
        return (seg.get(ValueLayout.JAVA_BYTE, off + DATA_OFFSET) >> 4) & 0x0f;
    }

    /** The header length in bytes, options included: data offset × 4. */
    public static int headerLength(MemorySegment seg, long off) {
        return dataOffset(seg, off) * 4;
    }

    /** The eight control bits (see {@link #SYN} and friends). */
    public static int flags(MemorySegment seg, long off) {
        return seg.get(ValueLayout.JAVA_BYTE, off + CONTROL_BITS) & 0xff;
    }

    /** The window field as sent: unscaled (RFC 7323 2.3 says when to shift it). */
    public static int window(MemorySegment seg, long off) {
        return seg.get(U16, off + WINDOW) & 0xffff;
    }

    /** The checksum field. */
    public static int checksum(MemorySegment seg, long off) {
        return seg.get(U16, off + CHECKSUM) & 0xffff;
    }

    /** The urgent pointer (this stack treats urgent data as ordinary data). */
    public static int urgentPointer(MemorySegment seg, long off) {
        return seg.get(U16, off + URGENT_POINTER) & 0xffff;
    }

    /** Writes the source port. */
    public static void setSourcePort(MemorySegment seg, long off, int port) {
        seg.set(U16, off + SOURCE_PORT, (short) port);
    }

    /** Writes the destination port. */
    public static void setDestinationPort(MemorySegment seg, long off, int port) {
        seg.set(U16, off + DESTINATION_PORT, (short) port);
    }

    /** Writes the sequence number. */
    public static void setSequenceNumber(MemorySegment seg, long off, int seq) {
        seg.set(U32, off + SEQUENCE_NUMBER, seq);
    }

    /** Writes the acknowledgment number. */
    public static void setAcknowledgmentNumber(MemorySegment seg, long off, int ack) {
        seg.set(U32, off + ACKNOWLEDGMENT_NUMBER, ack);
    }

    /** Sets the data offset from a header length in bytes (a multiple of 4, 20..60); clears the reserved bits. */
    public static void setHeaderLength(MemorySegment seg, long off, int bytes) {
        seg.set(ValueLayout.JAVA_BYTE, off + DATA_OFFSET, (byte) ((bytes / 4) << 4));
    }

    /** Writes the eight control bits. */
    public static void setFlags(MemorySegment seg, long off, int flags) {
        seg.set(ValueLayout.JAVA_BYTE, off + CONTROL_BITS, (byte) flags);
    }

    /** Writes the window field (already scaled down). */
    public static void setWindow(MemorySegment seg, long off, int window) {
        seg.set(U16, off + WINDOW, (short) window);
    }

    /** Writes the checksum field. */
    public static void setChecksum(MemorySegment seg, long off, int checksum) {
        seg.set(U16, off + CHECKSUM, (short) checksum);
    }

    /** Writes the urgent pointer. */
    public static void setUrgentPointer(MemorySegment seg, long off, int pointer) {
        seg.set(U16, off + URGENT_POINTER, (short) pointer);
    }

    /**
     * The sequence space a segment occupies (RFC 9293 3.4 SEG.LEN): its payload plus one for SYN
     * and one for FIN.
     */
    public static int sequenceLength(int flags, int payloadLength) {
        return payloadLength + ((flags & SYN) != 0 ? 1 : 0) + ((flags & FIN) != 0 ? 1 : 0);
    }

    /** The control bits as text ("SYN|ACK"), for logs and test messages. */
    public static String flagsToString(int flags) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
        for (int i = 0; i < names.length; i++) {
            if ((flags & (1 << i)) != 0) {
                if (!sb.isEmpty()) {
                    sb.append('|');
                }
                sb.append(names[i]);
            }
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }
}
