package io.panamax.dpdk;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Loads and stores at raw native addresses (mbuf headers, pointer arrays), through one segment that
 * spans the whole address space: no per-access segment objects, so the data path allocates
 * nothing. The caller vouches for every address (it comes from DPDK).
 *
 * <p>The layouts are the {@code _UNALIGNED} ones: DPDK's fields are naturally aligned anyway, and on
 * x86-64 an unaligned load is the same instruction, but an aligned layout makes every access check
 * the address's alignment first ({@code AbstractMemorySegmentImpl.isAlignedForElement}, 7 % of the
 * JFR samples of a net_null forwarding shard, not always inlined).
 */
public final class RawMemory {
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private RawMemory() {
    }

    public static long getLong(long address) {
        return ALL.get(LONG, address);
    }

    public static void setLong(long address, long value) {
        ALL.set(LONG, address, value);
    }

    public static int getInt(long address) {
        return ALL.get(INT, address);
    }

    public static void setInt(long address, int value) {
        ALL.set(INT, address, value);
    }

    /** The unsigned 16-bit value at {@code address}. */
    public static int getU16(long address) {
        return ALL.get(SHORT, address) & 0xffff;
    }

    public static void setU16(long address, int value) {
        ALL.set(SHORT, address, (short) value);
    }

    /** A segment of {@code size} bytes at {@code address}, living as long as the memory does. */
    public static MemorySegment segment(long address, long size) {
        return ALL.asSlice(address, size);
    }
}
