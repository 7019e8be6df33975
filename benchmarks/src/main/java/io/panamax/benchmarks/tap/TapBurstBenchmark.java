package io.panamax.benchmarks.tap;

import io.panamax.benchmarks.PerCallBenchmark;
import io.panamax.nic.MacAddress;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The fixture the TAP receive and transmit benchmarks share: a TAP device in its namespace
 * ({@link TapBench}), with or without the backend's offloads; one test frame of {@link #frameSize}
 * bytes off-heap; a count of bursts that moved fewer than {@value TapBench#BURST} frames. Each
 * invocation is one burst and the score is per frame, in sample mode so that the median (p0.50)
 * is there to read: on a shared machine the mean carries the other tenants' load. After the trial
 * a short burst or a NIC error fails the run: the score would have measured something else.
 * Nanoseconds, one fork and state per thread as {@link PerCallBenchmark}; two-second iterations.
 */
@BenchmarkMode(Mode.SampleTime)
@OperationsPerInvocation(TapBench.BURST)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public abstract class TapBurstBenchmark extends PerCallBenchmark {
    @Param({"64", "1514"})
    public int frameSize;

    /** The TAP backend's offloads: a virtio-net header on every frame, one readv/writev each. */
    @Param({"off", "on"})
    public String offloads;

    TapBench bench;
    Arena arena;
    /** The device's descriptor, for the C loops. */
    int fd;
    /** The test frame, off-heap (64-byte aligned). */
    MemorySegment frame;
    private long bursts;
    private long shortBursts;

    @Setup(Level.Trial)
    public final void open() throws Exception {
        bench = TapBench.open(offloads.equals("on"));
        arena = Arena.ofShared();
        fd = bench.queue.fileDescriptor();
        prepare();
    }

    /** What the benchmark sets up after the device: its frame ({@link #useFrame}) and anything else. */
    abstract void prepare() throws Exception;

    /** Builds the test frame from {@code source} to {@code destination}; returns its bytes. */
    final byte[] useFrame(MacAddress destination, MacAddress source) {
        byte[] bytes = TapBench.frame(frameSize, destination, source);
        frame = arena.allocate(bytes.length, 64).copyFrom(MemorySegment.ofArray(bytes));
        return bytes;
    }

    /** Counts a burst that moved {@code n} frames. */
    final void burst(long n) {
        bursts++;
        if (n != TapBench.BURST) {
            shortBursts++;
        }
    }

    /** Releases what the benchmark holds before the device closes; returns the NIC's error count (receive or transmit). */
    abstract long finish() throws Exception;

    @TearDown(Level.Trial)
    public final void close() throws Exception {
        long errors;
        try {
            errors = finish();
        } finally {
            bench.close();
            arena.close();
        }
        if (shortBursts > 0 || errors > 0) {
            throw new IllegalStateException(shortBursts + " of " + bursts + " bursts came up short, " + errors + " NIC errors");
        }
    }
}
