package io.panamax.nic.wire;

import io.panamax.nic.QueueStats;

/**
 * Two NICs connected back to back in one process: what one sends on a queue arrives at the other,
 * on the queue its steering chooses, after the direction's {@link Impairments}.
 *
 * <pre>{@code
 * ManualClock clock = new ManualClock();
 * Wire wire = Wire.pair(WireConfig.builder().clock(clock).seed(42)
 *         .aToB(Impairments.builder().loss(0.01).delay(Duration.ofMillis(5)).build()).build());
 * WireNic client = wire.a(), server = wire.b();
 * }</pre>
 *
 * <p>Both sides may be polled by one thread (a manual reactor: fully deterministic) or each queue
 * by its own shard thread: every (sending queue, receiving queue) pair of a direction has its own
 * single-producer/single-consumer {@link FrameRing}, so no two threads write the same memory.
 */
public final class Wire implements AutoCloseable {
    /** Decision streams: direction A→B uses streams 0.., B→A streams STREAMS_PER_DIRECTION.. */
    private static final long STREAMS_PER_DIRECTION = 1L << 32;

    private final WireConfig config;
    private final WireNic a;
    private final WireNic b;

    private Wire(WireConfig config) {
        this.config = config;
        this.a = new WireNic(config.name() + ":a", config.macA(), config.mtu(), config.queues(), config.steeringToA(),
                config.checksumOffload());
        this.b = new WireNic(config.name() + ":b", config.macB(), config.mtu(), config.queues(), config.steeringToB(),
                config.checksumOffload());
        FrameRing[][] aToB = rings(config);
        FrameRing[][] bToA = rings(config);
        a.connect(queues(a, aToB, bToA, config.aToB(), config.steeringToB(), 0), b);
        b.connect(queues(b, bToA, aToB, config.bToA(), config.steeringToA(), STREAMS_PER_DIRECTION), a);
    }

    /** A new pair of connected NICs. */
    public static Wire pair(WireConfig config) {
        return new Wire(config);
    }

    /** A pair with one queue each, no impairments, on the system clock. */
    public static Wire pair() {
        return pair(WireConfig.builder().build());
    }

    /** The configuration the wire was built with. */
    public WireConfig config() {
        return config;
    }

    /** Side A. */
    public WireNic a() {
        return a;
    }

    /** Side B. */
    public WireNic b() {
        return b;
    }

    /** Closes both sides. */
    @Override
    public void close() {
        a.close();
        b.close();
    }

    /** rings[tx][rx]: the frames from sending queue tx to receiving queue rx of one direction. */
    private static FrameRing[][] rings(WireConfig c) {
        int n = c.queues();
        FrameRing[][] rings = new FrameRing[n][n];
        int maxFrame = c.mtu() + LinkImpairer.ETHERNET_HEADER + LinkImpairer.MAX_TAGS_BYTES;
        for (int tx = 0; tx < n; tx++) {
            for (int rx = 0; rx < n; rx++) {
                rings[tx][rx] = new FrameRing(c.ringSize(), maxFrame);
            }
        }
        return rings;
    }

    private WireQueue[] queues(WireNic nic, FrameRing[][] out, FrameRing[][] in, Impairments impairments,
                               WireSteering peerSteering, long firstStream) {
        int n = out.length;
        WireQueue[] queues = new WireQueue[n];
        for (int q = 0; q < n; q++) {
            FrameRing[] inbound = new FrameRing[n];
            for (int tx = 0; tx < n; tx++) {
                inbound[tx] = in[tx][q];
            }
            QueueStats stats = new QueueStats();
            WireCounters counters = new WireCounters();
            LinkImpairer impairer = new LinkImpairer(impairments, SplitMix64.forStream(config.seed(), firstStream + q),
                    counters, stats, out[q], peerSteering, q, config.mtu(), config.checksumOffload());
            queues[q] = new WireQueue(nic, q, stats, counters, impairer, inbound, config.clock());
        }
        return queues;
    }
}
