package io.panamax.reactor.buffer;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Promise;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.testing.LeakCheck;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Packets and buffers that move between shards go home to their own pools; nothing leaks. */
class CrossShardPacketTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private static Reactor threaded(int shards) {
        return Reactor.builder().shards(shards).buffersPerShard(1024).stallThreshold(Duration.ZERO).build().start();
    }

    private static Packet packetOf(byte[] bytes) {
        Packet p = Shard.current().packets().allocateWithHeadroom();
        assertEquals(bytes.length, p.appendBytes(bytes, 0, bytes.length));
        return p;
    }

    @Test
    void aBufferReleasedOnAnotherShardGoesHome() {
        try (Reactor r = threaded(2)) {
            for (int round = 0; round < 100; round++) {
                r.await(r.submit(0, () -> {
                    Packet p = packetOf(new byte[3000]); // two buffers
                    assertEquals(2, p.fragmentCount());
                    return Shard.current().submitTo(1, () -> {
                        p.release(); // on shard 1: the buffers and the wrapper travel back to shard 0
                        return ShardFuture.succeeded(Shard.current().buffers().available());
                    });
                }), LIMIT);
            }
            LeakCheck.assertNoLeaks(r);
            assertEquals(1024, r.await(r.submit(1, () -> ShardFuture.succeeded(Shard.current().buffers().available())), LIMIT),
                    "shard 1's own pool was never touched");
        }
    }

    @Test
    void aViewReleasedOnAnotherShardDropsOnlyItsReference() {
        try (Reactor r = threaded(2)) {
            byte[] data = new byte[200];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 7);
            }
            byte[] seen = r.await(r.submit(0, () -> {
                Packet p = packetOf(data);
                Packet view = p.share(50, 100);
                return Shard.current().submitTo(1, () -> {
                    byte[] bytes = view.toByteArray();
                    view.release();
                    return ShardFuture.succeeded(bytes);
                }).whenComplete((v, e) -> {
                    assertEquals(1, p.fragmentBuffer(0).refCnt(), "the view's reference is gone, ours is kept");
                    p.release();
                });
            }), LIMIT);
            byte[] expected = new byte[100];
            System.arraycopy(data, 50, expected, 0, 100);
            assertArrayEquals(expected, seen);
            LeakCheck.assertNoLeaks(r);
        }
    }

    @Test
    void forwardHandsAPacketToAHandlerOnTheTargetShard() {
        try (Reactor r = threaded(3)) {
            int n = 10_000;
            int inFlight = 500; // of the 1024 buffers of shard 0
            // Each packet goes round the ring 0 -> 1 -> 2 -> 0, each hop checks and adds a byte.
            List<String> problems = new ArrayList<>();
            Integer arrived = r.await(r.submit(0, () -> new Ring(Shard.current(), n, inFlight, problems).start()), LIMIT);
            assertEquals(n, arrived);
            assertEquals(List.of(), problems);
            LeakCheck.assertNoLeaks(r);
        }
    }

    /** Packets travelling 0 -> 1 -> 2 -> 0, at most {@code inFlight} at a time. */
    private static final class Ring {
        private final Shard home;
        private final int n;
        private final int inFlight;
        private final List<String> problems;
        private final Promise<Integer> done = new Promise<>();
        private int sent;
        private int back;

        Ring(Shard home, int n, int inFlight, List<String> problems) {
            this.home = home;
            this.n = n;
            this.inFlight = inFlight;
            this.problems = problems;
        }

        ShardFuture<Integer> start() {
            while (sent < inFlight) {
                sendOne();
            }
            return done;
        }

        private void sendOne() {
            Packet p = packetOf(new byte[] {(byte) sent++});
            p.forward(home, 1, this::atShard1);
        }

        private void atShard1(Packet p) {
            p.appendBytes(new byte[] {1}, 0, 1);
            p.forward(Shard.current(), 2, this::atShard2);
        }

        private void atShard2(Packet p) {
            p.appendBytes(new byte[] {2}, 0, 1);
            p.forward(Shard.current(), 0, this::backHome);
        }

        private void backHome(Packet p) {
            if (Shard.current() != home || p.length() != 3 || p.getU8(1) != 1 || p.getU8(2) != 2) {
                problems.add("bad arrival: " + p);
            }
            p.release();
            if (++back == n) {
                done.complete(back);
            } else if (sent < n) {
                sendOne();
            }
        }
    }

    @Test
    void aForwardedPacketDrawsNewBuffersAndViewsFromTheShardItIsOn() {
        try (Reactor r = threaded(2)) {
            AtomicReference<String> failure = new AtomicReference<>();
            r.await(r.submit(0, () -> {
                Packet p = packetOf(new byte[] {1, 2, 3, 4});
                Promise<Void> done = new Promise<>();
                Shard s0 = Shard.current();
                p.forward(s0, 1, q -> {
                    try {
                        Shard here = Shard.current();
                        Packet view = q.share(1, 2);
                        assertSame(here.packets(), view.pool(), "a view's wrapper comes from this shard's pool");
                        q.prepend(500); // more than the headroom: a new buffer in front
                        assertSame(here.buffers(), q.fragmentBuffer(0).pool(), "the new buffer is this shard's");
                        assertSame(s0.buffers(), q.fragmentBuffer(1).pool(), "the old one is still shard 0's");
                        assertTrue(q.linearize(502));
                        assertSame(here.buffers(), q.fragmentBuffer(0).pool());
                        view.release();
                        q.release();
                    } catch (Throwable e) {
                        failure.set(e.toString());
                    }
                    s0.execute(() -> done.complete(null));
                });
                return done;
            }), LIMIT);
            assertEquals(null, failure.get());
            LeakCheck.assertNoLeaks(r);
        }
    }

    @Test
    void packetsAndBuffersReleasedOutsideTheReactorGoHome() throws Exception {
        try (Reactor r = threaded(2)) {
            List<Packet> out = r.await(r.submit(1, () -> {
                List<Packet> ps = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    ps.add(packetOf(new byte[100]));
                }
                return ShardFuture.succeeded(ps);
            }), LIMIT);
            Thread t = new Thread(() -> out.forEach(Packet::release), "not-a-shard");
            t.start();
            t.join();
            LeakCheck.assertNoLeaks(r);
        }
    }

    @Test
    void crossShardReleaseInManualMode() {
        try (Reactor r = Reactor.builder().shards(2).manual().clock(new ManualClock()).buffersPerShard(16).build().start()) {
            Packet[] p = new Packet[1];
            r.runOn(0, () -> p[0] = packetOf(new byte[10]));
            r.runOn(1, () -> p[0].release());
            r.runOn(0, () -> assertEquals(15, Shard.current().buffers().available(), "still on its way home"));
            r.runUntilIdle();
            r.runOn(0, () -> assertEquals(16, Shard.current().buffers().available()));
            LeakCheck.assertNoLeaks(r);
        }
    }

    /**
     * The TAP/DPDK transmit path of a shard without a NIC queue of its own: it lends each frame, a
     * slice of its send buffer, to the queue's shard while keeping the send buffer's references.
     * The borrower's release must not change a reference count (plain ints, the lender's), only
     * send the frame back. Deterministic (manual mode): the counts are looked at between the
     * shards' turns.
     */
    @Test
    void aLentPacketReleasedByTheBorrowerIsReleasedByTheLender() {
        try (Reactor r = Reactor.builder().shards(2).manual().clock(new ManualClock()).buffersPerShard(16).build().start()) {
            Packet[] kept = new Packet[1];
            Packet[] lent = new Packet[1];
            r.runOn(1, () -> {
                kept[0] = packetOf(new byte[100]); // the send buffer's packet
                lent[0] = kept[0].share(10, 50);   // the frame's payload: the same buffer
                assertEquals(2, kept[0].fragmentBuffer(0).refCnt());
                lent[0].lend(Shard.current(), 0, Packet::release); // shard 0 "transmits" and releases
            });
            r.runOn(0, () -> {
            });
            r.runUntilIdle();
            r.runOn(1, () -> {
                assertEquals(1, kept[0].fragmentBuffer(0).refCnt(), "the lender dropped the frame's reference");
                kept[0].release();
            });
            r.runUntilIdle();
            r.runOn(1, () -> assertEquals(16, Shard.current().buffers().available()));
            LeakCheck.assertNoLeaks(r);
        }
    }

    /**
     * The race itself, on two threaded shards: shard 1 keeps views of a buffer (taking and dropping
     * references, as TCP slices and acknowledges its send buffer) while the frames it lent to
     * shard 0 are released there. With {@link Packet#forward} instead of {@link Packet#lend} the
     * counts were decremented on both threads at once: buffers freed twice or never.
     */
    @Test
    void lentFramesReleasedElsewhereWhileTheLenderKeepsSharingTheirBuffers() {
        try (Reactor r = threaded(2)) {
            int rounds = 20_000;
            Integer done = r.await(r.submit(1, () -> {
                Shard here = Shard.current();
                Promise<Integer> all = new Promise<>();
                Packet sendBuffer = packetOf(new byte[1000]);
                int[] back = new int[1];
                for (int i = 0; i < rounds; i++) {
                    Packet frame = sendBuffer.share(i % 900, 100);
                    frame.lend(here, 0, f -> {
                        f.release();
                        here.execute(() -> {
                            if (++back[0] == rounds) {
                                sendBuffer.release();
                                all.complete(back[0]);
                            }
                        });
                    });
                    // Meanwhile the lender keeps counting the same buffer.
                    sendBuffer.share(0, 10).release();
                }
                return all;
            }), LIMIT);
            assertEquals(rounds, done);
            LeakCheck.assertNoLeaks(r);
        }
    }

    @Test
    void theLeakCheckNamesWhatIsMissing() {
        try (Reactor r = Reactor.builder().shards(2).manual().clock(new ManualClock()).buffersPerShard(16).build().start()) {
            Packet[] p = new Packet[1];
            r.runOn(1, () -> p[0] = packetOf(new byte[10]));
            AssertionFailedError e = assertThrows(AssertionFailedError.class,
                    () -> LeakCheck.assertNoLeaks(r, Duration.ofMillis(50)));
            assertTrue(e.getMessage().contains("shard 1: 1 buffer(s) and 1 packet(s) not returned"), e.getMessage());
            r.runOn(1, () -> p[0].release());
            LeakCheck.assertNoLeaks(r);
        }
    }
}
