package io.panamax.reactor.buffer;

import io.panamax.reactor.Shard;

import java.lang.foreign.MemorySegment;

/**
 * A shard's supply of packet {@link Buffer}s. {@link #allocate()} never throws for lack of memory:
 * it returns null and counts the refusal ({@link #exhaustedCount()}), so callers drop and count
 * instead of crashing. A pool bound to a shard is used only on that shard's thread.
 */
public abstract class BufferPool {
    private final Shard owner;
    private long exhausted;

    /** @param owner the shard the pool belongs to, or null for a pool used by one plain thread */
    protected BufferPool(Shard owner) {
        this.owner = owner;
    }

    public final Shard owner() {
        return owner;
    }

    /** A buffer with one reference, or null (counted) when the pool is empty. */
    public abstract Buffer allocate();

    /** Buffers the pool holds when all are free. */
    public abstract int capacity();

    /**
     * One more than the highest {@link Buffer#slot()} a buffer of this pool can have: the size of
     * an array indexed by slot. At least {@link #capacity()}; more where the pool lends some of its
     * buffers to a device for good (a DPDK receive ring) and those keep their slots.
     */
    public int slots() {
        return capacity();
    }

    /** Buffers free now. */
    public abstract int available();

    /** Bytes in each buffer. */
    public abstract int bufferSize();

    /** Bytes new packets leave in front of their data for headers. */
    public abstract int headroom();

    /** Allocations refused because the pool was empty. */
    public final long exhaustedCount() {
        return exhausted;
    }

    /** True when every buffer is back: the leak check tests run at the end. */
    public final boolean isFull() {
        return available() == capacity();
    }

    protected final void countExhausted() {
        exhausted++;
    }

    /**
     * For assertions in {@link #allocate()} and {@link #recycle}: true on the owner's thread (or for
     * an unowned pool); throws otherwise, since a pool is not thread-safe. A manual-mode reactor's
     * pools may also be used by the thread that drives it from outside {@code runOn} (test set-up):
     * nothing else runs then.
     */
    protected final boolean onOwnerThread() {
        if (!PoolOwnership.mayUse(owner)) {
            throw new IllegalStateException("the buffer pool of shard " + owner.id() + " was used from thread "
                    + Thread.currentThread().getName());
        }
        return true;
    }

    /** Makes the wrapper for one of the pool's buffers (pools create all of them up front). */
    protected final Buffer newBuffer(int slot, MemorySegment memory, long nativeHandle) {
        return new Buffer(this, slot, memory, nativeHandle);
    }

    /** Hands out {@code b} with a single reference. */
    protected static void setInUse(Buffer b) {
        b.refCnt = 1;
    }

    /** Takes back a buffer whose last reference was released; runs on the owner shard. */
    protected abstract void recycle(Buffer b);

    /** Called when the last reference goes: recycles here, or sends the buffer home. */
    final void free(Buffer b) {
        if (owner == null) {
            recycle(b); // a single-thread pool: no need to ask which shard this is
            return;
        }
        Shard cur = Shard.current();
        if (cur == owner) {
            recycle(b);
        } else if (cur != null && cur.reactor() == owner.reactor()) {
            cur.send(owner.id(), b);
        } else {
            owner.execute(b);
        }
    }
}
