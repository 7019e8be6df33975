package io.panamax.benchmarks.tap;

import io.panamax.nic.MacAddress;
import io.panamax.reactor.buffer.Packet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

import java.lang.foreign.MemorySegment;

/**
 * Receive cost per frame of the TAP backend against a plain C read loop on the same descriptor.
 *
 * <p>Before each invocation (untimed) a packet socket on the device's kernel side sends a burst of
 * {@value TapBench#BURST} frames, which the tun driver queues for the device's descriptor. The
 * timed part takes the burst: {@code tapQueueReceive} with {@link io.panamax.nic.tap.TapQueue#receive}
 * (a pool buffer and a pooled packet per frame, one {@code read} each through FFM, then release),
 * {@code cReadLoop} with {@code read(2)} in C, each frame of the burst into its own buffer (as a
 * driver fills one buffer per frame; the pool also hands out the same few buffers burst after
 * burst), entered once per burst.
 * Scores are per frame ({@link TapBurstBenchmark}); {@code -prof gc} gives the heap bytes per frame.
 */
public class TapRxBenchmark extends TapBurstBenchmark {
    private int injector;
    private static final int CSTRIDE = 2048 + 128;
    private MemorySegment cBuffers;
    private final Packet[] burst = new Packet[TapBench.BURST];

    @Override
    void prepare() throws Exception {
        useFrame(bench.nic.mac(), MacAddress.parse("02:00:00:00:00:aa"));
        // Distinct buffers per frame of a burst, spaced like the pool's (2176 bytes, 64-aligned).
        cBuffers = arena.allocate((long) CSTRIDE * TapBench.BURST, 64);
        injector = bench.ns.callInside(() -> bench.peer.packetSocket(TapBench.IFACE));
    }

    /** Untimed: the kernel sends a burst out of the device. */
    @Setup(Level.Invocation)
    public void inject() {
        long n = bench.peer.injectBurst(injector, frame.address(), frameSize, TapBench.BURST);
        if (n != TapBench.BURST) {
            throw new IllegalStateException("injected " + n + " of " + TapBench.BURST + " frames");
        }
    }

    @Benchmark
    public int tapQueueReceive() {
        int n = bench.queue.receive(burst, TapBench.BURST);
        for (int i = 0; i < n; i++) {
            burst[i].release();
            burst[i] = null;
        }
        burst(n);
        return n;
    }

    @Benchmark
    public long cReadLoop() {
        long n = bench.peer.readBurst(fd, cBuffers.address() + 128, CSTRIDE, 2048, TapBench.BURST);
        burst(n);
        return n;
    }

    @Override
    long finish() throws Exception {
        bench.peer.close(injector);
        return bench.queue.stats().rxErrors.get();
    }
}
