package io.panamax.nic.dpdk;

import io.panamax.dpdk.MempoolOps;
import io.panamax.dpdk.RawMemory;
import io.panamax.dpdk.bindings.rte_mempool;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A shard thread as a DPDK lcore, so that the drivers' own mbuf allocations and frees
 * ({@code rte_pktmbuf_alloc_bulk} in {@code net_null}'s receive, {@code rte_pktmbuf_free} in its
 * transmit) go through the mempool's per-lcore cache instead of the ring, as a testpmd forwarding
 * lcore's do. DPDK gives a non-EAL thread no cache ({@code rte_lcore_id()} is
 * {@code LCORE_ID_ANY}); {@code rte_thread_register()} makes it a "non-EAL lcore" with an id below
 * {@code RTE_MAX_LCORE}, which indexes {@code mp->local_cache[]}.
 *
 * <p>Control path only: {@link #acquire} when a queue attaches to a shard, {@link #release} when it
 * detaches, both on the shard's thread. A thread that polls several queues registers once
 * (counted). When registration is refused (the EAL runs with multi-process, or all 128 lcore ids
 * are taken) the thread stays a plain thread and the drivers use the ring, as before: correct,
 * only slower.
 *
 * <p>{@code rte_lcore_id()}, {@code rte_mempool_default_cache()} and {@code rte_mempool_cache_flush()}
 * are {@code static inline}: the lcore id is read from the EAL's thread-local
 * {@code per_lcore__lcore_id} (glibc's {@code dlsym} answers a TLS symbol with the calling thread's
 * instance), and the cache is found and flushed from {@code struct rte_mempool_cache}'s layout
 * (DPDK 22.11: {@code size}, {@code flushthresh}, {@code len}, then the cache-line-aligned
 * {@code objs[2 * RTE_MEMPOOL_CACHE_MAX_SIZE]}), which {@link #cache} checks against the pool.
 */
final class LcoreCache {
    /** {@code RTE_MEMPOOL_CACHE_MAX_SIZE} (rte_config.h, 22.11). */
    static final int MAX_SIZE = 512;
    /** {@code RTE_MAX_LCORE} of Debian's build. */
    static final int MAX_LCORE = 128;
    /** {@code enum rte_lcore_role_t}: ROLE_RTE, ROLE_OFF, ROLE_SERVICE, ROLE_NON_EAL. */
    private static final int ROLE_NON_EAL = 3;
    private static final long CACHE_SIZE = 0;
    private static final long CACHE_FLUSHTHRESH = 4;
    private static final long CACHE_LEN = 8;
    /** {@code objs} is {@code __rte_cache_aligned}: the first cache line after the three counters. */
    private static final long CACHE_OBJS = 64;
    /** {@code sizeof(struct rte_mempool_cache)}: the objects, 2 x 512 pointers, after one line. */
    static final long CACHE_STRIDE = CACHE_OBJS + 2L * MAX_SIZE * Long.BYTES;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = SymbolLookup.loaderLookup().or(LINKER.defaultLookup());
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final MethodHandle REGISTER = handle("rte_thread_register", FunctionDescriptor.of(INT));
    private static final MethodHandle UNREGISTER = handle("rte_thread_unregister", FunctionDescriptor.ofVoid());
    private static final MethodHandle ROLE = handle("rte_eal_lcore_role", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle AVAIL_COUNT = handle("rte_mempool_avail_count",
            FunctionDescriptor.of(INT, ValueLayout.JAVA_LONG));

    /** This thread's lcore id and how many queues use it; null while not registered here. */
    private static final ThreadLocal<int[]> REGISTERED = new ThreadLocal<>();

    private LcoreCache() {
    }

    private static MethodHandle handle(String symbol, FunctionDescriptor d) {
        return LINKER.downcallHandle(LOOKUP.findOrThrow(symbol), d);
    }

    /**
     * Makes the calling thread a DPDK lcore (once per thread; counted) and returns its lcore id, or
     * -1 when DPDK refused, in which case nothing is to be {@link #release}d.
     */
    static int acquire() {
        int[] reg = REGISTERED.get();
        if (reg != null) {
            reg[1]++;
            return reg[0];
        }
        try {
            if ((int) REGISTER.invokeExact() != 0) {
                return -1;
            }
            int lcore = currentLcoreId();
            if (lcore < 0 || lcore >= MAX_LCORE || (int) ROLE.invokeExact(lcore) != ROLE_NON_EAL) {
                // Not the lcore we expect to have been given: stay a plain thread.
                UNREGISTER.invokeExact();
                return -1;
            }
            REGISTERED.set(new int[] {lcore, 1});
            return lcore;
        } catch (Throwable t) {
            throw new DpdkException("rte_thread_register failed: " + t);
        }
    }

    /** Undoes one {@link #acquire} that returned an lcore id; the last one gives the id back to DPDK. */
    static void release() {
        int[] reg = REGISTERED.get();
        if (reg == null || --reg[1] > 0) {
            return;
        }
        REGISTERED.remove();
        try {
            UNREGISTER.invokeExact();
        } catch (Throwable t) {
            throw new DpdkException("rte_thread_unregister failed: " + t);
        }
    }

    /** The calling thread's {@code RTE_PER_LCORE(_lcore_id)}. */
    private static int currentLcoreId() {
        // Looked up on each call, on purpose: dlsym of a TLS symbol gives the calling thread's copy.
        MemorySegment tls = LOOKUP.findOrThrow("per_lcore__lcore_id");
        return RawMemory.getInt(tls.address());
    }

    /**
     * {@code &mp->local_cache[lcore]}, or 0 when the pool has no cache; throws when the layout is
     * not the one this class knows (a DPDK other than 22.11).
     */
    static long cache(long mempool, int lcore) {
        int size = RawMemory.getInt(mempool + rte_mempool.cache_size$offset());
        if (size == 0 || lcore < 0 || lcore >= MAX_LCORE) {
            return 0;
        }
        long c = RawMemory.getLong(mempool + rte_mempool.local_cache$offset()) + lcore * CACHE_STRIDE;
        if (RawMemory.getInt(c + CACHE_SIZE) != size || RawMemory.getInt(c + CACHE_FLUSHTHRESH) < size) {
            throw new DpdkException("struct rte_mempool_cache of lcore " + lcore + " does not have the DPDK 22.11 layout");
        }
        return c;
    }

    /** Mbufs in the cache at {@code cache} (from {@link #cache}). */
    static int length(long cache) {
        return RawMemory.getInt(cache + CACHE_LEN);
    }

    /**
     * {@code rte_mempool_cache_flush}: every object of the cache back into the pool's ring, on the
     * thread that owns the cache (or while no thread uses it).
     */
    static void flush(long cache, MempoolOps ops) {
        int len = length(cache);
        if (len > 0) {
            ops.enqueue(cache + CACHE_OBJS, len);
            RawMemory.setInt(cache + CACHE_LEN, 0);
        }
    }

    /** {@code rte_mempool_avail_count}: the ring's objects plus those in every lcore's cache. */
    static int availableCount(long mempool) {
        try {
            return (int) AVAIL_COUNT.invokeExact(mempool);
        } catch (Throwable t) {
            throw new DpdkException("rte_mempool_avail_count failed: " + t);
        }
    }
}
