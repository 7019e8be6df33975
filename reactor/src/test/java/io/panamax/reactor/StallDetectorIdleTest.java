package io.panamax.reactor;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stall detector backs off while every shard sleeps (an idle server's detector no longer wakes
 * 500 times a second) and comes back to its check interval as soon as a shard is awake: a stall
 * that begins after an idle stretch and outlasts the idle interval is still caught, measured whole.
 */
class StallDetectorIdleTest {
    @Test
    void anIdleReactorsDetectorLooksRarelyAndAStallAfterIdlenessIsStillCaught() throws Exception {
        List<StallReport> reports = new CopyOnWriteArrayList<>();
        // The default idle policy: the shard parks (100 µs at a time) when it has nothing to do.
        try (Reactor r = Reactor.builder().shards(1).stallThreshold(Duration.ofMillis(1)).stallCheckInterval(Duration.ofMillis(2))
                .stallIdleCheckInterval(Duration.ofMillis(64)).stallWarmup(Duration.ZERO).stallReportInterval(Duration.ZERO)
                .stallListener(reports::add).build().start()) {
            r.await(r.submit(0, ShardFuture::done), Duration.ofSeconds(10));
            Thread.sleep(300); // 2, 4, ... 64 ms: the back-off reaches its ceiling within 130 ms
            long before = r.stallDetectorLooks();
            Thread.sleep(1000);
            long idleLooks = r.stallDetectorLooks() - before;
            // At most ~16 looks a second at 64 ms (a look that catches the shard between two parks
            // starts the doubling over); a detector that did not back off looks 500 times.
            assertTrue(idleLooks <= 60, "looks in 1 s while idle: " + idleLooks);
            assertTrue(idleLooks >= 1, "the detector kept looking: " + idleLooks);

            long stallsBefore = r.stallCount(0);
            long looksBefore = r.stallDetectorLooks();
            // A task that spins 300 ms, longer than the 64 ms idle interval: the look that ends the
            // back-off finds it past the threshold, and the looks that follow are 2 ms apart again.
            r.await(r.submit(0, () -> {
                StallDeschedulingTest.spin(300_000_000L); // on its CPU: a stall, not a preemption
                return ShardFuture.done();
            }), Duration.ofSeconds(10));
            long busyLooks = r.stallDetectorLooks() - looksBefore;
            assertEquals(stallsBefore + 1, r.stallCount(0), "the stall after an idle stretch is counted once");
            assertFalse(reports.isEmpty(), "and reported with its stack");
            StallReport last = reports.get(reports.size() - 1);
            assertTrue(last.stalledNanos() >= 1_000_000L, "measured from its start: " + last.stalledNanos());
            // 300 ms at 2 ms is up to 150 looks; at the idle interval it would be about 5.
            assertTrue(busyLooks >= 20, "looks while the shard was busy: " + busyLooks);
        }
    }
}
