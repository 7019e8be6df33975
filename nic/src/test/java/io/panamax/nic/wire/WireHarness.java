package io.panamax.nic.wire;

import io.panamax.nic.NicPoller;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.testing.LeakCheck;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A wire between the two shards of a manual reactor on a {@link ManualClock}: shard 0 polls every
 * queue of side A, shard 1 every queue of side B. Everything runs on the test's thread, so a run is
 * fully deterministic. Received frames are copied out and released at once.
 */
final class WireHarness implements AutoCloseable {
    /** A frame as a queue received it. */
    record Received(byte[] bytes, long atNanos, boolean hashed, int hash) {
    }

    final ManualClock clock = new ManualClock();
    final Reactor reactor;
    final Wire wire;
    private final NicPoller[] pollersA;
    private final NicPoller[] pollersB;
    final List<List<Received>> atA = new ArrayList<>();
    final List<List<Received>> atB = new ArrayList<>();
    /** When true, received packets are kept (not released) in {@link #kept}. */
    boolean keep;
    final List<Packet> kept = new ArrayList<>();

    WireHarness(WireConfig.Builder config) {
        this(config, 8192);
    }

    WireHarness(WireConfig.Builder config, int buffersPerShard) {
        reactor = Reactor.builder().shards(2).manual().clock(clock).buffersPerShard(buffersPerShard).build().start();
        wire = Wire.pair(config.clock(clock).build());
        int n = wire.config().queues();
        pollersA = new NicPoller[n];
        pollersB = new NicPoller[n];
        for (int q = 0; q < n; q++) {
            atA.add(new ArrayList<>());
            atB.add(new ArrayList<>());
        }
        reactor.runOn(0, () -> attach(wire.a(), pollersA, atA));
        reactor.runOn(1, () -> attach(wire.b(), pollersB, atB));
    }

    private void attach(WireNic nic, NicPoller[] pollers, List<List<Received>> sink) {
        for (int q = 0; q < pollers.length; q++) {
            List<Received> into = sink.get(q);
            pollers[q] = new NicPoller(nic.queue(q), p -> record(into, p));
            Shard.currentOrThrow().addPoller(pollers[q]);
        }
    }

    private void record(List<Received> into, Packet p) {
        into.add(new Received(p.toByteArray(), clock.nanoTime(), p.hasFlag(Packet.RSS_HASH_VALID), p.rssHash()));
        if (keep) {
            kept.add(p);
        } else {
            p.release();
        }
    }

    /** Queues {@code frame} for sending on side A's queue {@code queue} (sent when the loop flushes). */
    void sendFromA(int queue, byte[] frame) {
        send(0, pollersA[queue], frame);
    }

    void sendFromB(int queue, byte[] frame) {
        send(1, pollersB[queue], frame);
    }

    private void send(int shard, NicPoller poller, byte[] frame) {
        reactor.runOn(shard, () -> {
            Packet p = Shard.currentOrThrow().packets().allocateWithHeadroom();
            if (p.appendBytes(frame, 0, frame.length) != frame.length) {
                throw new IllegalStateException("test frame does not fit the pool");
            }
            poller.send(p);
        });
    }

    /** Runs the loops until nothing is left to do now (time does not move). */
    void pump() {
        reactor.runUntilIdle();
    }

    /** Lets {@code d} of virtual time pass, running every timer on the way. */
    void advance(Duration d) {
        reactor.advance(d);
    }

    List<Received> receivedAtB(int queue) {
        return atB.get(queue);
    }

    /** Frames received on side B, all queues, in the order of each queue (queue 0 first). */
    List<byte[]> allBytesAtB() {
        List<byte[]> all = new ArrayList<>();
        for (List<Received> q : atB) {
            for (Received r : q) {
                all.add(r.bytes());
            }
        }
        return all;
    }

    void releaseKept() {
        reactor.runOn(1, () -> {
            for (Packet p : kept) {
                p.release();
            }
        });
        kept.clear();
    }

    /** Lets held and delayed frames drain, checks that every buffer came back, and stops the reactor. */
    @Override
    public void close() {
        try {
            reactor.advance(Duration.ofSeconds(10));
            releaseKept();
            LeakCheck.assertNoLeaks(reactor);
        } finally {
            reactor.close();
            wire.close();
        }
    }
}
