package io.panamax.reactor.util;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The two positions of a single-producer, single-consumer ring, and the memory ordering between
 * them, written once for every such ring (the in-memory wire's frame rings, the capture rings):
 * the producer publishes with a release store of the tail, the consumer sees the frames' bytes
 * after an acquire load of it, and frees space with a release store of the head. No lock and no
 * read-modify-write: each position has one writer.
 *
 * <p>Positions only grow (a {@code long} does not wrap in practice); the ring maps them to slots or
 * offsets itself. Each side keeps a plain copy of the other's position and reloads it (acquire)
 * only when that copy says "full" or "empty", so a busy ring touches the other side's cache line
 * rarely. The four values sit 128 bytes apart in one array: the producer's and the consumer's
 * lines are never shared (false sharing would cost more than the ring itself).
 */
public final class SpscIndex {
    private static final int TAIL = 16;
    private static final int HEAD_CACHE = 17;
    private static final int HEAD = 32;
    private static final int TAIL_CACHE = 33;
    private static final VarHandle INDEX = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] index = new long[48];

    // ---- producer side -----------------------------------------------------------------------

    /** The producer's position: where its next item goes (producer thread only). */
    public long tail() {
        return index[TAIL];
    }

    /**
     * Whether the producer may fill up to {@code end} without overrunning the consumer, in a ring
     * of {@code capacity} units (slots or bytes). Producer thread only.
     */
    public boolean hasRoomUpTo(long end, long capacity) {
        if (end - index[HEAD_CACHE] <= capacity) {
            return true;
        }
        index[HEAD_CACHE] = (long) INDEX.getAcquire(index, HEAD);
        return end - index[HEAD_CACHE] <= capacity;
    }

    /** Makes everything written before {@code tail} visible to the consumer (release store). */
    public void publish(long tail) {
        INDEX.setRelease(index, TAIL, tail);
    }

    // ---- consumer side -----------------------------------------------------------------------

    /** The consumer's position: the next item to read (consumer thread only). */
    public long head() {
        return index[HEAD];
    }

    /** Whether the producer has published the item at {@code position}. Consumer thread only. */
    public boolean isPublished(long position) {
        if (position < index[TAIL_CACHE]) {
            return true;
        }
        index[TAIL_CACHE] = published();
        return position < index[TAIL_CACHE];
    }

    /** How far the producer has published (an acquire load: the items' bytes are visible after it). */
    public long published() {
        return (long) INDEX.getAcquire(index, TAIL);
    }

    /** Gives everything before {@code head} back to the producer (release store). */
    public void release(long head) {
        INDEX.setRelease(index, HEAD, head);
    }

    // ---- either side -------------------------------------------------------------------------

    /** Units between head and tail now, from any thread (a snapshot for statistics). */
    public long size() {
        long h = (long) INDEX.getAcquire(index, HEAD);
        return (long) INDEX.getAcquire(index, TAIL) - h;
    }
}
