package io.panamax.reactor;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Messages between running shards: nothing lost, order kept per ordered pair, back-pressure. */
class CrossShardMessagingTest {

    @Test
    void tenMillionMessagesBetweenEveryOrderedPairOfFourShards() {
        try (Reactor r = Reactor.builder().shards(4).stallThreshold(Duration.ZERO).build().start()) {
            long start = System.nanoTime();
            MessageStorm storm = new MessageStorm(r, 10_000_000, 1024, 4096);
            List<String> problems = storm.run(Duration.ofMinutes(5));
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.println("10M x 12 pairs: " + ms + " ms, " + storm.deferred() + " went through an overflow");
            assertEquals(List.of(), problems);
            assertEquals(4 * 3 * 10_000_000L, r.metrics().total("reactor_messages_received_total") - 4 /* the submits */);
        }
    }

    @Test
    void tinyQueuesForceTheOverflowPathAndNothingIsLostOrReordered() {
        try (Reactor r = Reactor.builder().shards(4).messageQueueCapacity(2).stallThreshold(Duration.ZERO).build().start()) {
            MessageStorm storm = new MessageStorm(r, 200_000, 4096, 1 << 16);
            assertEquals(List.of(), storm.run(Duration.ofMinutes(2)));
            assertTrue(storm.deferred() > 100_000, "most messages waited in an overflow: " + storm.deferred());
        }
    }

    @Test
    void aBurstLargerThanTheQueueWaitsInOrderAndDrains() {
        try (Reactor r = Reactor.builder().shards(2).messageQueueCapacity(8).stallThreshold(Duration.ZERO).build().start()) {
            int n = 200_000;
            long[] expected = {0};
            List<String> problems = new ArrayList<>();
            CountDownLatch received = new CountDownLatch(1);
            int deferredRightAfter = r.await(r.submit(0, () -> {
                Shard s = Shard.current();
                for (int i = 0; i < n; i++) {
                    long seq = i;
                    s.send(1, target -> {
                        if (expected[0]++ != seq && problems.size() < 5) {
                            problems.add("got " + seq + " expected " + (expected[0] - 1));
                        }
                        if (expected[0] == n) {
                            received.countDown();
                        }
                    });
                }
                return ShardFuture.succeeded(s.deferredTo(1));
            }), Duration.ofSeconds(30));
            // The queue holds 8 (shard 1 may take a few while the first ones go in); once one message
            // waits, every later one waits behind it, whatever shard 1 drains meanwhile.
            assertTrue(deferredRightAfter >= n - 100, "the rest waits: " + deferredRightAfter);
            assertTrue(awaitLatch(received), "all delivered");
            assertEquals(List.of(), problems);
            assertEquals(0, (int) r.await(r.submit(0, () -> ShardFuture.succeeded(Shard.current().deferredTo(1))),
                    Duration.ofSeconds(10)));
            assertTrue(r.metrics().shard(0).all().stream()
                    .anyMatch(m -> m.name().equals("reactor_messages_deferred_total") && m.value() >= deferredRightAfter),
                    "every message that waited was counted");
        }
    }

    @Test
    void submitToRoundTripsCarryValuesBack() {
        try (Reactor r = Reactor.builder().shards(4).stallThreshold(Duration.ZERO).build().start()) {
            int rounds = 20_000;
            // Sequential round trips from shard 0 to shards 1..3 in turn.
            long sum = r.await(r.submit(0, () -> {
                long[] acc = {0};
                int[] i = {0};
                return ShardFuture.doUntil(() -> i[0] == rounds, () -> {
                    int k = i[0]++;
                    int target = 1 + k % 3;
                    return Shard.current().submitTo(target, () -> ShardFuture.succeeded((long) Shard.current().id() * k))
                            .map(v -> acc[0] += v);
                }).map(v -> acc[0]);
            }), Duration.ofMinutes(1));
            long expected = 0;
            for (int k = 0; k < rounds; k++) {
                expected += (long) (1 + k % 3) * k;
            }
            assertEquals(expected, sum);
            // Many in flight at once, from every shard to every other.
            List<CompletableFuture<List<Integer>>> all = new ArrayList<>();
            for (int from = 0; from < 4; from++) {
                int f = from;
                all.add(r.submit(from, () -> {
                    List<ShardFuture<Integer>> calls = new ArrayList<>();
                    for (int k = 0; k < 10_000; k++) {
                        int target = (f + 1 + k % 3) % 4;
                        int v = k;
                        calls.add(Shard.current().submitTo(target, () -> ShardFuture.succeeded(v * 10 + Shard.current().id())));
                    }
                    return ShardFuture.allOf(calls);
                }));
            }
            for (int from = 0; from < 4; from++) {
                List<Integer> values = r.await(all.get(from), Duration.ofMinutes(1));
                for (int k = 0; k < 10_000; k++) {
                    assertEquals(k * 10 + (from + 1 + k % 3) % 4, values.get(k));
                }
            }
        }
    }

