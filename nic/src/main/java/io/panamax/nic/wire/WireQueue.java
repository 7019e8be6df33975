package io.panamax.nic.wire;

import io.panamax.nic.NicQueue;
import io.panamax.nic.QueueStats;
import io.panamax.reactor.Clock;
import io.panamax.reactor.Shard;
import io.panamax.reactor.Timer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;

/**
 * One queue pair of a {@link WireNic}. Transmit hands frames to the direction's
 * {@link LinkImpairer}; receive takes the frames that are due from the rings of every peer queue
 * (round robin, so no sending queue starves the others) and copies each into a buffer of the
 * attached pool, as a NIC's DMA would: each side owns its memory.
 *
 * <p>When frames wait (a delay, a rate limit, a frame held back), the queue arms a timer on its
 * shard for the moment the next one is due: a parked shard wakes in time, and a manual reactor
 * with a {@code ManualClock} jumps straight there.
 */
final class WireQueue implements NicQueue {
    private static final Runnable WAKE_ONLY = () -> { };

    private final WireNic nic;
    private final int id;
    private final QueueStats stats;
    private final WireCounters counters;
    private final LinkImpairer outbound;
    private final FrameRing[] inbound;
    private final Clock clock;
    private PacketPool pool;
    private Timer wakeup;
    private int firstRing;

    WireQueue(WireNic nic, int id, QueueStats stats, WireCounters counters, LinkImpairer outbound,
              FrameRing[] inbound, Clock clock) {
        this.nic = nic;
        this.id = id;
        this.stats = stats;
        this.counters = counters;
        this.outbound = outbound;
        this.inbound = inbound;
        this.clock = clock;
    }

    @Override
    public int id() {
        return id;
    }

    WireCounters counters() {
        return counters;
    }

    /**
     * Binds the queue to the pool's shard. The shard must run on the wire's clock, or delays and
     * rate limits would be measured on one clock and waited for on another.
     */
    @Override
    public void attach(PacketPool packets) {
        Shard shard = packets.owner();
        if (shard != null) {
            if (shard.clock() != clock) {
                throw new IllegalStateException(nic.name() + " queue " + id + ": the shard runs on a different clock "
                        + "than the wire; build the wire with WireConfig.builder().clock(theReactorsClock)");
            }
            if (shard.isCurrent()) {
                wakeup = shard.timers().newTimer(WAKE_ONLY);
                shard.onStop(outbound::dropHeld);
            }
        }
        this.pool = packets;
    }

    @Override
    public int receive(Packet[] out, int max) {
        PacketPool packets = pool;
        if (packets == null) {
            throw new IllegalStateException(nic.name() + " queue " + id + ": attach() before receive()");
        }
        long now = clock.nanoTime();
        outbound.releaseExpired(now);
        int n = 0;
        long nextDue = Long.MAX_VALUE;
        int rings = inbound.length;
        int r = firstRing;
        for (int k = 0; k < rings && n < max; k++) {
            FrameRing ring = inbound[r];
            while (n < max && ring.hasFrame()) {
                long due = ring.headDue();
                if (due > now) {
                    nextDue = Math.min(nextDue, due);
                    break;
                }
                Packet p = copyHead(ring, packets);
                ring.advance();
                if (p != null) {
                    out[n++] = p;
                }
            }
            if (++r == rings) {
                r = 0;
            }
        }
        firstRing = firstRing + 1 == rings ? 0 : firstRing + 1;
        wakeAt(Math.min(nextDue, outbound.nextRelease()));
        return n;
    }

    /** The head frame in a buffer of our own, or null (counted) when the pool is out of buffers. */
    private Packet copyHead(FrameRing ring, PacketPool packets) {
        int length = ring.headLength();
        Packet p = packets.allocateWithHeadroom();
        if (p == null) {
            stats.rxDrops.increment();
            return null;
        }
        if (p.appendBytes(ring.memory(), ring.headData(), length) < length) {
            p.release();
            stats.rxDrops.increment();
            return null;
        }
        int flags = ring.headFlags();
        if ((flags & FrameRing.HASH_VALID) != 0) {
            p.setRssHash(ring.headHash());
        }
        if ((flags & FrameRing.IP_CHECKSUM_VOUCHED) != 0) {
            p.addFlags(Packet.RX_IP_CHECKSUM_GOOD);
        }
        if ((flags & FrameRing.L4_CHECKSUM_VOUCHED) != 0) {
            p.addFlags(Packet.RX_L4_CHECKSUM_GOOD);
        }
        stats.rxPackets.increment();
        stats.rxBytes.add(length);
        return p;
    }

    /** Takes every frame: the wire drops (and counts) what it cannot carry instead of refusing it. */
    @Override
    public int transmit(Packet[] packets, int count) {
        long now = clock.nanoTime();
        outbound.releaseExpired(now);
        for (int i = 0; i < count; i++) {
            outbound.submit(packets[i], now);
        }
        wakeAt(outbound.nextRelease());
        return count;
    }

    private void wakeAt(long deadline) {
        Timer t = wakeup;
        if (t != null && deadline != Long.MAX_VALUE && (!t.isArmed() || t.deadline() > deadline)) {
            t.armAt(deadline);
        }
    }

    @Override
    public QueueStats stats() {
        return stats;
    }

    @Override
    public String toString() {
        return nic.name() + "/q" + id;
    }
}
