package io.panamax.reactor;

import io.panamax.reactor.metrics.ShardMetrics;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shard's poll loop: stalls, uncaught exceptions, idling and waking, stopping. */
class ShardLoopTest {
    private static final long MS = 1_000_000L;

    /** The task the stall detector must name: it spins without returning to the loop. */
    private static void busyWaitCulprit(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    @Test
    void theStallDetectorReportsABusyTaskWithAStackThatNamesIt() throws Exception {
        List<StallReport> reports = new CopyOnWriteArrayList<>();
        try (Reactor r = Reactor.builder().shards(2).stallThreshold(Duration.ofMillis(50))
                .stallWarmup(Duration.ZERO).stallListener(reports::add).build().start()) {
            // Stall until a report comes: a detector may hold reports back for a while after
            // start (JIT warm-up) or rate-limit them; each stall is reported at most once.
            int stallsRun = 0;
            while (culprits(reports).isEmpty() && stallsRun < 30) {
                r.submit(1, () -> {
                    busyWaitCulprit(300 * MS);
                    return ShardFuture.done();
                }).get(30, TimeUnit.SECONDS);
                stallsRun++;
            }
            List<StallReport> culprit = culprits(reports);
            assertFalse(culprit.isEmpty(), "a report naming the culprit: " + reports);
            assertTrue(culprit.size() <= stallsRun, "at most one report per stall: " + culprit.size() + " for " + stallsRun);
            StallReport rep = culprit.getFirst();
            assertEquals(1, rep.shard());
            assertTrue(rep.stalledNanos() >= 50 * MS, "stalled at least the threshold: " + rep.stalledNanos());
            assertTrue(rep.describe().contains("busyWaitCulprit"), rep.describe());
            assertTrue(rep.describe().startsWith("shard 1 stalled"), rep.describe());
            assertTrue(r.stallCount(1) >= culprit.size());
            assertTrue(culprits(reports).stream().allMatch(x -> x.shard() == 1), "shard 0 never stalled");
        }
    }

    /** Two places that stall, both through the same spin helper: the helper and its caller name them. */
    private static void stallHere(long nanos) {
        busyWaitCulprit(nanos);
    }

    private static void stallThere(long nanos) {
        busyWaitCulprit(nanos);
    }

    @Test
    void stallsAreCountedByPlaceWithOneFullTracePerPlaceAndASummaryPerPeriod() throws Exception {
        List<StallReport> reports = new CopyOnWriteArrayList<>();
        List<StallSummary> summaries = new CopyOnWriteArrayList<>();
        String here = "ShardLoopTest.busyWaitCulprit <- ShardLoopTest.stallHere";
        String there = "ShardLoopTest.busyWaitCulprit <- ShardLoopTest.stallThere";
        try (Reactor r = Reactor.builder().shards(2).stallThreshold(Duration.ofMillis(20)).stallWarmup(Duration.ZERO)
                .stallReportInterval(Duration.ofHours(1)) // after the first report per place, none but the first
                .stallListener(reports::add)
                .stallSummaryInterval(Duration.ofMillis(300)).stallSummaryListener(summaries::add).build().start()) {
            for (int i = 0; i < 5; i++) {
                boolean atHere = i % 2 == 0; // here, there, here, there, here
                r.submit(1, () -> {
                    if (atHere) {
                        stallHere(120 * MS);
                    } else {
                        stallThere(120 * MS);
                    }
                    return ShardFuture.done();
                }).get(30, TimeUnit.SECONDS);
            }
            String prometheus = r.metrics().toPrometheusText();
            long atHere = r.metrics().total("reactor_stalls_total{site=\"" + here + "\"}");
            long atThere = r.metrics().total("reactor_stalls_total{site=\"" + there + "\"}");
            // A stall whose stack the detector could not take before the task ended is counted as unsampled.
            long unsampled = r.metrics().total("reactor_stalls_total{site=\"" + StallReport.UNSAMPLED + "\"}");
            assertEquals(5, atHere + atThere + unsampled, prometheus);
            assertTrue(atHere >= 2 && atThere >= 1, prometheus);
            assertTrue(prometheus.contains("reactor_stalls_total{shard=\"1\",site=\"" + here + "\"} " + atHere), prometheus);
            // On a loaded machine a preempted shard also looks stalled: those are counted at their own place.
            for (int shard = 0; shard < 2; shard++) {
                long bySite = r.metrics().shard(shard).all().stream().filter(m -> m.name().equals("reactor_stalls_total"))
                        .mapToLong(ShardMetrics.Metric::value).sum();
                assertEquals(r.stallCount(shard), bySite, "every stall of shard " + shard + " under one place: " + prometheus);
            }
            long all = r.stallCount(0) + r.stallCount(1);

            // The listener heard of each place once (the interval holds back the rest), flagged first.
            List<String> reportedPlaces = reports.stream().filter(StallReport::firstAtSite).map(StallReport::site).toList();
            assertEquals(List.of(here, there), reportedPlaces.stream().filter(p -> p.equals(here) || p.equals(there)).toList(),
                    reports.toString());
            assertEquals(reportedPlaces.size(), Set.copyOf(reportedPlaces).size(), "one full report per place: " + reportedPlaces);
            assertTrue(reports.stream().allMatch(StallReport::firstAtSite), "no repeat within the report interval");
            assertTrue(reports.getFirst().describe().contains("first stall here"), reports.getFirst().describe());

            // Within two periods, one summary line (or more) covers all five stalls.
            long deadline = System.nanoTime() + 5_000 * MS;
            while (summaries.stream().mapToLong(StallSummary::total).sum() < all && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(summaries.stream().mapToLong(StallSummary::total).sum() >= all, summaries.toString());
            StallSummary last = summaries.getLast();
            assertTrue(last.sinceStart() >= all);
            assertTrue(summaries.stream().anyMatch(x -> x.bySite().containsKey(here)), summaries.toString());
            String line = last.describe();
            assertFalse(line.contains("\n"), "one line: " + line);
            assertTrue(line.contains("shard 1: ") && line.contains("since start"), line);
        }
    }

    @Test
    void aPlaceIsNamedByTheFirstTwoFramesBelowTheJdk() {
        StackTraceElement[] stack = {
                new StackTraceElement("java.lang.Thread", "sleep0", "Thread.java", 10),
                new StackTraceElement("java.lang.Thread", "sleep", "Thread.java", 20),
                new StackTraceElement("com.example.Handler", "lookup", "Handler.java", 30),
                new StackTraceElement("com.example.Handler", "lambda$serve$0", "Handler.java", 40),
                new StackTraceElement("io.panamax.reactor.Shard", "runTasks", "Shard.java", 50)};
        assertEquals("Handler.lookup <- Handler.lambda$serve$0", StallReport.siteOf(stack));
        // Another line in the same methods is the same place.
        stack[2] = new StackTraceElement("com.example.Handler", "lookup", "Handler.java", 33);
        assertEquals("Handler.lookup <- Handler.lambda$serve$0", StallReport.siteOf(stack));
        StackTraceElement[] jdkOnly = {new StackTraceElement("java.lang.Object", "wait0", null, -2)};
        assertEquals("Object.wait0", StallReport.siteOf(jdkOnly));
        assertEquals(StallReport.UNSAMPLED, StallReport.siteOf(new StackTraceElement[0]));
    }

    private static List<StallReport> culprits(List<StallReport> reports) {
        return reports.stream().filter(rep -> Arrays.stream(rep.stack())
                .anyMatch(e -> e.getMethodName().equals("busyWaitCulprit"))).toList();
    }

    @Test
    void noStallDetectorInManualModeOrWhenTurnedOff() {
        try (ManualShard m = new ManualShard()) {
            assertEquals(0, m.reactor.stallCount(0));
            assertEquals(Duration.ZERO, m.reactor.config().stallThreshold());
        }
        try (Reactor r = Reactor.builder().shards(1).stallThreshold(Duration.ZERO).build().start()) {
            r.await(r.submit(0, () -> {
                busyWaitCulprit(20 * MS);
                return ShardFuture.done();
            }), Duration.ofSeconds(30));
            assertEquals(0, r.stallCount(0));
        }
    }

    @Test
    void uncaughtExceptionsAreCountedAndTheShardGoesOn() throws Exception {
        try (Reactor r = Reactor.builder().shards(2).stallThreshold(Duration.ZERO).build().start()) {
            AtomicInteger polls = new AtomicInteger();
            r.await(r.submit(0, () -> {
                Shard s = Shard.current();
                s.schedule(() -> { throw new IllegalStateException("task"); });
                s.timers().schedule(MS, () -> { throw new IllegalStateException("timer"); });
                s.submitTo(1, () -> {
                    // A message whose delivery throws, on shard 1 this time.
                    Shard.current().send(0, target -> { throw new IllegalStateException("message"); });
                    return ShardFuture.done();
                });
                s.addPoller(new Poller() {
                    @Override
                    public int poll() {
                        if (polls.incrementAndGet() == 1) {
                            throw new IllegalStateException("poller");
                        }
                        return 0;
                    }

                    @Override
                    public int flush() {
                        if (polls.get() == 2) {
                            throw new IllegalStateException("poller flush");
                        }
                        return 0;
                    }
                });
                return ShardFuture.done();
            }), Duration.ofSeconds(10));
            long deadline = System.nanoTime() + 10_000 * MS;
            while (r.metrics().total("reactor_uncaught_errors_total") < 5 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(5, r.metrics().shard(0).all().stream()
                    .filter(m -> m.name().equals("reactor_uncaught_errors_total")).mapToLong(m -> m.value()).sum());
            // Both shards still run work.
            assertEquals(7, (int) r.await(r.submit(0, () -> Shard.current().submitTo(1, () -> ShardFuture.succeeded(7))),
                    Duration.ofSeconds(10)));
            // Checked after that work: an idle shard may park right after the flush that threw, and
            // polls again only when woken.
            assertTrue(polls.get() > 2, "the poller keeps being polled after it threw");
        }
    }

    @Test
    void anExceptionInAStopHookIsCountedAndTheOtherHooksStillRun() {
        List<String> ran = new ArrayList<>();
        ManualShard m = new ManualShard();
        m.run(() -> {
            Shard.current().onStop(() -> { throw new IllegalStateException("hook"); });
            Shard.current().onStop(() -> ran.add("second hook"));
        });
        m.close();
        assertEquals(List.of("second hook"), ran);
        assertEquals(1, m.reactor.metrics().total("reactor_uncaught_errors_total"));
    }

    @Test
    void aParkedShardWakesPromptlyForMessagesFromOutsideAndFromOtherShards() throws Exception {
        // A park this long would turn any lost wake-up into a timeout.
        IdlePolicy lazy = IdlePolicy.spinThenPark(10, Duration.ofSeconds(60));
        try (Reactor r = Reactor.builder().shards(2).idlePolicy(lazy).stallThreshold(Duration.ZERO).build().start()) {
            Thread.sleep(100);
            long worst = 0;
            for (int i = 0; i < 200; i++) {
                long start = System.nanoTime();
                int v = r.submit(i % 2, () -> ShardFuture.succeeded(1)).get(30, TimeUnit.SECONDS);
                worst = Math.max(worst, System.nanoTime() - start);
                assertEquals(1, v);
                if (i % 50 == 0) {
                    Thread.sleep(20); // let both shards park again
                }
            }
            assertTrue(worst < 5_000 * MS, "woken for each message, worst " + worst / MS + " ms");
            // Shard to shard, both parking between round trips.
            long start = System.nanoTime();
            int n = r.await(r.submit(0, () -> {
                int[] i = {0};
                return ShardFuture.doUntil(() -> i[0] == 1000, () -> Shard.current().submitTo(1, () -> ShardFuture.succeeded(1))
                        .map(v -> i[0] += v)).map(v -> i[0]);
            }), Duration.ofSeconds(60));
            assertEquals(1000, n);
            assertTrue(System.nanoTime() - start < 50_000 * MS);
            assertTrue(r.metrics().total("reactor_parks_total") > 0, "the shards did park");
        }
    }

    @Test
    void aBusyPollingShardNeverParks() throws Exception {
        try (Reactor r = Reactor.builder().shards(1).idlePolicy(IdlePolicy.busyPoll()).stallThreshold(Duration.ZERO)
                .build().start()) {
            Thread.sleep(50);
            assertEquals(1, (int) r.submit(0, () -> ShardFuture.succeeded(1)).get(30, TimeUnit.SECONDS));
            assertEquals(0, r.metrics().total("reactor_parks_total"));
        }
        assertThrows(IllegalArgumentException.class, () -> new IdlePolicy(-1, 0));
        assertFalse(IdlePolicy.busyPoll().parks());
        assertTrue(IdlePolicy.defaults().parks());
    }

    @Test
    void stopRunsQueuedWorkThenTheStopHooksOnTheirShards() {
        Reactor r = Reactor.builder().shards(2).stallThreshold(Duration.ZERO).build().start();
        AtomicInteger[] ran = {new AtomicInteger(), new AtomicInteger()};
        List<String> hooks = new CopyOnWriteArrayList<>();
        for (int s = 0; s < 2; s++) {
            int id = s;
            r.await(r.submit(s, () -> {
                Shard.current().onStop(() -> hooks.add("hook " + id + " on " + Shard.current().id() + " after " + ran[id].get()));
                return ShardFuture.done();
            }), Duration.ofSeconds(10));
        }
        for (int i = 0; i < 20_000; i++) {
            r.shard(i % 2).execute(ran[i % 2]::incrementAndGet);
        }
        r.stop();
        assertEquals(10_000, ran[0].get(), "queued work ran before the shards stopped");
        assertEquals(10_000, ran[1].get());
        assertEquals(2, hooks.size(), hooks.toString());
        for (String h : hooks) {
            assertTrue(h.matches("hook (\\d) on \\1 after 10000"), h);
        }
        r.stop(); // idempotent
    }

    /**
     * Work that stop hooks start on other shards (a message, a buffer going home) must be done
     * before the reactor reports that it has stopped, whichever shard finished first.
     */
    @Test
    void workThatStopHooksSendToOtherShardsIsDeliveredBeforeStopReturns() {
        for (int round = 0; round < 20; round++) {
            int n = 3;
            Reactor r = Reactor.builder().shards(n).stallThreshold(Duration.ZERO).build().start();
            AtomicInteger delivered = new AtomicInteger();
            for (int s = 0; s < n; s++) {
                r.await(r.submit(s, () -> {
                    Shard me = Shard.current();
                    me.onStop(() -> {
                        for (int t = 0; t < n; t++) {
                            if (t != me.id()) {
                                // A round trip: the reply comes back to a shard that may have drained already.
                                me.submitTo(t, () -> ShardFuture.succeeded(1)).map(delivered::addAndGet);
                            }
                        }
                    });
                    return ShardFuture.done();
                }), Duration.ofSeconds(10));
            }
            r.stop();
            assertEquals(n * (n - 1), delivered.get(), "round " + round);
        }
    }

    @Test
    void stopInManualModeDeliversWhatStopHooksSend() {
        ManualShard m = new ManualShard(3);
        List<String> got = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            int id = s;
            m.reactor.runOn(s, () -> Shard.current().onStop(() ->
                    Shard.current().submitTo((id + 1) % 3, () -> ShardFuture.succeeded(id)).map(v -> got.add("reply to " + v))));
        }
        m.close();
        got.sort(null);
        assertEquals(List.of("reply to 0", "reply to 1", "reply to 2"), got);
    }

    @Test
    void submitToAStoppedReactorFailsInsteadOfHanging() {
        Reactor r = Reactor.builder().shards(1).stallThreshold(Duration.ZERO).build().start();
        r.stop();
        CompletableFuture<Integer> f = r.submit(0, () -> ShardFuture.succeeded(1));
        assertTrue(f.isCompletedExceptionally());
        assertThrows(IllegalStateException.class, () -> r.await(f, Duration.ofSeconds(1)));
        ManualShard m = new ManualShard();
        m.close();
        assertTrue(m.reactor.submit(0, ShardFuture::done).isCompletedExceptionally());
    }

    @Test
    void stopIsRefusedOnAShardThread() throws Exception {
        try (Reactor r = Reactor.builder().shards(1).stallThreshold(Duration.ZERO).build().start()) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            r.submit(0, () -> {
                try {
                    r.stop();
                } catch (Throwable e) {
                    thrown.set(e);
                }
                return ShardFuture.done();
            }).get(10, TimeUnit.SECONDS);
            assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
        }
    }

    @Test
    void aReactorThatWasNeverStartedStopsQuietlyAndCannotStartTwice() {
        Reactor r = Reactor.builder().shards(1).build();
        r.stop();
        Reactor started = Reactor.builder().shards(1).manual().build().start();
        assertThrows(IllegalStateException.class, started::start);
        started.close();
    }

    @Test
    void manualModeOnlyCallsRefuseAThreadedReactor() {
        try (Reactor r = Reactor.builder().shards(1).stallThreshold(Duration.ZERO).build().start()) {
            assertThrows(IllegalStateException.class, r::runOnce);
            assertThrows(IllegalStateException.class, () -> r.runOn(0, () -> { }));
            assertThrows(IllegalStateException.class, () -> r.advance(Duration.ofSeconds(1)));
            CompletableFuture<Integer> f = r.submit(0, () -> ShardFuture.succeeded(3));
            assertEquals(3, r.await(f, Duration.ofSeconds(10)));
        }
        try (Reactor manualSystemClock = Reactor.builder().shards(1).manual().build().start()) {
            assertThrows(IllegalStateException.class, () -> manualSystemClock.advance(Duration.ofSeconds(1)),
                    "advance needs a ManualClock");
        }
    }

    @Test
    void shardIdentityAndContext() throws Exception {
        try (Reactor r = Reactor.builder().shards(3).stallThreshold(Duration.ZERO).build().start()) {
            assertEquals(null, Shard.current());
            assertThrows(IllegalStateException.class, Shard::currentOrThrow);
            for (int i = 0; i < 3; i++) {
                int id = i;
                String where = r.submit(i, () -> {
                    Shard s = Shard.currentOrThrow();
                    assertTrue(s.isCurrent());
                    assertEquals(id, s.id());
                    assertEquals(3, s.count());
                    assertEquals(r, s.reactor());
                    assertTrue(s.nanoTime() > 0);
                    return ShardFuture.succeeded(Thread.currentThread().getName());
                }).get(10, TimeUnit.SECONDS);
                assertEquals("panamax-shard-" + i, where);
            }
            assertFalse(r.shard(0).isCurrent());
        }
    }
}
