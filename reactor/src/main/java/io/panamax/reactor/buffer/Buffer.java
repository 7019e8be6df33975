package io.panamax.reactor.buffer;

import io.panamax.reactor.Shard;
import io.panamax.reactor.ShardMessage;

import java.lang.foreign.MemorySegment;

/**
 * A block of packet memory from a shard's {@link BufferPool}: off-heap, reference counted, owned by
 * the pool's shard. {@link Packet}s hold references to buffers; when the last one is released the
 * buffer goes back to its pool, on its owner shard: a buffer released elsewhere travels home as a
 * message, so pools are never touched by two threads.
 *
 * <p>The reference count is a plain int: it is touched by one shard at a time, the one that holds
 * the packets that refer to the buffer (a packet forwarded to another shard takes its references
 * along).
 */
public final class Buffer implements ShardMessage {
    private final BufferPool pool;
    private final MemorySegment memory;
    private final int slot;
    private final long nativeHandle;
    /**
     * {@code memory.byteSize()}, kept here: every packet fragment's bounds check reads it, and the
     * segment is one more object (cache line) per received frame.
     */
    private final int capacity;
    int refCnt;

    Buffer(BufferPool pool, int slot, MemorySegment memory, long nativeHandle) {
        this.pool = pool;
        this.slot = slot;
        this.memory = memory;
        this.nativeHandle = nativeHandle;
        this.capacity = (int) memory.byteSize();
    }

    /** The whole buffer, headroom included; packets say which part holds their bytes. */
    public MemorySegment memory() {
        return memory;
    }

    public int capacity() {
        return capacity;
    }

    /** The buffer's index in its pool. */
    public int slot() {
        return slot;
    }

    /** The native object behind the buffer (a DPDK {@code rte_mbuf*}), or 0. */
    public long nativeHandle() {
        return nativeHandle;
    }

    public BufferPool pool() {
        return pool;
    }

    public int refCnt() {
        return refCnt;
    }

    /** Adds a reference. */
    public Buffer retain() {
        if (refCnt <= 0) {
            throw new IllegalStateException("retain of a free buffer (slot " + slot + ")");
        }
        refCnt++;
        return this;
    }

    /** Drops a reference; the last one returns the buffer to its pool. */
    public void release() {
        if (refCnt <= 0) {
            throw new IllegalStateException("buffer released more often than retained (slot " + slot + ")");
        }
        if (--refCnt == 0) {
            pool.free(this);
        }
    }

    /** Arrival on the owner shard after a release elsewhere. */
    @Override
    public void deliver(Shard shard) {
        pool.recycle(this);
    }

    @Override
    public String toString() {
        return "Buffer[slot=" + slot + ", refCnt=" + refCnt + ", capacity=" + capacity() + "]";
    }
}
