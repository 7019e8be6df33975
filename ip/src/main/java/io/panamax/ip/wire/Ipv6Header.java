package io.panamax.ip.wire;

import io.panamax.reactor.buffer.NetworkBytes;
import io.panamax.ip.Ipv6Address;

import java.lang.foreign.MemorySegment;

/**
 * The IPv6 fixed header (RFC 8200 §3).
 *
 * <pre>
 *  0       4              12                    20         24          32
 *  |version| traffic class | flow label (20 bits)                        |
 *  | payload length (16)                        | next header| hop limit |
 *  | source address (128)                                               |
 *  | destination address (128)                                          |
 * </pre>
 *
 * <p>Addresses are handled as two longs, the high and low 64 bits, so that nothing on the data path
 * allocates. The payload length counts everything after these 40 bytes, extension headers
 * included; 0 with a hop-by-hop Jumbo Payload option is a jumbogram (RFC 2675), which a link of
 * Ethernet MTU never carries and this stack does not accept.
 *
 * <p>Static methods over {@code (seg, off)}, {@code off} being the header's first byte.
 * {@link #validate} never throws; the accessors assume it returned {@link Problem#NONE}.
 */
public final class Ipv6Header {
    public static final int VERSION = 6;
    public static final int HEADER_LENGTH = 40;
    public static final int OFFSET_VERSION_CLASS_FLOW = 0;
    public static final int OFFSET_PAYLOAD_LENGTH = 4;
    public static final int OFFSET_NEXT_HEADER = 6;
    public static final int OFFSET_HOP_LIMIT = 7;
    public static final int OFFSET_SOURCE = 8;
    public static final int OFFSET_DESTINATION = 24;
    /** RFC 8200 §5: every link carries at least 1280-byte packets. */
    public static final int MIN_MTU = 1280;
    /** Hop limit of sent packets (as Linux's default). */
    public static final int DEFAULT_HOP_LIMIT = 64;

    /** Why a received packet cannot be used; names read as metric labels. */
    public enum Problem {
        NONE,
        /** Fewer than 40 bytes. */
        TRUNCATED,
        /** The version field is not 6. */
        BAD_VERSION,
        /** The payload length runs past the bytes received (a jumbogram's 0 included: see the class comment). */
        BAD_PAYLOAD_LENGTH,
        /** A multicast source (RFC 4291 §2.7: never a source). */
        BAD_SOURCE_ADDRESS,
    }

    private Ipv6Header() {
    }

    /**
     * Checks the header at {@code off}, of a packet of {@code available} bytes from there (padding
     * beyond the payload length is normal and is the caller's to trim). Never throws.
     */
    public static Problem validate(MemorySegment seg, long off, int available) {
        int readable = NetworkBytes.readable(seg, off, available);
        if (readable < HEADER_LENGTH || available < HEADER_LENGTH) {
            return Problem.TRUNCATED;
        }
        if (version(seg, off) != VERSION) {
            return Problem.BAD_VERSION;
        }
        int payload = payloadLength(seg, off);
        if (payload + HEADER_LENGTH > available || (payload == 0 && nextHeader(seg, off) == Ipv6Extensions.HOP_BY_HOP)) {
            return Problem.BAD_PAYLOAD_LENGTH;
        }
        if (Ipv6Address.isMulticast(sourceHigh(seg, off))) {
            return Problem.BAD_SOURCE_ADDRESS;
        }
        return Problem.NONE;
    }

    // ---- fields -------------------------------------------------------------------------------------

