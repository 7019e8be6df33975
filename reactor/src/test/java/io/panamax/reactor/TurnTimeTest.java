package io.panamax.reactor;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Shard#turnNanos()}: one clock read a turn on the system clock, the clock itself otherwise. */
class TurnTimeTest {

    @Test
    void aTurnOnTheSystemClockHasOneTimeAndTimersArmedInItCountFromIt() throws Exception {
        try (Reactor r = Reactor.builder().shards(1).build().start()) {
            CompletableFuture<Long> nextTurn = new CompletableFuture<>();
            long[] seen = r.submit(0, () -> {
                Shard shard = r.shard(0);
                long first = shard.turnNanos();
                // Let the clock move on: the turn's time does not.
                long read = System.nanoTime();
                while (System.nanoTime() == read || System.nanoTime() - first <= 0) {
                    Thread.onSpinWait();
                }
                long second = shard.turnNanos();
                Timer t = shard.timers().newTimer(() -> { });
                t.arm(1_000_000_000L);
                long deadline = t.deadline();
                t.cancel();
                // Due at once, so it fires in a later turn (this one has advanced its timers).
                shard.timers().schedule(0, () -> nextTurn.complete(shard.turnNanos()));
                return ShardFuture.succeeded(new long[] {first, second, deadline, System.nanoTime()});
            }).get(30, TimeUnit.SECONDS);
            assertEquals(seen[0], seen[1], "one time for the whole turn");
            assertEquals(seen[0] + 1_000_000_000L, seen[2], "a timer armed in the turn counts from the turn's time");
            // Not a second submit: a message that comes while a turn drains its queues is served in that turn, with its time.
            long later = nextTurn.get(30, TimeUnit.SECONDS);
            assertTrue(later - seen[3] > 0, "a later turn reads the clock again: " + later + " after " + seen[3]);
        }
    }

    @Test
    void withAManualClockTheTurnTimeIsTheClockItself() {
        ManualClock clock = new ManualClock();
        try (Reactor r = Reactor.builder().shards(1).manual().clock(clock).build().start()) {
            long[] seen = new long[2];
            r.runOn(0, () -> {
                seen[0] = r.shard(0).turnNanos();
                clock.advance(Duration.ofMillis(3));
                seen[1] = r.shard(0).turnNanos();
            });
            assertEquals(3_000_000L, seen[1] - seen[0], "virtual time moves inside a turn too: packet scripts stay exact");
            assertEquals(clock.nanoTime(), r.shard(0).turnNanos());
        }
    }
}
