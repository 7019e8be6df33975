package io.panamax.reactor;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Timers on shards: virtual time in manual mode, and the real clock on running shards. */
class ReactorTimerTest {
    private static final long MS = 1_000_000L;

    @Test
    void advanceRunsEachShardsTimersOnThatShard() {
        try (ManualShard m = new ManualShard(3)) {
            List<String> fired = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int id = i;
                m.reactor.runOn(i, () -> Shard.current().timers().schedule((id + 1) * 100 * MS, () -> {
                    assertSame(m.reactor.shard(id), Shard.current());
                    fired.add("shard " + id + " at " + (m.clock.nanoTime() / MS));
                }));
            }
            long start = m.clock.nanoTime() / MS;
            m.advance(Duration.ofMillis(250));
            assertEquals(2, fired.size());
            assertEquals(start + 250, m.clock.nanoTime() / MS, "advance ends exactly where it was told");
            m.advance(Duration.ofMillis(100));
            assertEquals(3, fired.size());
            for (int i = 0; i < 3; i++) {
                long at = Long.parseLong(fired.get(i).substring(fired.get(i).lastIndexOf(' ') + 1));
                assertTrue(at >= start + (i + 1) * 100 && at <= start + (i + 1) * 100 + 1, fired.get(i));
            }
        }
    }

    @Test
    void runUntilJumpsVirtualTimeToTheNextTimer() {
        try (ManualShard m = new ManualShard()) {
            boolean[] done = {false};
            m.run(() -> Shard.current().timers().schedule(Duration.ofMinutes(10).toNanos(), () -> done[0] = true));
            long wallStart = System.nanoTime();
            long start = m.clock.nanoTime();
            m.reactor.runUntil(() -> done[0], Duration.ofHours(1));
            long virtual = m.clock.nanoTime() - start;
            assertTrue(virtual >= Duration.ofMinutes(10).toNanos() && virtual < Duration.ofMinutes(10).toNanos() + MS,
                    "virtual time moved to the timer: " + virtual);
            assertTrue(System.nanoTime() - wallStart < Duration.ofSeconds(30).toNanos(), "without waiting for it");
        }
    }

    @Test
    void runUntilFailsWhenTheConditionCannotBecomeTrueInTime() {
        try (ManualShard m = new ManualShard()) {
            assertThrows(IllegalStateException.class, () -> m.reactor.runUntil(() -> false, Duration.ofSeconds(1)),
                    "nothing armed");
            boolean[] done = {false};
            m.run(() -> Shard.current().timers().schedule(Duration.ofHours(2).toNanos(), () -> done[0] = true));
            assertThrows(IllegalStateException.class, () -> m.reactor.runUntil(() -> done[0], Duration.ofHours(1)));
            assertTrue(!done[0]);
        }
    }

    @Test
    void awaitInManualModeMovesVirtualTimeForATimerDrivenResult() {
        try (ManualShard m = new ManualShard(2)) {
            long start = m.clock.nanoTime();
            CompletableFuture<String> f = m.reactor.submit(0, () -> Shard.current().submitTo(1, () -> {
                Promise<String> p = new Promise<>();
                Shard.current().timers().schedule(Duration.ofSeconds(30).toNanos(), () -> p.complete("late"));
                return p;
            }));
            assertEquals("late", m.reactor.await(f, Duration.ofMinutes(1)));
            assertTrue(m.clock.nanoTime() - start >= Duration.ofSeconds(30).toNanos());
        }
    }

    @Test
    void farTimersFireAfterWeeksOfVirtualTime() {
        try (ManualShard m = new ManualShard()) {
            long start = m.clock.nanoTime();
            long[] firedAt = {0, 0};
            m.run(() -> {
                Shard.current().timers().schedule(Duration.ofDays(14).toNanos(), () -> firedAt[0] = m.clock.nanoTime());
                Shard.current().timers().schedule(Duration.ofDays(40).toNanos() + 123, () -> firedAt[1] = m.clock.nanoTime());
            });
            m.advance(Duration.ofDays(13));
            assertEquals(0, firedAt[0]);
            m.advance(Duration.ofDays(1).minusNanos(1));
            assertEquals(0, firedAt[0], "one nanosecond early");
            m.advance(Duration.ofMillis(1));
            assertTrue(firedAt[0] - start >= Duration.ofDays(14).toNanos());
            assertTrue(firedAt[0] - start <= Duration.ofDays(14).toNanos() + TimerWheel.TICK_NANOS);
            m.advance(Duration.ofDays(30));
            assertTrue(firedAt[1] - start >= Duration.ofDays(40).toNanos() + 123);
            assertTrue(firedAt[1] - start <= Duration.ofDays(40).toNanos() + 123 + TimerWheel.TICK_NANOS);
        }
    }

    @Test
    void aTimerReArmedFromItsActionRunsPeriodicallyUnderAdvance() {
        try (ManualShard m = new ManualShard()) {
            List<Long> at = new ArrayList<>();
            Timer[] t = new Timer[1];
            m.run(() -> {
                t[0] = Shard.current().timers().newTimer(() -> {
                    at.add(m.clock.nanoTime());
                    t[0].arm(Duration.ofSeconds(1).toNanos());
                });
                t[0].arm(Duration.ofSeconds(1).toNanos());
            });
            m.advance(Duration.ofMinutes(1).plusMillis(500));
            assertEquals(60, at.size());
            for (int i = 1; i < at.size(); i++) {
                long gap = at.get(i) - at.get(i - 1);
                assertTrue(gap >= Duration.ofSeconds(1).toNanos() && gap <= Duration.ofSeconds(1).toNanos() + TimerWheel.TICK_NANOS, "gap " + gap);
            }
            m.run(() -> t[0].cancel());
        }
    }

    /** Timers on a running shard, real clock: never before the deadline, and not absurdly late. */
    @Test
    void realClockTimersFireNoEarlierThanTheirDeadlineAndWithinAGenerousBound() throws Exception {
        for (IdlePolicy policy : List.of(IdlePolicy.defaults(), IdlePolicy.spinThenPark(10, Duration.ofSeconds(5)),
                IdlePolicy.busyPoll())) {
            try (Reactor r = Reactor.builder().shards(1).idlePolicy(policy).stallThreshold(Duration.ZERO).build().start()) {
                long[] delays = {0, 1 * MS, 2 * MS, 5 * MS, 20 * MS, 50 * MS, 150 * MS};
                ConcurrentLinkedQueue<long[]> results = new ConcurrentLinkedQueue<>();
                CompletableFuture<Void> all = r.submit(0, () -> {
                    List<ShardFuture<?>> fs = new ArrayList<>();
                    for (long d : delays) {
                        Promise<Void> p = new Promise<>();
                        long deadline = System.nanoTime() + d;
                        Shard.current().timers().newTimer(() -> {
                            results.add(new long[] {deadline, System.nanoTime()});
                            p.complete(null);
                        }).armAt(deadline);
                        fs.add(p);
                    }
                    return ShardFuture.whenAll(fs);
                });
                all.get(30, TimeUnit.SECONDS);
                assertEquals(delays.length, results.size());
                for (long[] res : results) {
                    long late = res[1] - res[0];
                    assertTrue(late >= 0, policy + ": fired " + (-late) + " ns early");
                    // Generous: this is a shared 2-core machine; a parked shard wakes for the timer.
                    assertTrue(late < 500 * MS, policy + ": fired " + late / MS + " ms late");
                }
            }
        }
    }

    @Test
    void aParkedShardWakesForItsTimerRatherThanSleepingItsMaximumPark() throws Exception {
        try (Reactor r = Reactor.builder().shards(1).idlePolicy(IdlePolicy.spinThenPark(10, Duration.ofSeconds(30)))
                .stallThreshold(Duration.ZERO).build().start()) {
            // Let the shard go idle and park first.
            Thread.sleep(50);
            long start = System.nanoTime();
            CompletableFuture<Long> f = r.submit(0, () -> {
                Promise<Long> p = new Promise<>();
                Shard.current().timers().schedule(200 * MS, () -> p.complete(System.nanoTime()));
                return p;
            });
            long firedAt = f.get(20, TimeUnit.SECONDS);
            assertTrue(firedAt - start >= 200 * MS);
            assertTrue(firedAt - start < 10_000 * MS, "the park is bounded by the timer, not by 30 s");
        }
    }

    @Test
    void tenThousandRealTimersFireInDeadlineOrder() throws Exception {
        try (Reactor r = Reactor.builder().shards(1).stallThreshold(Duration.ZERO).build().start()) {
            int n = 10_000;
            List<Integer> order = Collections.synchronizedList(new ArrayList<>());
            long[] deadlines = new long[n];
            CompletableFuture<Void> all = r.submit(0, () -> {
                java.util.Random rnd = new java.util.Random(3);
                long base = System.nanoTime();
                Promise<Void> done = new Promise<>();
                int[] left = {n};
                for (int i = 0; i < n; i++) {
                    int id = i;
                    deadlines[i] = base + rnd.nextInt(200) * MS + rnd.nextInt(1000);
                    Shard.current().timers().newTimer(() -> {
                        order.add(id);
                        if (--left[0] == 0) {
                            done.complete(null);
                        }
                    }).armAt(deadlines[i]);
                }
                return done;
            });
            all.get(30, TimeUnit.SECONDS);
            for (int i = 1; i < n; i++) {
                assertTrue(deadlines[order.get(i - 1)] <= deadlines[order.get(i)], "out of order at " + i);
            }
        }
    }
}
