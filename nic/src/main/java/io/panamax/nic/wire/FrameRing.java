package io.panamax.nic.wire;

import io.panamax.reactor.util.SpscIndex;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The frames in flight from one sending queue to one receiving queue: a single-producer,
 * single-consumer ring of fixed-size slots in off-heap memory. The sender copies a frame into a
 * slot and publishes it; the receiver copies the frame into its own buffer and frees the slot
 * ({@link SpscIndex} orders the two sides). No locks, no read-modify-write, nothing allocated after the first frame.
 *
 * <p>A slot holds a 32-byte header (due time, length, RSS hash, flags) and the frame. The memory
 * is allocated by the sender on first use, since with RSS steering most of a wire's
 * {@code queues²} rings may never carry a frame.
 */
final class FrameRing {
    /** Set in a slot's flags when the hash field holds the frame's RSS hash. */
    static final int HASH_VALID = 1;
    /** Set when the wire vouches for the frame's IPv4 header checksum (the sender left it to the NIC). */
    static final int IP_CHECKSUM_VOUCHED = 1 << 1;
    /** Set when the wire vouches for the frame's TCP or UDP checksum (the sender left it to the NIC). */
    static final int L4_CHECKSUM_VOUCHED = 1 << 2;
    static final int HEADER = 32;
    private static final int DUE = 0;
    private static final int LENGTH = 8;
    private static final int HASH = 12;
    private static final int FLAGS = 16;

    private final SpscIndex index = new SpscIndex();
    private final int capacity;
    private final long mask;
    private final long stride;
    /** Written once by the producer before its first release of the tail; read by the consumer after an acquire. */
    private MemorySegment slab;

    FrameRing(int capacity, int maxFrame) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("ring capacity must be a power of two: " + capacity);
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.stride = (HEADER + maxFrame + 63L) & ~63L;
    }

    int capacity() {
        return capacity;
    }

    // ---- producer side -----------------------------------------------------------------------

    /**
     * The offset in {@link #memory()} where the next frame's bytes go, or -1 when the ring is full.
     * Nothing is visible to the consumer until {@link #publish}.
     */
    long claim() {
        long t = index.tail();
        if (!index.hasRoomUpTo(t + 1, capacity)) {
            return -1;
        }
        if (slab == null) {
            slab = Arena.ofAuto().allocate(stride * capacity, 64);
        }
        return (t & mask) * stride + HEADER;
    }

    /** Makes the claimed slot's frame visible to the consumer. */
    void publish(int length, long dueNanos, int hash, int flags) {
        long t = index.tail();
        long slot = (t & mask) * stride;
        slab.set(ValueLayout.JAVA_LONG, slot + DUE, dueNanos);
        slab.set(ValueLayout.JAVA_INT, slot + LENGTH, length);
        slab.set(ValueLayout.JAVA_INT, slot + HASH, hash);
        slab.set(ValueLayout.JAVA_INT, slot + FLAGS, flags);
        index.publish(t + 1);
    }

    // ---- consumer side -----------------------------------------------------------------------

    /** Whether a frame waits at the head. */
    boolean hasFrame() {
        return index.isPublished(index.head());
    }

    /** The slot of the frame at the head (after {@link #hasFrame()} said there is one). */
    private long headSlot() {
        return (index.head() & mask) * stride;
    }

    long headDue() {
        return slab.get(ValueLayout.JAVA_LONG, headSlot() + DUE);
    }

    int headLength() {
        return slab.get(ValueLayout.JAVA_INT, headSlot() + LENGTH);
    }

    int headHash() {
        return slab.get(ValueLayout.JAVA_INT, headSlot() + HASH);
    }

    int headFlags() {
        return slab.get(ValueLayout.JAVA_INT, headSlot() + FLAGS);
    }

    /** Where the head frame's bytes are in {@link #memory()}. */
    long headData() {
        return headSlot() + HEADER;
    }

    /** Frees the head slot for the producer. */
    void advance() {
        index.release(index.head() + 1);
    }

    // ---- either side -------------------------------------------------------------------------

    /** The slots' memory; null before the first frame. */
    MemorySegment memory() {
        return slab;
    }

    /** Frames in the ring now, as seen from any thread (a snapshot for statistics). */
    int size() {
        return (int) index.size();
    }
}
