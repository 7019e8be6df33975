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
    /** Every wrapper this pool made, by {@link Packet#index}. */
    private Packet[] all = new Packet[256];
    /**
     * The free wrappers' indexes, a stack. Indexes rather than references: storing a reference
     * into an old array costs G1's post-write barrier (a StoreLoad fence when the card is not
     * young), once per recycled packet on the NIC paths; an int store costs nothing more.
     */
    private int[] free = new int[256];
    private int top;
    private int created;

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
            p = all[free[--top]];
        } else {
            p = create();
        }
        p.activate();
        return p;
    }

    /**
     * A packet of one fragment: {@code len} bytes at {@code offset} of {@code buffer}, whose
     * reference the packet takes over from the caller. What {@link #allocate()} and
     * {@link Packet#append(Buffer, int, int)} do, in one step: a NIC queue's receive path, per frame.
     */
    public Packet allocate(Buffer buffer, int offset, int len) {
        if (offset < 0 || len < 0 || offset + len > buffer.capacity()) {
            throw new IndexOutOfBoundsException("fragment " + offset + "+" + len + " outside buffer of " + buffer.capacity());
        }
        Packet p = allocate();
        p.initSingle(buffer, offset, len);
        return p;
    }

    private Packet create() {
        if (created == all.length) {
            all = Arrays.copyOf(all, created * 2);
            free = Arrays.copyOf(free, created * 2);
        }
        Packet p = new Packet(this, created);
        all[created++] = p;
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
        free[top++] = p.index; // room: free holds as many indexes as all holds wrappers
    }
}
