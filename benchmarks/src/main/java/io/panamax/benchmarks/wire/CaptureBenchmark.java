package io.panamax.benchmarks.wire;

import io.panamax.nic.Nic;
import io.panamax.nic.NicQueue;
import io.panamax.nic.capture.CaptureConfig;
import io.panamax.nic.capture.CaptureStats;
import io.panamax.nic.capture.CapturingNic;
import io.panamax.nic.wire.Wire;
import io.panamax.nic.wire.WireConfig;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the capture decorator costs the shard per frame: the {@link WireBenchmark} loop with side A
 * wrapped in a {@link CapturingNic} (each frame is recorded once, as it is sent), compared with the
 * bare wire ({@code off}) and with the decorator switched off ({@code disabled}). The writer
 * thread runs meanwhile on another core (pcapng files rotated at 64 MiB, two kept, in a temporary
 * directory); records it could not take are dropped and printed at the end of the trial.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CaptureBenchmark {

    @Param({"64", "1514"})
    public int frameBytes;

    /** {@code off}: no decorator; {@code disabled}: decorator switched off; {@code on}: recording. */
    @Param({"off", "disabled", "on"})
    public String capture;

    private Wire wire;
    private CapturingNic capturing;
    private Path dir;
    private NicQueue tx;
    private NicQueue rx;
    private PacketPool poolA;
    private MemorySegment template;
    private final Packet[] out = new Packet[WireBenchmark.BURST];
    private final Packet[] in = new Packet[WireBenchmark.BURST];

    @Setup
    public void setUp() throws IOException {
        wire = Wire.pair(WireConfig.builder().build());
        Nic a = wire.a();
        if (!capture.equals("off")) {
            dir = Files.createTempDirectory("panamax-capture-bench");
            capturing = CapturingNic.wrap(a, CaptureConfig.builder(dir.resolve("bench.pcapng"))
                    .rotateAt(64L << 20, 2).enabled(capture.equals("on")).build());
            a = capturing;
        }
        poolA = PacketPool.unowned(SlabBufferPool.unowned(1024, 2048 + 128, 128));
        PacketPool poolB = PacketPool.unowned(SlabBufferPool.unowned(1024, 2048 + 128, 128));
        tx = a.queue(0);
        rx = wire.b().queue(0);
        tx.attach(poolA);
        rx.attach(poolB);
        template = WireLoop.template(frameBytes);
    }

    @TearDown
    public void tearDown() throws IOException {
        if (capturing != null) {
            capturing.close();
            CaptureStats s = capturing.captureStats();
            System.out.printf("%n[capture %s, %d B] written %d, dropped (writer behind) %d, files %d%n",
                    capture, frameBytes, s.written(), s.droppedRingFull(), s.files());
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        } else {
            wire.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(WireBenchmark.BURST)
    public int sendAndReceiveBurst() {
        return WireLoop.burst(poolA, template, out, tx, rx, in);
    }
}
