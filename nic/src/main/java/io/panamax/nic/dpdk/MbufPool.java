package io.panamax.nic.dpdk;

import io.panamax.dpdk.Mbuf;
import io.panamax.dpdk.MempoolOps;
import io.panamax.dpdk.RawMemory;
import io.panamax.dpdk.RteErrno;
import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.reactor.Shard;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One DPDK packet-mbuf mempool, made for one queue (one shard), with each mbuf numbered: its slot
 * index is written into the mbuf's private area when the pool is made, so that the pre-made
 * {@link io.panamax.reactor.buffer.Buffer} wrapper of an mbuf the driver hands up is found with one
 * load ({@link #slotOf}).
 *
 * <p>The default ops are {@code ring_sp_sc}: a single-producer, single-consumer ring, no atomics,
 * correct because only the owning shard's thread allocates and frees (its driver queue included).
 * With a {@code cache_size} ({@link DpdkNicConfig#mempoolCache()}) the shard's thread, registered
 * as an lcore ({@link LcoreCache}), has its own cache in front of the ring, which the driver's
 * allocations and frees use; the {@link MbufBufferPool} keeps a cache of its own over the ring.
 * Mbufs in an lcore cache are free: {@link #inMempool} counts them.
 */
final class MbufPool implements AutoCloseable {
    /** Bytes of private area per mbuf: the slot index (int) and padding to RTE_MBUF_PRIV_ALIGN. */
    static final int PRIV_SIZE = 8;
    /** Every open pool, to find the pool of an mbuf that arrives on another port (copy-on-write). */
    private static volatile MbufPool[] open = new MbufPool[0];

    private final String name;
    private final long mempool;
    private final MempoolOps ops;
    private final long[] mbufs;
    private final int bufLen;
    /** {@code cache_size}: mbufs per lcore cache, 0 for none. */
    private final int cacheSize;
    /** Scope of the Java views of the mbufs' data: closed with the pool, so stale use fails. */
    private final Arena arena = Arena.ofShared();
    /** Mbufs the started driver keeps in its rings at rest (its receive ring): not the stack's. */
    private volatile int heldByDevice;
    private volatile MbufBufferPool bound;
    private boolean closed;

    /** The lowest mbuf address, when the mbufs lie at one stride from it in slot order; else 0. */
    private final long base;
    /** Bytes from one mbuf to the next when {@link #base} is set. */
    private final int stride;
    /**
     * {@code floor(2^64 / stride) + 1}: {@code unsignedMultiplyHigh(d, reciprocal)} is {@code d / stride}
     * for every 32-bit {@code d} (Lemire, Kaser and Kurz, "Faster remainder by direct computation",
     * 2019), a multiplication instead of a division per received frame.
     */
    private final long reciprocal;

    private MbufPool(String name, long mempool, MempoolOps ops, long[] mbufs, int bufLen, int cacheSize) {
        this.name = name;
        this.cacheSize = cacheSize;
        this.mempool = mempool;
        this.ops = ops;
        this.mbufs = mbufs;
        this.bufLen = bufLen;
        int s = mbufs.length > 1 ? (int) Math.min(Integer.MAX_VALUE, mbufs[1] - mbufs[0]) : 0;
        boolean uniform = s > 0 && (long) s * mbufs.length < Integer.MAX_VALUE;
        for (int i = 1; i < mbufs.length && uniform; i++) {
            uniform = mbufs[i] - mbufs[i - 1] == s;
        }
        this.base = uniform ? mbufs[0] : 0;
        this.stride = uniform ? s : 0;
        this.reciprocal = uniform ? Long.divideUnsigned(-1L, s) + 1 : 0;
    }

    /**
     * Creates a pool of {@code count} mbufs of {@code dataRoomSize} bytes (headroom included),
     * with mempool ops {@code opsName}, on NUMA socket {@code socket}.
     */
    static MbufPool create(String name, int count, int dataRoomSize, int socket, String opsName) {
        return create(name, count, dataRoomSize, socket, opsName, false, 0);
    }

    /**
     * As {@link #create(String, int, int, int, String)}; with {@code packed}, the mbufs lie back to
     * back in one span of memory ({@code RTE_MEMPOOL_F_NO_IOVA_CONTIG}), none moved to a page
     * boundary. DPDK 22.11's AF_XDP driver registers the pool as the socket's UMEM from its first
     * object over {@code count × object size} bytes; without hugepages the default layout keeps
     * each object within a 4 KB page, one ~2.5 KB mbuf per page, so the UMEM covered only the
     * first 60 % of the pool and the kernel refused every frame sent from an mbuf beyond
     * ({@code tx_invalid_descs}): the stall of bulk transfers after some 2.5 MB. AF_XDP has no
     * DMA (the kernel copies), so IOVA contiguity per object is not needed there.
     * {@code cacheSize} is the per-lcore cache ({@code cache_size}; ignored when packed).
     */
    static MbufPool create(String name, int count, int dataRoomSize, int socket, String opsName, boolean packed,
                           int cacheSize) {
        int cache = packed ? 0 : cacheSize;
        if (count < 1) {
            throw new IllegalArgumentException("an mbuf pool needs at least one mbuf, not " + count);
        }
        if (dataRoomSize <= Mbuf.HEADROOM || dataRoomSize > 0xffff) {
            throw new IllegalArgumentException("mbuf data room " + dataRoomSize + " must exceed the headroom "
                    + Mbuf.HEADROOM + " and fit in 16 bits");
        }
        long mp;
        try (Arena a = Arena.ofConfined()) {
            mp = packed ? PackedPool.create(a, name, count, dataRoomSize, socket, opsName)
                    : dpdk_h.rte_pktmbuf_pool_create_by_ops(a.allocateFrom(name), count, cache, (short) PRIV_SIZE,
                    (short) dataRoomSize, socket, a.allocateFrom(opsName)).address();
        }
        if (mp == 0) {
            throw new DpdkException("rte_pktmbuf_pool_create_by_ops(" + name + ", " + count + " x " + dataRoomSize
                    + ", ops " + opsName + ") failed: " + RteErrno.describeCurrent()
                    + " (is -m large enough? every queue has its own pool)");
        }
        MempoolOps ops = MempoolOps.of(mp);
        long[] mbufs = new long[count];
        // Take every mbuf out once to number it, then put them all back.
        try (Arena a = Arena.ofConfined()) {
            MemorySegment table = a.allocate(ValueLayout.JAVA_LONG, count);
            if (!ops.dequeue(table.address(), count)) {
                dpdk_h.rte_mempool_free(MemorySegment.ofAddress(mp));
                throw new DpdkException("new mempool " + name + " does not hold the " + count + " mbufs it was made with");
            }
            for (int i = 0; i < count; i++) {
                long m = table.getAtIndex(ValueLayout.JAVA_LONG, i);
                if (Mbuf.bufAddr(m) != Mbuf.privateArea(m) + PRIV_SIZE || Mbuf.privSize(m) != PRIV_SIZE) {
                    ops.enqueue(table.address(), count);
                    dpdk_h.rte_mempool_free(MemorySegment.ofAddress(mp));
                    throw new DpdkException("mbuf layout of pool " + name + " is not the one expected (buf_addr "
                            + Long.toHexString(Mbuf.bufAddr(m)) + " for mbuf " + Long.toHexString(m) + ")");
                }
                mbufs[i] = m;
            }
            // Slots in address order: a pool laid out at one stride (packed, or one mbuf per page
            // of a contiguous area; not always so, it depends on how the EAL's memory was carved)
            // then finds an mbuf's slot by arithmetic (slotOf).
            Arrays.sort(mbufs);
            for (int i = 0; i < count; i++) {
                RawMemory.setInt(Mbuf.privateArea(mbufs[i]), i);
            }
            ops.enqueue(table.address(), count);
        }
        MbufPool pool = new MbufPool(name, mp, ops, mbufs, Mbuf.bufLen(mbufs[0]), cache);
        register(pool);
        return pool;
    }

    /** The slot of mbuf {@code m} in this pool, or -1 when it is not one of this pool's mbufs. */
    int slotOf(long m) {
        if (stride != 0) {
            // Arithmetic: no load from the mbuf. Reading the slot from the private area costs a
            // cache line per received frame that nothing else touches (measured: the largest
            // single line of the shard's receive path in a JFR profile of net_null forwarding
            // after the driver call, with the mbufs cycling through the whole pool).
            long d = m - base;
            if (d < 0 || d >= (long) stride * mbufs.length) {
                return -1;
            }
            int slot = (int) Math.unsignedMultiplyHigh(d, reciprocal);
            return base + (long) slot * stride == m ? slot : -1;
        }
        // The private area is one cache line past the header; drivers never write it.
        int slot = RawMemory.getInt(Mbuf.privateArea(m));
        return slot >= 0 && slot < mbufs.length && mbufs[slot] == m ? slot : -1;
    }

    /** Whether {@link #slotOf} finds slots by arithmetic (the pool lies at one stride). */
    boolean uniformStride() {
        return stride != 0;
    }

    /** The mbuf in {@code slot}. */
    long mbuf(int slot) {
        return mbufs[slot];
    }

    /** The data buffer of the mbuf in {@code slot} ({@code buf_addr}, {@code buf_len} bytes). */
    MemorySegment data(int slot) {
        return MemorySegment.ofAddress(Mbuf.bufAddr(mbufs[slot])).reinterpret(bufLen, arena, null);
    }

    /**
     * The buffer pool over this mempool, owned by {@code owner} (made on first use). There is one:
     * every mbuf has one wrapper, and the wrappers' pool is fixed.
     */
    synchronized MbufBufferPool bufferPool(Shard owner) {
        if (closed) {
            throw new IllegalStateException("mbuf pool " + name + " is closed");
        }
        if (bound == null) {
            bound = new MbufBufferPool(owner, this);
        } else if (bound.owner() != owner) {
            throw new IllegalStateException("mbuf pool " + name + " already belongs to " + bound.owner()
                    + ", not " + owner + ": each queue's pool serves one shard");
        }
        return bound;
    }

    /** The buffer pool over this mempool if one was made. */
    MbufBufferPool boundPool() {
        return bound;
    }

    /** The open pool whose {@code struct rte_mempool *} is {@code mempool}, or null. */
    static MbufPool ofMempool(long mempool) {
        for (MbufPool p : open) {
            if (p.mempool == mempool) {
                return p;
            }
        }
        return null;
    }

    private static synchronized void register(MbufPool p) {
        MbufPool[] next = java.util.Arrays.copyOf(open, open.length + 1);
        next[next.length - 1] = p;
        open = next;
    }

    private static synchronized void unregister(MbufPool p) {
        open = java.util.Arrays.stream(open).filter(x -> x != p).toArray(MbufPool[]::new);
    }

    String name() {
        return name;
    }

    long address() {
        return mempool;
    }

    MempoolOps ops() {
        return ops;
    }

    int size() {
        return mbufs.length;
    }

    /** Bytes in each mbuf's data buffer, headroom included. */
    int bufLen() {
        return bufLen;
    }

    /**
     * Measures what the driver took when the port started: every mbuf not in the mempool. Before
     * any shard polls: what the control thread's lcore cache (if it is an EAL lcore) kept from the
     * start goes back to the ring, where the shard's {@link MbufBufferPool} takes from.
     */
    void recordHeldByDevice() {
        flushLcoreCaches();
        heldByDevice = Math.max(0, mbufs.length - inMempool());
    }

    /** {@code cache_size}: mbufs per lcore cache, 0 for none. */
    int cacheSize() {
        return cacheSize;
    }

    /** {@code &local_cache[lcore]}, or 0 without a cache or for -1. */
    long lcoreCache(int lcore) {
        return cacheSize == 0 || lcore < 0 ? 0 : LcoreCache.cache(mempool, lcore);
    }

    /** Every lcore cache back into the ring; only while no thread uses the pool. */
    private void flushLcoreCaches() {
        for (int l = 0; cacheSize > 0 && l < LcoreCache.MAX_LCORE; l++) {
            LcoreCache.flush(LcoreCache.cache(mempool, l), ops);
        }
    }

    int heldByDevice() {
        return heldByDevice;
    }

    /**
     * Mbufs in the mempool now: in its ring and in its lcore caches ({@code rte_mempool_avail_count}),
     * not counting those a buffer pool keeps in its cache.
     */
    int inMempool() {
        return cacheSize == 0 ? ops.count() : LcoreCache.availableCount(mempool);
    }

    /** Frees the mempool; no mbuf of it may be in use (the port is closed). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        unregister(this);
        if (bound != null) {
            bound.drainCache();
        }
        arena.close();
        dpdk_h.rte_mempool_free(MemorySegment.ofAddress(mempool));
    }

    /**
     * {@code rte_pktmbuf_pool_create_by_ops} step by step, with mempool flags, which it does not
     * take: create empty, set the ops, initialise the pool's private area, populate, initialise
     * each mbuf ({@code rte_pktmbuf_init} as the object callback). Control path only: called
     * when a port opens; the handles are made on first use.
     */
    private static final class PackedPool {
        /** rte_mempool.h (22.11). */
        private static final int RTE_MEMPOOL_F_NO_IOVA_CONTIG = 0x0020;
        private static final java.lang.foreign.Linker LINKER = java.lang.foreign.Linker.nativeLinker();
        private static final java.lang.foreign.SymbolLookup LOOKUP = java.lang.foreign.SymbolLookup.loaderLookup()
                .or(LINKER.defaultLookup());
        private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
        private static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;
        private static final java.lang.invoke.MethodHandle CREATE_EMPTY = handle("rte_mempool_create_empty",
                java.lang.foreign.FunctionDescriptor.of(PTR, PTR, INT, INT, INT, INT, INT, INT));
        private static final java.lang.invoke.MethodHandle SET_OPS = handle("rte_mempool_set_ops_byname",
                java.lang.foreign.FunctionDescriptor.of(INT, PTR, PTR, PTR));
        private static final java.lang.invoke.MethodHandle POOL_INIT = handle("rte_pktmbuf_pool_init",
                java.lang.foreign.FunctionDescriptor.ofVoid(PTR, PTR));
        private static final java.lang.invoke.MethodHandle POPULATE = handle("rte_mempool_populate_default",
                java.lang.foreign.FunctionDescriptor.of(INT, PTR));
        private static final java.lang.invoke.MethodHandle OBJ_ITER = handle("rte_mempool_obj_iter",
                java.lang.foreign.FunctionDescriptor.of(INT, PTR, PTR, PTR));
        private static final MemorySegment PKTMBUF_INIT = LOOKUP.findOrThrow("rte_pktmbuf_init");

        private static java.lang.invoke.MethodHandle handle(String symbol, java.lang.foreign.FunctionDescriptor d) {
            return LINKER.downcallHandle(LOOKUP.findOrThrow(symbol), d);
        }

        /** The mempool's address, or 0 (rte_errno set) when a step fails; a half-made pool is freed. */
        static long create(Arena a, String name, int count, int dataRoomSize, int socket, String opsName) {
            try {
                // struct rte_pktmbuf_pool_private: mbuf_data_room_size, mbuf_priv_size (uint16), flags (uint32).
                MemorySegment priv = a.allocate(8, 4);
                priv.set(ValueLayout.JAVA_SHORT, 0, (short) dataRoomSize);
                priv.set(ValueLayout.JAVA_SHORT, 2, (short) PRIV_SIZE);
                priv.set(INT, 4, 0);
                MemorySegment mp = (MemorySegment) CREATE_EMPTY.invokeExact(a.allocateFrom(name), count,
                        Mbuf.SIZE + PRIV_SIZE + dataRoomSize, 0, 8, socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
                if (mp.address() == 0) {
                    return 0;
                }
                boolean ok = (int) SET_OPS.invokeExact(mp, a.allocateFrom(opsName), MemorySegment.NULL) == 0;
                if (ok) {
                    POOL_INIT.invokeExact(mp, priv);
                    ok = (int) POPULATE.invokeExact(mp) == count;
                }
                if (!ok) {
                    dpdk_h.rte_mempool_free(mp);
                    return 0;
                }
                if ((int) OBJ_ITER.invokeExact(mp, PKTMBUF_INIT, MemorySegment.NULL) != count) {
                    dpdk_h.rte_mempool_free(mp);
                    return 0;
                }
                return mp.address();
            } catch (Throwable t) {
                throw new DpdkException("making the packed mbuf pool " + name + " failed: " + t);
            }
        }
    }
}
