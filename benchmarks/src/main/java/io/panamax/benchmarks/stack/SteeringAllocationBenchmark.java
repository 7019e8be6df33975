package io.panamax.benchmarks.stack;

import io.panamax.ethernet.wire.EtherType;
import io.panamax.ethernet.wire.EthernetHeader;
import io.panamax.ip.IpProtocol;
import io.panamax.ip.wire.Ipv4Header;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketHandler;
import io.panamax.rss.FlowSteering;
import io.panamax.rss.RedirectionTable;
import io.panamax.rss.Toeplitz;
import io.panamax.stack.RxSteering;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
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
 * The heap cost of software RSS per frame: the path of {@code rss.SoftwareRssBenchmark} (a TCP frame
 * through {@link RxSteering} on shard 0, kept there or forwarded to shard 1 and its buffer sent
 * home), with a harness that allocates nothing itself: the frames are off-heap and the tasks the
 * manual reactor runs are created once, so {@code -prof gc}'s {@code gc.alloc.rate.norm} is the
 * steering path's own (the other benchmark's per-call lambda shows there as 24 bytes per frame).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class SteeringAllocationBenchmark {
    /** {@code local}: the frame's flow belongs to shard 0, which received it; {@code forwarded}: to shard 1. */
    @Param({"local", "forwarded"})
    public String path;

    private Reactor reactor;
    private RxSteering steering;
    private MemorySegment frame;
    private int frameLength;
    private final Runnable receive = this::receiveOnShard0;

    @Setup(Level.Trial)
    public void setUp() {
        reactor = Reactor.builder().shards(2).manual().buffersPerShard(4096).build().start();
        FlowSteering flows = FlowSteering.software(Toeplitz.microsoft(), RedirectionTable.spreading(128, 2), 1);
        PacketHandler sink = Packet::release;
        reactor.runOn(0, () -> steering = new RxSteering(reactor.shard(0), flows.copy(), sink, new PacketHandler[] {sink, sink}));
        int want = path.equals("local") ? 0 : 1;
        int src = 0x0a000001;
        int dst = 0x0a000002;
        for (int port = 40000; frame == null; port++) {
            if (flows.shardOfIpv4Tcp(src, dst, port, 80) == want) {
                frame = tcpFrame(src, dst, port, 80);
            }
        }
        frameLength = (int) frame.byteSize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        reactor.runUntilIdle();
        reactor.stop();
    }

    private static MemorySegment tcpFrame(int src, int dst, int sport, int dport) {
        MemorySegment s = Arena.ofAuto().allocate(EthernetHeader.HEADER_LENGTH + 40);
        EthernetHeader.write(s, 0, 0x02_00_00_00_00_02L, 0x02_00_00_00_00_01L, EtherType.IPV4);
        Ipv4Header.write(s, EthernetHeader.HEADER_LENGTH, 0, 40, 1, 0, 64, IpProtocol.TCP, src, dst);
        long tcp = EthernetHeader.HEADER_LENGTH + 20;
        s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, tcp, (byte) (sport >>> 8));
        s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, tcp + 1, (byte) sport);
        s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, tcp + 2, (byte) (dport >>> 8));
        s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, tcp + 3, (byte) dport);
        return s;
    }

    private void receiveOnShard0() {
        Packet p = reactor.shard(0).packets().allocateWithHeadroom();
        p.appendBytes(frame, 0, frameLength);
        steering.handle(p);
    }

    @Benchmark
    public void frame() {
        reactor.runOn(0, receive);
        reactor.runOnce(); // shard 1 takes forwarded frames; shard 0 takes its buffers back
        reactor.runOnce();
    }
}
