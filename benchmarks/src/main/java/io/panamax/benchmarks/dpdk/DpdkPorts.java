package io.panamax.benchmarks.dpdk;

import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.nic.dpdk.DpdkNic;
import io.panamax.nic.dpdk.DpdkNicConfig;
import io.panamax.nic.dpdk.DpdkQueue;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Virtual DPDK ports for the benchmarks, in the benchmark JVM's one EAL. */
final class DpdkPorts {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    /** {@code rte_pktmbuf_free_bulk} as a critical downcall, like the fast path's own. */
    static final MethodHandle FREE_BULK = Linker.nativeLinker().downcallHandle(
            FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_INT), Linker.Option.critical(false));

    private DpdkPorts() {
    }

    /**
     * A started one-queue port of {@code driver} ({@code net_null}: every receive burst is full,
     * every transmitted mbuf is freed; {@code net_ring}: a loopback ring), its queue attached to a
     * plain thread's packet pool.
     */
    static DpdkNic open(String driver) {
        DpdkNic nic = openUnattached(driver);
        DpdkQueue q = nic.queue(0);
        q.attach(PacketPool.unowned(SlabBufferPool.unowned(256, 2176, 128)));
        return nic;
    }

    /** As {@link #open}, the queue left for a shard to attach. */
    static DpdkNic openUnattached(String driver) {
        // -Dpanamax.bench.mempoolCache=0 turns the shard's lcore cache off, for A/B runs.
        return DpdkNic.open(DpdkNicConfig.vdev(driver + "_bench" + SEQUENCE.incrementAndGet())
                .descriptors(1024, 1024)
                .mempoolCache(Integer.getInteger("panamax.bench.mempoolCache", DpdkNicConfig.DEFAULT_MEMPOOL_CACHE))
                .build());
    }

    static void freeBulk(long mbufs, int n) {
        try {
            FREE_BULK.invokeExact(dpdk_h.rte_pktmbuf_free_bulk$address(), mbufs, n);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
