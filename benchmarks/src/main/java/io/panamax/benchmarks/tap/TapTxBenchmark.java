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
 * Transmit cost per frame of the TAP backend against a plain C write loop on the same descriptor.
 *
 * <p>Each invocation sends a burst of {@value TapBench#BURST} copies of one frame addressed to a
 * MAC that is not the kernel's, so the kernel takes each one in and drops it early as
 * not-for-this-host: {@code tapQueueTransmit} as zero-copy views of a template packet (a pooled
 * wrapper and a buffer reference each) through {@link io.panamax.nic.tap.TapQueue#transmit}, one
 * {@code write} per frame through FFM; {@code cWriteLoop} with {@code write(2)} in C, entered once
 * per burst. Scores are per frame; {@code -prof gc} gives the heap bytes per frame. Sample mode,
 * so that the median (p0.50) is there to read: on a shared machine the mean carries the other
 * tenants' load.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(TapBench.BURST)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class TapTxBenchmark {
    @Param({"64", "1514"})
    public int frameSize;

    /** The TAP backend's offloads: a virtio-net header on every frame, one readv/writev each. */
    @Param({"off", "on"})
    public String offloads;

    private TapBench bench;
    private Arena arena;
    private int fd;
    private MemorySegment frame;
    private Packet template;
    private final Packet[] out = new Packet[TapBench.BURST];
    private long shortBursts;

    @Setup(Level.Trial)
    public void open() throws Exception {
        bench = TapBench.open(offloads.equals("on"));
        arena = Arena.ofShared();
        byte[] bytes = TapBench.frame(frameSize, MacAddress.parse("02:00:00:00:00:99"), bench.nic.mac());
        frame = arena.allocate(bytes.length, 64).copyFrom(MemorySegment.ofArray(bytes));
        template = bench.packets.allocateWithHeadroom();
        template.appendBytes(bytes, 0, bytes.length);
        fd = bench.queue.fileDescriptor();
    }

    @Benchmark
    public int tapQueueTransmit() {
        for (int i = 0; i < TapBench.BURST; i++) {
            out[i] = template.share();
        }
        int n = bench.queue.transmit(out, TapBench.BURST);
        if (n != TapBench.BURST) {
            shortBursts++;
            for (int i = n; i < TapBench.BURST; i++) {
                out[i].release();
            }
        }
        return n;
    }

    @Benchmark
    public long cWriteLoop() {
        long n = bench.peer.writeBurst(fd, frame.address(), frameSize, TapBench.BURST);
        if (n != TapBench.BURST) {
            shortBursts++;
        }
        return n;
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        template.release();
        long errors = bench.queue.stats().txErrors.get();
        bench.close();
        arena.close();
        if (shortBursts > 0 || errors > 0) {
            throw new IllegalStateException(shortBursts + " bursts came up short, " + errors + " transmit errors");
        }
    }
}
