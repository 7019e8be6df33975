package io.panamax.benchmarks.dpdk;

import io.panamax.dpdk.MempoolOps;
import io.panamax.nic.dpdk.DpdkNic;
import io.panamax.nic.dpdk.MbufBufferPool;
import io.panamax.reactor.buffer.Buffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * Taking 32 mbufs from a queue's {@code ring_sp_sc} mempool and giving them back, per mbuf:
 * Panamax's call through the mempool ops table ({@code dequeue}/{@code enqueue}, no reset), the
 * {@link MbufBufferPool} a shard allocates from (a Java cache refilled 32 at a time), and a C shim
 * around DPDK's {@code static inline rte_pktmbuf_alloc_bulk} with {@code rte_pktmbuf_free_bulk}
 * (which also reset and check each mbuf).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MbufAllocBenchmark {
    private static final int BULK = 32;

    private DpdkNic nic;
    private MbufBufferPool pool;
    private MempoolOps ops;
    private long mempool;
    private long mbufs;
    private final Buffer[] held = new Buffer[BULK];

    @Setup
    public void setUp() {
        nic = DpdkPorts.open("net_null");
        pool = nic.queue(0).bufferPool();
        mempool = pool.mempoolAddress();
        ops = MempoolOps.of(mempool);
        mbufs = Arena.global().allocate(ValueLayout.JAVA_LONG, BULK).address();
        ShimLibrary.ALLOC_BULK.type();
    }

    @TearDown
    public void tearDown() {
        nic.close();
    }

    @Benchmark
    @OperationsPerInvocation(BULK)
    public boolean opsTableDequeueEnqueue() {
        boolean ok = ops.dequeue(mbufs, BULK);
        ops.enqueue(mbufs, BULK);
        return ok;
    }

    @Benchmark
    @OperationsPerInvocation(BULK)
    public int shimAllocFreeBulk() throws Throwable {
        int rc = ShimLibrary.allocBulk(mempool, mbufs, BULK);
        DpdkPorts.freeBulk(mbufs, BULK);
        return rc;
    }

    @Benchmark
    @OperationsPerInvocation(BULK)
    public int bufferPoolAllocateRelease() {
        for (int i = 0; i < BULK; i++) {
            held[i] = pool.allocate();
        }
        int cap = 0;
        for (int i = 0; i < BULK; i++) {
            cap += held[i].capacity();
            held[i].release();
        }
        return cap;
    }
}
