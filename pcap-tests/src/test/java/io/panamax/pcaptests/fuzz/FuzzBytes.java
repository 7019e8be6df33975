package io.panamax.pcaptests.fuzz;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The input format of the parser fuzz targets, and where their bytes go. An input is
 * <pre>
 *  byte 0      bits 0-2: offset of the bytes in their segment (0..7); bit 3: a flag (verify checksums, ...)
 *  byte 1      signed: how many bytes more (or fewer) than present the caller claims
 *  extra       a fixed number of bytes some targets take (addresses, a MAC)
 *  data        the rest: the header or message under test
 * </pre>
 * The bytes are copied into off-heap memory, at the offset, in a segment that ends exactly where
 * they end, so that a read past them is an {@link IndexOutOfBoundsException} (a finding) rather
 * than a read of a neighbour, and an unaligned offset is exercised as NIC buffers would.
 *
 * @param offset  where the data starts in {@link #segment}
 * @param flag    the flag bit
 * @param claimed the length the caller claims (data length plus the signed delta)
 * @param extra   the target's extra bytes
 * @param data    the bytes under test
 */
record FuzzBytes(int offset, boolean flag, int claimed, byte[] extra, byte[] data) {

    /** Reads {@code input} with {@code extraBytes} extra bytes; short inputs yield empty parts. */
    static FuzzBytes of(byte[] input, int extraBytes) {
        int b0 = input.length > 0 ? input[0] : 0;
        int delta = input.length > 1 ? input[1] : 0;
        int from = Math.min(input.length, 2);
        int extraEnd = Math.min(input.length, from + extraBytes);
        byte[] extra = Arrays.copyOf(Arrays.copyOfRange(input, from, extraEnd), extraBytes);
        byte[] data = Arrays.copyOfRange(input, extraEnd, input.length);
        return new FuzzBytes(b0 & 7, (b0 & 8) != 0, data.length + delta, extra, data);
    }

    /** The encoding of {@link #of}: what the seed generator writes. */
    static byte[] encode(int offset, boolean flag, int delta, byte[] extra, byte[] data) {
        byte[] out = new byte[2 + extra.length + data.length];
        out[0] = (byte) ((offset & 7) | (flag ? 8 : 0));
        out[1] = (byte) delta;
        System.arraycopy(extra, 0, out, 2, extra.length);
        System.arraycopy(data, 0, out, 2 + extra.length, data.length);
        return out;
    }

    /** The data in a segment of {@code arena}, at {@link #offset}, ending where the data ends. */
    MemorySegment place(Arena arena) {
        MemorySegment seg = arena.allocate(Math.max(1, offset + data.length), 1);
        MemorySegment.copy(data, 0, seg, ValueLayout.JAVA_BYTE, offset, data.length);
        return seg;
    }

    /** The data in an array, at {@link #offset}, ending where the data ends: the same for parsers over {@code byte[]}. */
    byte[] array() {
        byte[] array = new byte[offset + data.length];
        System.arraycopy(data, 0, array, offset, data.length);
        return array;
    }

    /** Extra bytes {@code i..i+3} as a big-endian int. */
    int extraInt(int i) {
        return (extra[i] & 0xff) << 24 | (extra[i + 1] & 0xff) << 16 | (extra[i + 2] & 0xff) << 8 | (extra[i + 3] & 0xff);
    }
}
