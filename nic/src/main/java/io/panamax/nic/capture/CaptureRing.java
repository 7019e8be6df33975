package io.panamax.nic.capture;

import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.util.SpscIndex;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The capture records of one queue on their way from the shard to the writer thread: a
 * single-producer/single-consumer ring of variable-length records in off-heap memory. The shard
 * copies up to the snap length of each frame into it and publishes it; the writer reads
 * ({@link SpscIndex} orders the two sides). No locks, nothing allocated per frame.
 *
 * <p>A burst is staged first and published afterwards ({@link #begin}, {@link #stage},
 * {@link #commit}): on transmit the frames must be copied before the device takes them (it may
 * free them at once), but only those it took are recorded. Staging stops at the first record that
 * does not fit, so the staged records are always the first frames of the burst.
 *
 * <p>A record is a 32-byte header (length, kind, timestamp, lengths, queue, direction) and the
 * bytes, padded to 8. A record that would run past the end of the memory is preceded by a padding
 * record to the end, and starts at offset 0.
 */
final class CaptureRing {
    static final int HEADER = 32;
    static final int KIND_FRAME = 1;
    static final int KIND_PADDING = 2;
    private static final int LENGTH = 0;
    private static final int KIND = 4;
    private static final int TIMESTAMP = 8;
    private static final int ORIGINAL = 16;
    private static final int CAPTURED = 20;
    private static final int QUEUE = 24;
    private static final int DIRECTION = 28;

    private final SpscIndex index = new SpscIndex();
    private final MemorySegment memory;
    private final long capacity;
    private final long mask;
    private final int snaplen;

    // Producer-only staging state.
    private long staged;
    private long[] ends = new long[128];
    private int stagedCount;
    private boolean full;

    CaptureRing(int capacityBytes, int snaplen) {
        this.memory = Arena.ofAuto().allocate(capacityBytes, 64);
        this.capacity = capacityBytes;
        this.mask = capacityBytes - 1;
        this.snaplen = snaplen;
    }

    /** Bytes a record of {@code captured} bytes takes in the ring. */
    static int recordBytes(int captured) {
        return (HEADER + captured + 7) & ~7;
    }

    // ---- producer (the queue's shard) ------------------------------------------------------------

    /** Starts staging a burst. */
    void begin() {
        staged = index.tail();
        stagedCount = 0;
        full = false;
    }

    /** Copies up to the snap length of {@code frame} into the ring, unpublished; false when it does not fit. */
    boolean stage(Packet frame, long timestampNanos, int queue, int direction) {
        if (full) {
            return false;
        }
        int length = frame.length();
        int captured = Math.min(length, snaplen);
        int bytes = recordBytes(captured);
        long at = staged & mask;
        long padding = capacity - at < bytes ? capacity - at : 0;
        long end = staged + padding + bytes;
        if (!index.hasRoomUpTo(end, capacity)) {
            full = true;
            return false;
        }
        if (padding > 0) {
            memory.set(ValueLayout.JAVA_INT, at + LENGTH, (int) padding);
            memory.set(ValueLayout.JAVA_INT, at + KIND, KIND_PADDING);
            at = 0;
        }
        memory.set(ValueLayout.JAVA_INT, at + LENGTH, bytes);
        memory.set(ValueLayout.JAVA_INT, at + KIND, KIND_FRAME);
        memory.set(ValueLayout.JAVA_LONG, at + TIMESTAMP, timestampNanos);
        memory.set(ValueLayout.JAVA_INT, at + ORIGINAL, length);
        memory.set(ValueLayout.JAVA_INT, at + CAPTURED, captured);
        memory.set(ValueLayout.JAVA_INT, at + QUEUE, queue);
        memory.set(ValueLayout.JAVA_INT, at + DIRECTION, direction);
        frame.copyTo(0, memory, at + HEADER, captured);
        staged = end;
        if (stagedCount == ends.length) {
            ends = java.util.Arrays.copyOf(ends, stagedCount * 2);
        }
        ends[stagedCount++] = end;
        return true;
    }

    /**
     * Publishes the records of the first {@code frames} frames of the burst and returns how many
     * of those frames had no record (the ring was full).
     */
    int commit(int frames) {
        int published = Math.min(frames, stagedCount);
        if (published > 0) {
            index.publish(ends[published - 1]);
        }
        return frames - published;
    }

    // ---- consumer (the writer thread) ------------------------------------------------------------

    /** Where the consumer is. */
    long head() {
        return index.head();
    }

    /** How far records are published (an acquire load: their bytes are visible after it). */
    long published() {
        return index.published();
    }

    /** Gives the bytes up to {@code position} back to the producer. */
    void release(long position) {
        index.release(position);
    }

    MemorySegment memory() {
        return memory;
    }

    /** Offset in {@link #memory()} of the record at {@code position}. */
    long offset(long position) {
        return position & mask;
    }

    static int length(MemorySegment m, long at) {
        return m.get(ValueLayout.JAVA_INT, at + LENGTH);
    }

    static boolean isFrame(MemorySegment m, long at) {
        return m.get(ValueLayout.JAVA_INT, at + KIND) == KIND_FRAME;
    }

    static long timestamp(MemorySegment m, long at) {
        return m.get(ValueLayout.JAVA_LONG, at + TIMESTAMP);
    }

    static int originalLength(MemorySegment m, long at) {
        return m.get(ValueLayout.JAVA_INT, at + ORIGINAL);
    }

    static int capturedLength(MemorySegment m, long at) {
        return m.get(ValueLayout.JAVA_INT, at + CAPTURED);
    }

    static int queue(MemorySegment m, long at) {
        return m.get(ValueLayout.JAVA_INT, at + QUEUE);
    }

    static int direction(MemorySegment m, long at) {
        return m.get(ValueLayout.JAVA_INT, at + DIRECTION);
    }
}
