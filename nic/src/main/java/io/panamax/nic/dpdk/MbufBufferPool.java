package io.panamax.nic.dpdk;

import io.panamax.dpdk.Mbuf;
import io.panamax.dpdk.RawMemory;
import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.BufferPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A shard's {@link BufferPool} whose buffers are the mbufs of one DPDK mempool: received frames
 * reach the stack without a copy, and a frame built in one of these buffers leaves without one.
 * {@link Buffer#nativeHandle()} is the {@code rte_mbuf*}; {@link Buffer#memory()} its data buffer
 * ({@code buf_addr}, {@code buf_len} bytes, {@code RTE_PKTMBUF_HEADROOM} included).
 *
 * <p>The mempool is the free list: a wrapper is handed out again only when its mbuf comes out of
 * the mempool again, which is after both the stack and any driver holding it have let go. So a
 * buffer given to the device for transmission may be released by the stack at once, and its
 * wrapper still cannot be reused under the driver's feet.
 *
 * <p>Mbufs move between the mempool and a small cache here, in bulk, through the mempool's own
 * ops (see {@link io.panamax.dpdk.MempoolOps}); an mbuf the stack frees goes back into the cache
 * when it is the only reference ({@code refcnt} 1), else through {@code rte_pktmbuf_free_bulk},
 * which drops one reference. Confined to the owner shard's thread, like the mempool itself.
 */
public final class MbufBufferPool extends BufferPool {
    /** Mbufs moved per exchange with the mempool. */
    static final int BULK = 32;
    /** Most mbufs the cache holds before half go back to the mempool. */
    static final int CACHE_CAPACITY = 2 * BULK;

    private final MbufPool mempool;
    private final Buffer[] buffers;
    /** Slots whose mbuf went to a driver with the stack's only reference: recycle must not free it. */
    private final boolean[] lentToDevice;
    private final long[] cache = new long[CACHE_CAPACITY];
    private int cached;
    private final MemorySegment table;
    private final long tableAddress;
    /** The owner thread's lcore cache of the mempool ({@link LcoreCache}), or 0. */
    private long lcoreCache;

    MbufBufferPool(Shard owner, MbufPool mempool) {
        super(owner);
        this.mempool = mempool;
        int n = mempool.size();
        this.buffers = new Buffer[n];
        this.lentToDevice = new boolean[n];
        for (int i = 0; i < n; i++) {
            buffers[i] = newBuffer(i, mempool.data(i), mempool.mbuf(i));
        }
        this.table = Arena.ofAuto().allocate(ValueLayout.JAVA_LONG, CACHE_CAPACITY);
        this.tableAddress = table.address();
    }

    @Override
    public Buffer allocate() {
        long m = takeMbuf();
        if (m == 0) {
            countExhausted();
            return null;
        }
        Buffer b = buffers[mempool.slotOf(m)];
        setInUse(b);
        return b;
    }

    /**
     * A received mbuf of this pool as a buffer holding the driver's reference; null when the mbuf
     * is not from this pool. An mbuf the stack still holds (one it sent with a shared reference and
     * a loopback device handed back) gains a reference instead.
     */
    Buffer adopt(long m) {
        int slot = mempool.slotOf(m);
        if (slot < 0) {
            return null;
        }
        Buffer b = buffers[slot];
        if (b.refCnt() == 0) {
            setInUse(b);
        } else {
            // The driver's reference on the mbuf becomes one more reference on the wrapper.
            b.retain();
            Mbuf.setRefcnt(m, Mbuf.refcnt(m) - 1);
        }
        return b;
    }

    /** The wrapper of slot {@code slot} (in use or not). */
    Buffer buffer(int slot) {
        return buffers[slot];
    }

    /** The slot of mbuf {@code m}, or -1 when it is not from this pool. */
    int slotOf(long m) {
        return mempool.slotOf(m);
    }

    /** Marks the mbuf of {@code b} as owned by a driver, which frees it into the mempool itself. */
    void lendToDevice(Buffer b) {
        lentToDevice[b.slot()] = true;
    }

    /** Undoes {@link #lendToDevice} for a frame the driver did not take. */
    void unlend(Buffer b) {
        lentToDevice[b.slot()] = false;
    }

    /** A free mbuf for the device to own (no wrapper in use), or 0 when the pool is empty. */
    long takeMbuf() {
        if (cached == 0 && !refill()) {
            return 0;
        }
        return cache[--cached];
    }

    /** Gives back an mbuf from {@link #takeMbuf} that the driver did not take (unlinked: next NULL, nb_segs 1). */
    void returnMbuf(long m) {
        freeMbuf(m);
    }

    @Override
    protected void recycle(Buffer b) {
        int slot = b.slot();
        if (lentToDevice[slot]) {
            lentToDevice[slot] = false;
            return;
        }
        freeMbuf(b.nativeHandle());
    }

    private void freeMbuf(long m) {
        if (Mbuf.refcnt(m) == 1) {
            // Sole reference: straight into the cache. It has what a free mbuf must have (nb_segs 1,
            // next NULL): receive undoes chains, and the stack never links mbufs.
            if (cached == CACHE_CAPACITY) {
                spill(BULK);
            }
            cache[cached++] = m;
        } else {
            // A driver still holds it: drop our reference, it frees the mbuf when done.
            RawMemory.setLong(tableAddress, m);
            dpdk_h.rte_pktmbuf_free_bulk(table, 1);
        }
    }

    /** The owner thread's lcore cache of the mempool, which it may empty into the ring; 0 for none. */
    void useLcoreCache(long cache) {
        this.lcoreCache = cache;
    }

    private boolean refill() {
        if (take()) {
            return true;
        }
        if (lcoreCache == 0 || LcoreCache.length(lcoreCache) == 0) {
            return false;
        }
        // The ring ran dry while the driver's frees sit in this thread's lcore cache (up to 1.5 x
        // its size): they are free, and ours to take. Rare: the pool is sized for the cache.
        LcoreCache.flush(lcoreCache, mempool.ops());
        return take();
    }

    private boolean take() {
        int want = BULK;
        if (!mempool.ops().dequeue(tableAddress, want)) {
            // Fewer than a bulk left: take what there is.
            want = Math.min(mempool.ops().count(), BULK);
            if (want == 0 || !mempool.ops().dequeue(tableAddress, want)) {
                return false;
            }
        }
        for (int i = 0; i < want; i++) {
            cache[cached++] = RawMemory.getLong(tableAddress + (long) i * Long.BYTES);
        }
        return true;
    }

    private void spill(int n) {
        cached -= n;
        for (int i = 0; i < n; i++) {
            RawMemory.setLong(tableAddress + (long) i * Long.BYTES, cache[cached + i]);
        }
        mempool.ops().enqueue(tableAddress, n);
    }

    /** Puts every cached mbuf back into the mempool (before it is freed, or to let others take them). */
    void drainCache() {
        while (cached > 0) {
            spill(Math.min(cached, BULK));
        }
    }

    /** Mbufs in this pool's own cache. */
    int cached() {
        return cached;
    }

    /** The {@code struct rte_mempool *} under this pool (for diagnostics and measurements). */
    public long mempoolAddress() {
        return mempool.address();
    }

    /** The mempool under this pool. */
    MbufPool mempool() {
        return mempool;
    }

    /** Mbufs the stack can have: the pool's, less those the driver keeps in its receive ring. */
    @Override
    public int capacity() {
        return mempool.size() - mempool.heldByDevice();
    }

    /** Every mbuf of the mempool has a slot, those in the driver's receive ring included. */
    @Override
    public int slots() {
        return buffers.length;
    }

    /**
     * Mbufs free now: in the mempool or cached here. Mbufs the driver has in flight (sent, not yet
     * completed) are not; a driver that refills its ring lazily may briefly hold fewer than at rest,
     * so the figure is capped at {@link #capacity()}.
     */
    @Override
    public int available() {
        return Math.min(capacity(), mempool.inMempool() + cached);
    }

    @Override
    public int bufferSize() {
        return mempool.bufLen();
    }

    @Override
    public int headroom() {
        return Mbuf.HEADROOM;
    }

    @Override
    public String toString() {
        return "MbufBufferPool[" + mempool.name() + ", " + available() + "/" + capacity() + " free]";
    }
}
