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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What the software RSS benchmarks ({@link SoftwareRssBenchmark}, {@code stack.SteeringAllocationBenchmark})
 * steer frames through: a manual reactor of two shards, the {@link RxSteering} of shard 0 over a
 * Toeplitz hash and a 128-entry table spreading flows over both, every frame released where it
 * lands, and TCP frames (Ethernet, IPv4, TCP ports) whose flow belongs to a chosen shard. Both
 * shards run on the benchmark thread, so what is measured is the path's CPU cost, not cross-core
 * latency.
 */
public final class SteeringFixture implements AutoCloseable {
    private static final int SRC = 0x0a000001;
    private static final int DST = 0x0a000002;
    private static final int DST_PORT = 80;

    public final Reactor reactor;
    private final FlowSteering flows;
    private RxSteering steering;

    public SteeringFixture() {
        reactor = Reactor.builder().shards(2).manual().buffersPerShard(4096).build().start();
        flows = FlowSteering.software(Toeplitz.microsoft(), RedirectionTable.spreading(128, 2), 1);
        PacketHandler sink = Packet::release;
        reactor.runOn(0, () -> steering = new RxSteering(reactor.shard(0), flows.copy(), sink, new PacketHandler[] {sink, sink}));
    }

    /**
     * An off-heap TCP frame of the first flow from 10.0.0.1 (source ports from 40000 up) to
     * 10.0.0.2:80 that the steering hands to {@code shard}.
     */
    public MemorySegment frameOwnedBy(int shard) {
        for (int port = 40000; ; port++) {
            if (flows.shardOfIpv4Tcp(SRC, DST, port, DST_PORT) == shard) {
                return tcpFrame(port);
            }
        }
    }

    /** On shard 0: a frame arrives and goes through the steering (call it from a task on shard 0). */
    public void receiveOnShard0(MemorySegment frame, int length) {
        Packet p = reactor.shard(0).packets().allocateWithHeadroom();
        p.appendBytes(frame, 0, length);
        steering.handle(p);
    }

    /** A minimal Ethernet + IPv4 + TCP header frame (the ports; the rest of the TCP header zero). */
    private static MemorySegment tcpFrame(int sport) {
        MemorySegment s = Arena.ofAuto().allocate(EthernetHeader.HEADER_LENGTH + 40);
        EthernetHeader.write(s, 0, 0x02_00_00_00_00_02L, 0x02_00_00_00_00_01L, EtherType.IPV4);
        Ipv4Header.write(s, EthernetHeader.HEADER_LENGTH, 0, 40, 1, 0, 64, IpProtocol.TCP, SRC, DST);
        long tcp = EthernetHeader.HEADER_LENGTH + 20;
        s.set(ValueLayout.JAVA_BYTE, tcp, (byte) (sport >>> 8));
        s.set(ValueLayout.JAVA_BYTE, tcp + 1, (byte) sport);
        s.set(ValueLayout.JAVA_BYTE, tcp + 2, (byte) (DST_PORT >>> 8));
        s.set(ValueLayout.JAVA_BYTE, tcp + 3, (byte) DST_PORT);
        return s;
    }

    @Override
    public void close() {
        reactor.runUntilIdle();
        reactor.stop();
    }
}
