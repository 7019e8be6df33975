package io.panamax.benchmarks.rss;

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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The cost of software RSS per frame: a received TCP frame goes through {@link RxSteering} on
 * shard 0 and either stays there ({@code local}: hash + lookup) or is forwarded to shard 1
 * ({@code forwarded}: hash + lookup + SPSC hand-over + delivery on shard 1 + the buffer's trip home).
 * The difference is what forwarding costs. Both shards run on the benchmark thread (manual reactor),
 * so this is the CPU cost of the path, not cross-core latency.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class SoftwareRssBenchmark {
    private Reactor reactor;
    private RxSteering steering;
    private byte[] ownedBy0;
    private byte[] ownedBy1;

    @Setup(Level.Trial)
    public void setUp() {
        reactor = Reactor.builder().shards(2).manual().buffersPerShard(4096).build().start();
        FlowSteering flows = FlowSteering.software(Toeplitz.microsoft(), RedirectionTable.spreading(128, 2), 1);
        PacketHandler sink = Packet::release;
        reactor.runOn(0, () -> steering = new RxSteering(reactor.shard(0), flows.copy(), sink, new PacketHandler[] {sink, sink}));
        int src = 0x0a000001;
        int dst = 0x0a000002;
        for (int port = 40000; ownedBy0 == null || ownedBy1 == null; port++) {
            int owner = flows.shardOfIpv4Tcp(src, dst, port, 80);
            byte[] frame = tcpFrame(src, dst, port, 80);
            if (owner == 0 && ownedBy0 == null) {
                ownedBy0 = frame;
            } else if (owner == 1 && ownedBy1 == null) {
                ownedBy1 = frame;
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        reactor.stop();
    }

    /** A minimal Ethernet + IPv4 + TCP header frame. */
    private static byte[] tcpFrame(int src, int dst, int sport, int dport) {
        byte[] f = new byte[EthernetHeader.HEADER_LENGTH + 40];
        MemorySegment s = MemorySegment.ofArray(f);
        EthernetHeader.write(s, 0, 0x02_00_00_00_00_02L, 0x02_00_00_00_00_01L, EtherType.IPV4);
        Ipv4Header.write(s, EthernetHeader.HEADER_LENGTH, 0, 40, 1, 0, 64, IpProtocol.TCP, src, dst);
        f[EthernetHeader.HEADER_LENGTH + 20] = (byte) (sport >>> 8);
        f[EthernetHeader.HEADER_LENGTH + 21] = (byte) sport;
        f[EthernetHeader.HEADER_LENGTH + 22] = (byte) (dport >>> 8);
        f[EthernetHeader.HEADER_LENGTH + 23] = (byte) dport;
        return f;
    }

    private void receive(byte[] frame) {
        reactor.runOn(0, () -> {
            Packet p = reactor.shard(0).packets().allocateWithHeadroom();
            p.appendBytes(frame, 0, frame.length);
            steering.handle(p);
        });
        reactor.runOnce(); // shard 1 takes forwarded frames; shard 0 takes its buffers back
        reactor.runOnce();
    }

    @Benchmark
    public void local() {
        receive(ownedBy0);
    }

    @Benchmark
    public void forwarded() {
        receive(ownedBy1);
    }
}
