package io.panamax.reactor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;

/**
 * Received bytes, read-only: what a connection's {@code read()} and a UDP socket's receive hand to
 * the application. The bytes stay where the NIC put them (zero copy): the stack's packet type
 * implements this interface, so no wrapper object is made per read. Indexes are relative to the
 * first byte; multi-byte values are big-endian (network order).
 *
 * <p>A buffer belongs to whoever received it, on the shard it was received on: {@link #release()}
 * it when done, or pass it to a write (which takes it over, without a copy). {@link #slice} makes
 * a second view of the same memory, released separately. Using a buffer after its release fails.
 */
public interface ReadBuffer {

    /** Bytes in the buffer; 0 at the end of a stream. */
    int length();

    default boolean isEmpty() {
        return length() == 0;
    }

    /** The byte at {@code index}. */
    byte getByte(int index);

    /** The byte at {@code index}, 0 to 255. */
    default int getUnsignedByte(int index) {
        return getByte(index) & 0xff;
    }

    /** The big-endian 16-bit value at {@code index}. */
    short getShort(int index);

    /** The big-endian 16-bit value at {@code index}, 0 to 65535. */
    default int getUnsignedShort(int index) {
        return getShort(index) & 0xffff;
    }

    /** The big-endian 32-bit value at {@code index}. */
    int getInt(int index);

    /** The big-endian 64-bit value at {@code index}. */
    default long getLong(int index) {
        return (long) getInt(index) << 32 | (getInt(index + 4) & 0xffffffffL);
    }

    /** Copies {@code len} bytes from {@code index} into {@code dst} at {@code dstOffset}. */
    void copyTo(int index, byte[] dst, int dstOffset, int len);

    /** Copies {@code len} bytes from {@code index} into {@code dst} at {@code dstOffset}. */
    void copyTo(int index, MemorySegment dst, long dstOffset, int len);

    /**
     * Copies {@code len} bytes from {@code index} into {@code dst} at its position, which advances
     * by {@code len}; throws {@link java.nio.BufferOverflowException} if it has less room.
     */
    default void copyTo(int index, ByteBuffer dst, int len) {
        if (dst.remaining() < len) {
            throw new java.nio.BufferOverflowException();
        }
        if (dst.isReadOnly()) {
            throw new java.nio.ReadOnlyBufferException();
        }
        copyTo(index, MemorySegment.ofBuffer(dst), 0, len);
        dst.position(dst.position() + len);
    }

    /** A copy of all the bytes (allocates). */
    default byte[] toByteArray() {
        byte[] a = new byte[length()];
        copyTo(0, a, 0, a.length);
        return a;
    }

    /** The bytes from {@code index} decoded with {@code charset} (allocates). */
    default String toString(int index, int len, Charset charset) {
        byte[] a = new byte[len];
        copyTo(index, a, 0, len);
        return new String(a, charset);
    }

    /** All the bytes decoded with {@code charset} (allocates). */
    default String toString(Charset charset) {
        return toString(0, length(), charset);
    }

    /**
     * A view of {@code len} bytes from {@code index} that shares this buffer's memory (no copy),
     * to keep or pass on (to a write) while this one is released; release it too.
     */
    ReadBuffer slice(int index, int len);

    /**
     * Read-only {@link ByteBuffer}s over the bytes, one per contiguous piece, in order, for APIs
     * that take {@code ByteBuffer}s (no copy; a few small objects per call). They are valid until
     * this buffer is released.
     */
    ByteBuffer[] asByteBuffers();

    /** The index of the first {@code value} at or after {@code from}, or -1. */
    default int indexOf(byte value, int from) {
        int n = length();
        for (int i = Math.max(from, 0); i < n; i++) {
            if (getByte(i) == value) {
                return i;
            }
        }
        return -1;
    }

    /** The index of the first {@code value}, or -1. */
    default int indexOf(byte value) {
        return indexOf(value, 0);
    }

    /**
     * Offers the bytes from {@code index} to {@code processor} in order, up to {@code len} of
     * them, until it returns false; returns the index of the byte it stopped at, or -1 if it took
     * them all. The way to scan for a delimiter or parse in place, piece by piece.
     */
    default int forEachByte(int index, int len, ByteProcessor processor) {
        int end = index + len;
        for (int i = index; i < end; i++) {
            if (!processor.process(getByte(i))) {
                return i;
            }
        }
        return -1;
    }

    /** {@link #forEachByte(int, int, ByteProcessor)} over all the bytes. */
    default int forEachByte(ByteProcessor processor) {
        return forEachByte(0, length(), processor);
    }

    /** Gives the memory back to the stack; the buffer must not be used after. */
    void release();

    /** Looks at one byte of a {@link #forEachByte} scan. */
    @FunctionalInterface
    interface ByteProcessor {
        /** True to go on, false to stop at this byte. */
        boolean process(byte value);
    }
}