    public static int version(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off) >>> 4;
    }

    public static int trafficClass(MemorySegment seg, long off) {
        return (NetworkBytes.getI32(seg, off) >>> 20) & 0xff;
    }

    /** Sets the traffic class (DSCP and ECN, RFC 2474 / RFC 3168 5), keeping version and flow label. */
    public static void setTrafficClass(MemorySegment seg, long off, int trafficClass) {
        NetworkBytes.setI32(seg, off, NetworkBytes.getI32(seg, off) & 0xf00f_ffff | (trafficClass & 0xff) << 20);
    }

    public static int flowLabel(MemorySegment seg, long off) {
        return NetworkBytes.getI32(seg, off) & 0xf_ffff;
    }

    public static int payloadLength(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_PAYLOAD_LENGTH);
    }

    public static void setPayloadLength(MemorySegment seg, long off, int length) {
        NetworkBytes.setU16(seg, off + OFFSET_PAYLOAD_LENGTH, length);
    }

    public static int nextHeader(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_NEXT_HEADER);
    }

    public static int hopLimit(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_HOP_LIMIT);
    }

    public static long sourceHigh(MemorySegment seg, long off) {
        return getU64(seg, off + OFFSET_SOURCE);
    }

    public static long sourceLow(MemorySegment seg, long off) {
        return getU64(seg, off + OFFSET_SOURCE + 8);
    }

    public static long destinationHigh(MemorySegment seg, long off) {
        return getU64(seg, off + OFFSET_DESTINATION);
    }

    public static long destinationLow(MemorySegment seg, long off) {
        return getU64(seg, off + OFFSET_DESTINATION + 8);
    }

    static long getU64(MemorySegment seg, long off) {
        return ((long) NetworkBytes.getI32(seg, off) << 32) | (NetworkBytes.getI32(seg, off + 4) & 0xffff_ffffL);
    }

    static void setU64(MemorySegment seg, long off, long v) {
        NetworkBytes.setI32(seg, off, (int) (v >>> 32));
        NetworkBytes.setI32(seg, off + 4, (int) v);
    }

    // ---- transmit -------------------------------------------------------------------------------------

    /** Writes a 40-byte header (traffic class and flow label 0) and returns {@link #HEADER_LENGTH}. */
    public static int write(MemorySegment seg, long off, int payloadLength, int nextHeader, int hopLimit,
                            long srcHigh, long srcLow, long dstHigh, long dstLow) {
        NetworkBytes.setI32(seg, off, VERSION << 28);
        NetworkBytes.setU16(seg, off + OFFSET_PAYLOAD_LENGTH, payloadLength);
        NetworkBytes.setU8(seg, off + OFFSET_NEXT_HEADER, nextHeader);
        NetworkBytes.setU8(seg, off + OFFSET_HOP_LIMIT, hopLimit);
        setU64(seg, off + OFFSET_SOURCE, srcHigh);
        setU64(seg, off + OFFSET_SOURCE + 8, srcLow);
        setU64(seg, off + OFFSET_DESTINATION, dstHigh);
        setU64(seg, off + OFFSET_DESTINATION + 8, dstLow);
        return HEADER_LENGTH;
    }

    // ---- checksum --------------------------------------------------------------------------------------

    /**
     * The unfolded sum of the RFC 8200 §8.1 pseudo-header: source, destination, the upper-layer
     * packet length (32 bits) and the next header value of the upper-layer protocol.
     */
    public static long pseudoHeaderSum(long srcHigh, long srcLow, long dstHigh, long dstLow, int upperLayerLength, int nextHeader) {
        return words(srcHigh) + words(srcLow) + words(dstHigh) + words(dstLow)
                + (upperLayerLength >>> 16) + (upperLayerLength & 0xffff) + nextHeader;
    }

    /** The pseudo-header sum for the addresses of the header at {@code off}. */
    public static long pseudoHeaderSum(MemorySegment seg, long off, int upperLayerLength, int nextHeader) {
        return pseudoHeaderSum(sourceHigh(seg, off), sourceLow(seg, off), destinationHigh(seg, off), destinationLow(seg, off),
                upperLayerLength, nextHeader);
    }

    private static long words(long v) {
        return (v >>> 48) + ((v >>> 32) & 0xffff) + ((v >>> 16) & 0xffff) + (v & 0xffff);
    }
}