    @Test
    void submitToCarriesFailuresPendingResultsAndNulls() {
        try (Reactor r = Reactor.builder().shards(2).stallThreshold(Duration.ZERO).build().start()) {
            IllegalStateException thrown = new IllegalStateException("thrown on 1");
            IOException failed = new IOException("failed on 1");
            AtomicReference<Throwable> seenThrown = new AtomicReference<>();
            AtomicReference<Throwable> seenFailed = new AtomicReference<>();
            r.await(r.submit(0, () -> {
                Shard s = Shard.current();
                ShardFuture<Object> a = s.submitTo(1, () -> { throw thrown; }).whenComplete((v, e) -> seenThrown.set(e));
                ShardFuture<Object> b = s.submitTo(1, () -> ShardFuture.failed(failed)).whenComplete((v, e) -> seenFailed.set(e));
                return ShardFuture.whenAll(a.recover(e -> null), b.recover(e -> null));
            }), Duration.ofSeconds(30));
            assertSame(thrown, seenThrown.get());
            assertSame(failed, seenFailed.get());

            String late = r.await(r.submit(0, () -> Shard.current().submitTo(1, () -> {
                Promise<String> p = new Promise<>();
                Shard.current().timers().schedule(20_000_000, () -> p.complete("from a timer on " + Shard.current().id()));
                return p;
            })), Duration.ofSeconds(30));
            assertEquals("from a timer on 1", late);
            assertNull(r.await(r.submit(0, () -> Shard.current().submitTo(1, () -> null)), Duration.ofSeconds(30)));
            // To itself: runs at once.
            assertEquals(0, (int) r.await(r.submit(0, () -> {
                ShardFuture<Integer> f = Shard.current().submitTo(0, () -> ShardFuture.succeeded(Shard.current().id()));
                assertTrue(f.isDone(), "a call to the shard itself is a plain call");
                return f;
            }), Duration.ofSeconds(30)));
            IOException self = new IOException();
            assertSame(self, assertThrows(IllegalStateException.class, () -> r.await(r.submit(0,
                    () -> Shard.current().submitTo(0, () -> { throw new IllegalStateException(self); })),
                    Duration.ofSeconds(30))).getCause());
        }
    }

    @Test
    void submitToWorksInManualMode() {
        try (ManualShard m = new ManualShard(3)) {
            int v = m.reactor.await(m.reactor.submit(2, () -> Shard.current().submitTo(0,
                    () -> Shard.current().submitTo(1, () -> ShardFuture.succeeded(Shard.current().id() + 40))
                            .map(x -> x + Shard.current().id() + 1))), Duration.ofSeconds(10));
            assertEquals(42, v);
        }
    }

    @Test
    void executeFromThreadsOutsideTheReactorLosesNothingAndKeepsEachThreadsOrder() throws Exception {
        try (Reactor r = Reactor.builder().shards(2).stallThreshold(Duration.ZERO).build().start()) {
            int threads = 4;
            int perThread = 250_000;
            long[][] next = new long[2][threads]; // per target shard, per sending thread; touched by the shard
            ConcurrentHashMap<String, String> problems = new ConcurrentHashMap<>();
            CountDownLatch done = new CountDownLatch(2 * threads);
            List<Thread> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                senders.add(Thread.ofPlatform().name("outside-" + t).start(() -> {
                    for (int i = 0; i < perThread; i++) {
                        int seq = i;
                        for (int target = 0; target < 2; target++) {
                            int tg = target;
                            r.shard(target).execute(() -> {
                                if (Shard.current() != r.shard(tg)) {
                                    problems.put("wrong shard", "task for " + tg + " ran on " + Shard.current());
                                }
                                if (next[tg][id]++ != seq) {
                                    problems.putIfAbsent("order " + tg + "/" + id, "got " + seq + " expected " + (next[tg][id] - 1));
                                }
                                if (seq == perThread - 1) {
                                    done.countDown();
                                }
                            });
                        }
                    }
                }));
            }
            for (Thread t : senders) {
                t.join();
            }
            assertTrue(done.await(60, TimeUnit.SECONDS), "every task ran");
            assertEquals(java.util.Map.of(), problems);
        }
    }

    @Test
    void executeFromAnotherShardTravelsInOrderWithItsOtherMessages() {
        try (Reactor r = Reactor.builder().shards(2).messageQueueCapacity(4).stallThreshold(Duration.ZERO).build().start()) {
            List<Integer> seen = new ArrayList<>(); // touched only by shard 1
            CountDownLatch done = new CountDownLatch(1);
            r.await(r.submit(0, () -> {
                Shard s = Shard.current();
                for (int i = 0; i < 1000; i++) {
                    int v = i;
                    if (i % 2 == 0) {
                        r.shard(1).execute(() -> seen.add(v));
                    } else {
                        s.send(1, target -> seen.add(v));
                    }
                }
                r.shard(1).execute(done::countDown);
                return ShardFuture.done();
            }), Duration.ofSeconds(10));
            assertTrue(awaitLatch(done));
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                expected.add(i);
            }
            assertEquals(expected, r.await(r.submit(1, () -> ShardFuture.succeeded(new ArrayList<>(seen))), Duration.ofSeconds(10)));
        }
    }

    @Test
    void sendingFromOutsideTheShardIsRefused() {
        try (Reactor r = Reactor.builder().shards(2).build().start()) {
            assertThrows(IllegalStateException.class, () -> r.shard(0).send(1, s -> { }));
            assertThrows(IllegalStateException.class, () -> r.shard(0).submitTo(1, ShardFuture::done));
            assertThrows(IllegalStateException.class, () -> r.shard(0).schedule(() -> { }));
        }
    }

    private static boolean awaitLatch(CountDownLatch latch) {
        try {
            return latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
