package io.panamax.reactor.buffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Big-endian ("network byte order", RFC 1700) reads and writes at any alignment, shared by every
 * wire format. Unsigned fields come back as non-negative {@code int}s (or {@code long}s for 48
 * bits); 32-bit addresses come back as the raw {@code int}, the way the stack carries IPv4
 * addresses.
 */
public final class NetworkBytes {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private NetworkBytes() {
    }

    public static int getU8(MemorySegment seg, long off) {
        return seg.get(ValueLayout.JAVA_BYTE, off) & 0xff;
    }

    public static int getU16(MemorySegment seg, long off) {
        return seg.get(U16, off) & 0xffff;
    }

    /** The 32 bits at {@code off}, first byte most significant (an IPv4 address, a sequence number). */
    public static int getI32(MemorySegment seg, long off) {
        return seg.get(I32, off);
    }

    /** The 32 bits at {@code off} as an unsigned value. */
    public static long getU32(MemorySegment seg, long off) {
        return seg.get(I32, off) & 0xffff_ffffL;
    }

    /** The 48 bits at {@code off} (a MAC address), first byte most significant, in the low bits. */
    public static long getU48(MemorySegment seg, long off) {
        return (long) getU16(seg, off) << 32 | getU32(seg, off + 2);
    }

    public static void setU8(MemorySegment seg, long off, int value) {
        seg.set(ValueLayout.JAVA_BYTE, off, (byte) value);
    }

    public static void setU16(MemorySegment seg, long off, int value) {
        seg.set(U16, off, (short) value);
    }

    public static void setI32(MemorySegment seg, long off, int value) {
        seg.set(I32, off, value);
    }

    /** Writes the low 48 bits of {@code value}, most significant first. */
    public static void setU48(MemorySegment seg, long off, long value) {
        seg.set(U16, off, (short) (value >>> 32));
        seg.set(I32, off + 2, (int) value);
    }

    /**
     * How many of the {@code available} bytes from {@code off} the segment really holds: 0 for a
     * null segment or an offset outside it. Validators bound every read by this, so that a caller's
     * wrong length can make them report a truncation but never throw.
     */
    public static int readable(MemorySegment seg, long off, long available) {
        if (seg == null || off < 0 || available <= 0) {
            return 0;
        }
        long size = seg.byteSize();
        if (off >= size) {
            return 0;
        }
        return (int) Math.min(Math.min(available, size - off), Integer.MAX_VALUE);
    }
}
