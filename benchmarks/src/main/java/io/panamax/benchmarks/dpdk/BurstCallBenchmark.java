package io.panamax.benchmarks.dpdk;

import io.panamax.dpdk.EthBurst;
import io.panamax.nic.dpdk.DpdkNic;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * The cost of one call into a poll-mode driver's burst function: Panamax's path (a downcall
 * straight to {@code rte_eth_fp_ops[port].rx_pkt_burst}, critical or not) against a C shim that
 * calls DPDK's {@code static inline rte_eth_rx_burst} (one critical downcall to the shim).
 *
 * <p>{@code empty*}: a {@code net_ring} queue with nothing in it, so the driver returns at once and
 * the figure is the call itself. {@code rx32*}: a {@code net_null} queue, which hands out 32 fresh
 * mbufs per call, freed again with {@code rte_pktmbuf_free_bulk}: the same driver and free work on
 * both sides, only the way into the driver differs.
 */
public class BurstCallBenchmark extends DpdkBenchmark {
    private DpdkNic ring;
    private DpdkNic sink;
    private EthBurst emptyCritical;
    private EthBurst emptyPlain;
    private EthBurst nullRx;
    private int ringPort;
    private int nullPort;

    @Setup
    public void setUp() {
        ring = open("net_ring");
        sink = open("net_null");
        ringPort = ring.portId();
        nullPort = sink.portId();
        emptyCritical = EthBurst.rx(ringPort, 0, true);
        emptyPlain = EthBurst.rx(ringPort, 0, false);
        nullRx = EthBurst.rx(nullPort, 0, true);
        ShimLibrary.RX_BURST.type(); // build and load the shim before measuring
    }

    @Benchmark
    public int emptyRxJavaCritical() {
        return emptyCritical.call(mbufs, BURST);
    }

    @Benchmark
    public int emptyRxJavaNotCritical() {
        return emptyPlain.call(mbufs, BURST);
    }

    @Benchmark
    public int emptyRxShim() throws Throwable {
        return ShimLibrary.rxBurst(ringPort, 0, mbufs, BURST);
    }

    @Benchmark
    public int rx32FreeJava() {
        int n = nullRx.call(mbufs, BURST);
        DpdkPorts.freeBulk(mbufs, n);
        return n;
    }

    @Benchmark
    public int rx32FreeShim() throws Throwable {
        int n = ShimLibrary.rxBurst(nullPort, 0, mbufs, BURST);
        DpdkPorts.freeBulk(mbufs, n);
        return n;
    }
}
