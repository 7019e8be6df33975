package io.panamax.dpdk;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Loads and stores at raw native addresses (mbuf headers, pointer arrays), through one segment that
 * spans the whole address space: no per-access segment objects, so the data path allocates
 * nothing. The caller vouches for every address (it comes from DPDK); the only check left is
 * alignment.
 */
public final class RawMemory {
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private RawMemory() {
    }

    public static long getLong(long address) {
        return ALL.get(ValueLayout.JAVA_LONG, address);
    }

    public static void setLong(long address, long value) {
        ALL.set(ValueLayout.JAVA_LONG, address, value);
    }

    public static int getInt(long address) {
        return ALL.get(ValueLayout.JAVA_INT, address);
    }

    public static void setInt(long address, int value) {
        ALL.set(ValueLayout.JAVA_INT, address, value);
    }

    /** The unsigned 16-bit value at {@code address}. */
    public static int getU16(long address) {
        return ALL.get(ValueLayout.JAVA_SHORT, address) & 0xffff;
    }

    public static void setU16(long address, int value) {
        ALL.set(ValueLayout.JAVA_SHORT, address, (short) value);
    }

    /** A segment of {@code size} bytes at {@code address}, living as long as the memory does. */
    public static MemorySegment segment(long address, long size) {
        return ALL.asSlice(address, size);
    }
}
