package io.panamax.dpdk;

import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.dpdk.bindings.rte_mempool;
import io.panamax.dpdk.bindings.rte_mempool_ops;
import io.panamax.dpdk.bindings.rte_mempool_ops_table;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The driver behind one mempool, called directly: {@code dequeue}, {@code enqueue} and
 * {@code get_count} of {@code rte_mempool_ops_table.ops[mp->ops_index]}.
 *
 * <p>{@code rte_mempool_get_bulk} and {@code rte_mempool_put_bulk} are {@code static inline}; for
 * a pool without a per-lcore cache (Panamax's pools have {@code cache_size} 0, and non-EAL threads
 * have no cache anyway) they reduce to exactly these ops calls. Unlike {@code rte_pktmbuf_alloc},
 * objects come back as they went in: a caller that hands them to a driver sets the mbuf fields.
 */
public final class MempoolOps {
    private static final FunctionDescriptor BULK = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT);
    private static final MethodHandle BULK_CALL = Downcalls.unbound(BULK, Downcalls.CRITICAL);
    private static final MethodHandle COUNT_CALL = Downcalls.unbound(FunctionDescriptor.of(JAVA_INT, JAVA_LONG), false);

    private final long mempool;
    private final MemorySegment dequeue;
    private final MemorySegment enqueue;
    private final MemorySegment getCount;
    private final String opsName;

    private MempoolOps(long mempool, MemorySegment dequeue, MemorySegment enqueue, MemorySegment getCount, String opsName) {
        this.mempool = mempool;
        this.dequeue = dequeue;
        this.enqueue = enqueue;
        this.getCount = getCount;
        this.opsName = opsName;
    }

    /** The ops of the mempool at {@code mempool} (a {@code struct rte_mempool *}). */
    public static MempoolOps of(long mempool) {
        DpdkLibraries.load();
        if (mempool == 0) {
            throw new IllegalArgumentException("null mempool");
        }
        int index = RawMemory.getInt(mempool + rte_mempool.ops_index$offset());
        if (index < 0 || index >= dpdk_h.RTE_MEMPOOL_MAX_OPS_IDX()) {
            throw new IllegalStateException("mempool ops index " + index + " out of range");
        }
        long ops = dpdk_h.rte_mempool_ops_table().address() + rte_mempool_ops_table.ops$offset()
                + index * rte_mempool_ops.sizeof();
        String name = RawMemory.segment(ops + rte_mempool_ops.name$offset(), dpdk_h.RTE_MEMPOOL_OPS_NAMESIZE()).getString(0);
        return new MempoolOps(mempool,
                function(ops, rte_mempool_ops.dequeue$offset(), "dequeue", name),
                function(ops, rte_mempool_ops.enqueue$offset(), "enqueue", name),
                function(ops, rte_mempool_ops.get_count$offset(), "get_count", name), name);
    }

    private static MemorySegment function(long ops, long offset, String what, String name) {
        long fn = RawMemory.getLong(ops + offset);
        if (fn == 0) {
            throw new IllegalStateException("mempool ops '" + name + "' have no " + what);
        }
        return MemorySegment.ofAddress(fn);
    }

    /**
     * Takes exactly {@code n} objects into the pointer array at {@code table}, or none: returns
     * false when the pool holds fewer than {@code n}.
     */
    public boolean dequeue(long table, int n) {
        try {
            return (int) BULK_CALL.invokeExact(dequeue, mempool, table, n) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("mempool dequeue downcall failed", t);
        }
    }

    /** Gives back {@code n} objects from the pointer array at {@code table}. */
    public void enqueue(long table, int n) {
        int rc;
        try {
            rc = (int) BULK_CALL.invokeExact(enqueue, mempool, table, n);
        } catch (Throwable t) {
            throw new IllegalStateException("mempool enqueue downcall failed", t);
        }
        if (rc != 0) {
            // A ring-backed pool is sized to hold all its objects: a refusal means an object was
            // given back twice, or one not of this pool.
            throw new IllegalStateException("mempool enqueue of " + n + " refused (" + rc + "): pool corrupted");
        }
    }

    /** Objects in the pool now (not counting per-lcore caches). */
    public int count() {
        try {
            return (int) COUNT_CALL.invokeExact(getCount, mempool);
        } catch (Throwable t) {
            throw new IllegalStateException("mempool get_count downcall failed", t);
        }
    }

    /** The ops' registered name: {@code ring_sp_sc}, {@code ring_mp_mc}, ... */
    public String name() {
        return opsName;
    }

    public long mempool() {
        return mempool;
    }
}
