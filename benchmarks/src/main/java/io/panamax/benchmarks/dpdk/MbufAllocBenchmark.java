package io.panamax.benchmarks.dpdk;

import io.panamax.dpdk.MempoolOps;
import io.panamax.nic.dpdk.DpdkNic;
import io.panamax.nic.dpdk.MbufBufferPool;
import io.panamax.reactor.buffer.Buffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;

/**
 * Taking 32 mbufs from a queue's {@code ring_sp_sc} mempool and giving them back, per mbuf:
 * Panamax's call through the mempool ops table ({@code dequeue}/{@code enqueue}, no reset), the
 * {@link MbufBufferPool} a shard allocates from (a Java cache refilled 32 at a time), and a C shim
 * around DPDK's {@code static inline rte_pktmbuf_alloc_bulk} with {@code rte_pktmbuf_free_bulk}
 * (which also reset and check each mbuf).
 */
public class MbufAllocBenchmark extends DpdkBenchmark {
    private DpdkNic nic;
    private MbufBufferPool pool;
    private MempoolOps ops;
    private long mempool;
    private final Buffer[] held = new Buffer[BURST];

    @Setup
    public void setUp() {
        nic = open("net_null");
        pool = nic.queue(0).bufferPool();
        mempool = pool.mempoolAddress();
        ops = MempoolOps.of(mempool);
        ShimLibrary.ALLOC_BULK.type();
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public boolean opsTableDequeueEnqueue() {
        boolean ok = ops.dequeue(mbufs, BURST);
        ops.enqueue(mbufs, BURST);
        return ok;
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int shimAllocFreeBulk() throws Throwable {
        int rc = ShimLibrary.allocBulk(mempool, mbufs, BURST);
        DpdkPorts.freeBulk(mbufs, BURST);
        return rc;
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int bufferPoolAllocateRelease() {
        for (int i = 0; i < BURST; i++) {
            held[i] = pool.allocate();
        }
        int cap = 0;
        for (int i = 0; i < BURST; i++) {
            cap += held[i].capacity();
            held[i].release();
        }
        return cap;
    }
}
