package io.panamax.benchmarks.tap;

import io.panamax.nic.MacAddress;
import io.panamax.reactor.buffer.Packet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

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
 * Scores are per frame; {@code -prof gc} gives the heap bytes per frame. Sample mode, so that
 * the median (p0.50) is there to read: on a shared machine the mean carries the other tenants' load.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(TapBench.BURST)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class TapRxBenchmark {
    @Param({"64", "1514"})
    public int frameSize;

    /** The TAP backend's offloads: a virtio-net header on every frame, one readv/writev each. */
    @Param({"off", "on"})
    public String offloads;

    private TapBench bench;
    private Arena arena;
    private int injector;
    private int fd;
    private MemorySegment frame;
    private static final int CSTRIDE = 2048 + 128;
    private MemorySegment cBuffers;
    private final Packet[] burst = new Packet[TapBench.BURST];
    private long invocations;
    private long shortBursts;

    @Setup(Level.Trial)
    public void open() throws Exception {
        bench = TapBench.open(offloads.equals("on"));
        arena = Arena.ofShared();
        byte[] bytes = TapBench.frame(frameSize, bench.nic.mac(), MacAddress.parse("02:00:00:00:00:aa"));
        frame = arena.allocate(bytes.length, 64).copyFrom(MemorySegment.ofArray(bytes));
        // Distinct buffers per frame of a burst, spaced like the pool's (2176 bytes, 64-aligned).
        cBuffers = arena.allocate((long) CSTRIDE * TapBench.BURST, 64);
        injector = bench.ns.callInside(() -> bench.peer.packetSocket(TapBench.IFACE));
        fd = bench.queue.fileDescriptor();
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
        count(n);
        return n;
    }

    @Benchmark
    public long cReadLoop() {
        long n = bench.peer.readBurst(fd, cBuffers.address() + 128, CSTRIDE, 2048, TapBench.BURST);
        count(n);
        return n;
    }

    private void count(long n) {
        invocations++;
        if (n != TapBench.BURST) {
            shortBursts++;
        }
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        bench.peer.close(injector);
        long errors = bench.queue.stats().rxErrors.get();
        bench.close();
        arena.close();
        // Every timed burst must have found all its frames, or the score measured something else.
        if (shortBursts > 0 || errors > 0) {
            throw new IllegalStateException(shortBursts + " of " + invocations + " bursts came up short, "
                    + errors + " receive errors");
        }
    }
}
