package io.panamax.reactor.buffer;

import io.panamax.reactor.Shard;

import java.util.Arrays;

/**
 * A shard's recycled {@link Packet} wrappers, so that the fast path allocates no Java objects in
 * steady state. The pool grows when it runs dry (a wrapper is a small heap object, not packet
 * memory) and keeps what it grew; {@link #inUse()} is what the leak check looks at.
 */
public final class PacketPool {
    private final Shard owner;
    private final BufferPool buffers;
    private Packet[] free = new Packet[256];
    private int top;
    private long created;

    public PacketPool(Shard owner, BufferPool buffers) {
        this.owner = owner;
        this.buffers = buffers;
    }

    /** A pool for one plain thread (tests, tools). */
    public static PacketPool unowned(BufferPool buffers) {
        return new PacketPool(null, buffers);
    }

    public BufferPool buffers() {
        return buffers;
    }

    public Shard owner() {
        return owner;
    }

    /** An empty packet. */
    public Packet allocate() {
        assert onOwnerThread();
        Packet p;
        if (top > 0) {
            p = free[--top];
            free[top] = null;
        } else {
            p = new Packet(this);
            created++;
        }
        p.activate();
        return p;
    }

    /**
     * A packet of one fresh buffer with the pool's headroom reserved in front and no bytes yet: the
     * start of every packet the stack sends. Null (counted by the buffer pool) when no buffer is free.
     */
    public Packet allocateWithHeadroom() {
        Buffer b = buffers.allocate();
        if (b == null) {
            return null;
        }
        Packet p = allocate();
        p.append(b, buffers.headroom(), 0);
        return p;
    }

    private boolean onOwnerThread() {
        if (!PoolOwnership.mayUse(owner)) {
            throw new IllegalStateException("the packet pool of shard " + owner.id() + " was used from thread "
                    + Thread.currentThread().getName());
        }
        return true;
    }

    /** Packets handed out and not yet released. */
    public long inUse() {
        return created - top;
    }

    /** Wrappers this pool has made. */
    public long created() {
        return created;
    }

    void free(Packet p) {
        if (owner == null) {
            recycle(p); // a single-thread pool: no need to ask which shard this is
            return;
        }
        Shard cur = Shard.current();
        if (cur == owner) {
            recycle(p);
        } else if (cur != null && cur.reactor() == owner.reactor()) {
            cur.send(owner.id(), p);
        } else {
            owner.execute(p);
        }
    }

    void recycle(Packet p) {
        assert onOwnerThread();
        if (top == free.length) {
            free = Arrays.copyOf(free, top * 2);
        }
        free[top++] = p;
    }
}
