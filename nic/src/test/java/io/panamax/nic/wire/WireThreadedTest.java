package io.panamax.nic.wire;

import io.panamax.nic.NicPoller;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Poller;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.testing.LeakCheck;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The wire between two shard threads: side A on shard 0, side B on shard 1, two queues each, and a
 * steering that sends every flow across queues, so all four rings of each direction carry frames
 * from one thread to the other. B echoes every frame back; A keeps a window of frames per flow
 * so that no ring can overflow, and checks that every echo comes back, in order, unchanged.
 */
class WireThreadedTest {
    private static final int FLOWS = 4;
    private static final int PER_FLOW = 50_000;
    private static final int WINDOW = 64;

    /** Flow f goes out on A's queue f / 2 and arrives on B's queue f % 2; its hash is the flow. */
    private static final WireSteering BY_FLOW = new WireSteering() {
        @Override
        public int queueFor(Packet frame, int txQueue, int queueCount) {
            int flow = frame.getU16(14);
            frame.setRssHash(flow);
            return flow % queueCount;
        }

        @Override
        public boolean setsHash() {
            return true;
        }
    };

    private static long id(int flow, long seq) {
        return (long) flow << 48 | seq;
    }

    private static int lengthOf(long seq) {
        return 60 + (int) (seq * 7 % 1455);
    }

    @Test
    void twoShardThreadsLoseNothing() {
        Wire wire = Wire.pair(WireConfig.builder().queues(2).ringSize(256).steeringToB(BY_FLOW).build());
        // Two busy shards on a shared two-core machine: allow long descheduling before reporting a stall.
        try (Reactor reactor = Reactor.builder().shards(2).pinThreads(false).stallThreshold(Duration.ofMillis(200))
                .build().start()) {
            CompletableFuture<String> done = new CompletableFuture<>();
            AtomicLong badHashes = new AtomicLong();
            reactor.await(reactor.submit(1, () -> {
                for (int q = 0; q < 2; q++) {
                    NicPoller[] self = new NicPoller[1];
                    self[0] = new NicPoller(wire.b().queue(q), p -> {
                        if (!p.hasFlag(Packet.RSS_HASH_VALID) || p.rssHash() != p.getU16(14)) {
                            badHashes.incrementAndGet();
                        }
                        self[0].send(p);
                    });
                    Shard.currentOrThrow().addPoller(self[0]);
                }
                return ShardFuture.done();
            }), Duration.ofSeconds(10));
            reactor.await(reactor.submit(0, () -> {
                new Generator(wire, done).start();
                return ShardFuture.done();
            }), Duration.ofSeconds(10));
            String problem = reactor.await(done, Duration.ofSeconds(120));
            assertEquals("", problem);
            assertEquals(0, badHashes.get(), "frames at B carry the steering's hash");
            assertEquals(0, wire.a().outboundStats().dropped());
            assertEquals(0, wire.b().outboundStats().dropped());
            assertEquals(FLOWS * (long) PER_FLOW, wire.b().totals().rxPackets());
            assertEquals(FLOWS * (long) PER_FLOW, wire.a().totals().rxPackets());
            LeakCheck.assertNoLeaks(reactor);
        }
    }

    /** Shard 0: sends each flow's frames within its window and checks the echoes. */
    private static final class Generator implements Poller {
        private final Wire wire;
        private final CompletableFuture<String> done;
        private final NicPoller[] queues = new NicPoller[2];
        private final long[] sent = new long[FLOWS];
        private final long[] echoed = new long[FLOWS];
        private final StringBuilder problems = new StringBuilder();
        private long complete;

        Generator(Wire wire, CompletableFuture<String> done) {
            this.wire = wire;
            this.done = done;
        }

        void start() {
            for (int q = 0; q < 2; q++) {
                queues[q] = new NicPoller(wire.a().queue(q), this::echo);
                Shard.currentOrThrow().addPoller(queues[q]);
            }
            Shard.currentOrThrow().addPoller(this);
        }

        @Override
        public int poll() {
            int work = 0;
            for (int f = 0; f < FLOWS; f++) {
                while (sent[f] < PER_FLOW && sent[f] - echoed[f] < WINDOW) {
                    byte[] frame = TestFrames.numbered(id(f, sent[f]), lengthOf(sent[f]));
                    frame[14] = 0;
                    frame[15] = (byte) f;
                    Packet p = Shard.currentOrThrow().packets().allocateWithHeadroom();
                    if (p == null) {
                        return work;
                    }
                    p.appendBytes(frame, 0, frame.length);
                    queues[f / 2].send(p);
                    sent[f]++;
                    work++;
                }
            }
            return work;
        }

        private void echo(Packet p) {
            byte[] got = p.toByteArray();
            int flow = got[15];
            boolean hashed = p.hasFlag(Packet.RSS_HASH_VALID);
            p.release();
            long seq = echoed[flow]++;
            byte[] expected = TestFrames.numbered(id(flow, seq), lengthOf(seq));
            expected[14] = 0;
            expected[15] = (byte) flow;
            try {
                assertArrayEquals(expected, got, "flow " + flow + " frame " + seq);
                assertEquals(false, hashed, "B to A uses the default steering: no hash");
            } catch (AssertionError e) {
                if (problems.length() < 2000) {
                    problems.append(e.getMessage()).append('\n');
                }
            }
            if (echoed[flow] == PER_FLOW && ++complete == FLOWS) {
                done.complete(problems.toString());
            }
        }
    }
}
