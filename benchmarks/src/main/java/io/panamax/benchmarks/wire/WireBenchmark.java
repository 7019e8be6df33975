package io.panamax.benchmarks.wire;

import io.panamax.nic.NicQueue;
import io.panamax.nic.wire.Impairments;
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

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * Frames per second through an in-memory wire on one core: one thread builds a burst of frames in
 * side A's buffers, transmits it, receives it on side B (a copy into B's buffers) and releases
 * it, as a shard that drives both sides would. Reported per frame; {@code -prof gc}'s
 * {@code gc.alloc.rate.norm} is the heap bytes per frame (the goal is 0).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WireBenchmark {
    static final int BURST = 32;

    /** Frame length, Ethernet header included. */
    @Param({"64", "1514"})
    public int frameBytes;

    /** {@code none}, or {@code impaired}: 1% loss, 1% duplication, 0.1% corruption (every draw made). */
    @Param({"none", "impaired"})
    public String impairments;

    private Wire wire;
    private NicQueue tx;
    private NicQueue rx;
    private PacketPool poolA;
    private MemorySegment template;
    private final Packet[] out = new Packet[BURST];
    private final Packet[] in = new Packet[BURST];

    @Setup
    public void setUp() {
        Impairments imp = impairments.equals("none") ? Impairments.none()
                : Impairments.builder().loss(0.01).duplicate(0.01).corrupt(0.001).build();
        wire = Wire.pair(WireConfig.builder().aToB(imp).seed(1).build());
        poolA = PacketPool.unowned(SlabBufferPool.unowned(1024, 2048 + 128, 128));
        PacketPool poolB = PacketPool.unowned(SlabBufferPool.unowned(1024, 2048 + 128, 128));
        tx = wire.a().queue(0);
        rx = wire.b().queue(0);
        tx.attach(poolA);
        rx.attach(poolB);
        template = WireLoop.template(frameBytes);
    }

    @TearDown
    public void tearDown() {
        wire.close();
    }

    /** One burst: 32 frames built, sent, received and released. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public int sendAndReceiveBurst() {
        return WireLoop.burst(poolA, template, out, tx, rx, in);
    }
}
