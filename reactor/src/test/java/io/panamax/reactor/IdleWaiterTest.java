package io.panamax.reactor;

import io.panamax.reactor.testing.WakeRace;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shard's idle wait: the park/wake protocol over a replaceable {@link IdleWaiter}. */
class IdleWaiterTest {
    private static final long MS = 1_000_000L;

    /** Counts what the shard and its wakers ask of the default parking waiter it wraps. */
    private static final class CountingWaiter implements IdleWaiter {
        final IdleWaiter inner;
        final AtomicLong awaits = new AtomicLong();
        final AtomicLong wakes = new AtomicLong();
        final AtomicInteger closed = new AtomicInteger();

        CountingWaiter(IdleWaiter inner) {
            this.inner = inner;
        }

        @Override
        public void await(long maxNanos) {
            awaits.incrementAndGet();
            inner.await(maxNanos);
        }

        @Override
        public void wake() {
            wakes.incrementAndGet();
            inner.wake();
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }

    @Test
    void noWakeIsLostWhenWorkArrivesAsTheShardGoesToSleep() throws Exception {
        try (Reactor r = Reactor.builder().shards(2).idlePolicy(WakeRace.sleepAtOnce()).stallThreshold(Duration.ZERO)
                .pinThreads(false).build().start()) {
            WakeRace.Result res = WakeRace.run(r, 5_000);
            System.out.printf("parking waiter, worst round trip: outside %d µs, poller %d µs; shard to shard mean %d µs%n",
                    res.fromOutside() / 1000, res.throughPoller() / 1000, res.fromShard() / 1000);
            assertTrue(res.worst() < WakeRace.LOST.toNanos(), "no lost wake: " + res);
            assertTrue(r.metrics().total("reactor_parks_total") > 1000, "the shards slept between round trips");
        }
    }

    @Test
    void aReplacedWaiterIsUsedForSleepingAndWakingAndClosedWhenTheThreadEnds() throws Exception {
        CountingWaiter counting;
        try (Reactor r = Reactor.builder().shards(1).idlePolicy(WakeRace.sleepAtOnce()).stallThreshold(Duration.ZERO)
                .pinThreads(false).build().start()) {
            Shard shard = r.shard(0);
            assertThrows(IllegalStateException.class, () -> shard.idleWaiter(null), "on the shard only");
            counting = r.submit(0, () -> {
                Shard s = Shard.currentOrThrow();
                CountingWaiter c = new CountingWaiter(s.idleWaiter());
                IdleWaiter previous = s.idleWaiter(c);
                assertSame(c.inner, previous);
                return ShardFuture.succeeded(c);
            }).get(10, TimeUnit.SECONDS);
            WakeRace.Result res = WakeRace.run(r, 2_000);
            assertTrue(res.worst() < WakeRace.LOST.toNanos(), "no lost wake: " + res);
            assertTrue(counting.awaits.get() > 1000, "it slept in the new waiter: " + counting.awaits);
            assertTrue(counting.wakes.get() > 1000, "and was woken through it: " + counting.wakes);

            // A running shard costs its wakers nothing: the flag is down, so no wake() (no system
            // call for a waiter on an eventfd).
            AtomicInteger spins = new AtomicInteger();
            boolean[] stop = {false};
            r.submit(0, () -> {
                Shard s = Shard.currentOrThrow();
                s.schedule(new Runnable() {
                    @Override
                    public void run() {
                        spins.incrementAndGet();
                        if (!stop[0]) {
                            s.schedule(this);
                        }
                    }
                });
                return ShardFuture.done();
            }).get(10, TimeUnit.SECONDS);
            long wakesBefore = counting.wakes.get();
            AtomicInteger ran = new AtomicInteger();
            for (int i = 0; i < 1000; i++) {
                shard.execute(() -> ran.incrementAndGet());
            }
            long deadline = System.nanoTime() + 10_000 * MS;
            while (ran.get() < 1000 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(1000, ran.get());
            assertEquals(wakesBefore, counting.wakes.get(), "no wake while the shard ran");
            r.submit(0, () -> {
                stop[0] = true;
                return ShardFuture.done();
            }).get(10, TimeUnit.SECONDS);
            assertTrue(spins.get() > 0);
            assertEquals(0, counting.closed.get());
        }
        assertEquals(1, counting.closed.get(), "closed once, when the thread ended");
    }

    @Test
    void aShardAsleepIsNeverStalledHoweverLongItSleeps() throws Exception {
        // Minute-long sleeps, a 20 ms threshold, looks every millisecond: a sleep that counted
        // would be a stall at once.
        try (Reactor r = Reactor.builder().shards(2).idlePolicy(WakeRace.sleepAtOnce()).pinThreads(false)
                .stallThreshold(Duration.ofMillis(20)).stallWarmup(Duration.ZERO).stallCheckInterval(Duration.ofMillis(1))
                .build().start()) {
            WakeRace.run(r, 500); // many sleeps and wakes: the iteration stamp comes before the flag drops
            long before = r.stallCount(0) + r.stallCount(1);
            Thread.sleep(300);
            WakeRace.run(r, 100);
            Thread.sleep(300);
            assertEquals(before, r.stallCount(0) + r.stallCount(1), r.metrics().toPrometheusText());
        }
    }

    @Test
    void manualModeHasNoWaiter() {
        try (Reactor r = Reactor.builder().shards(1).manual().build().start()) {
            r.runOnce();
            assertNull(r.shard(0).idleWaiter());
        }
        IdlePolicy p = IdlePolicy.defaults();
        assertEquals(IdlePolicy.DEFAULT_WAIT_SPIN, p.waitSpinIterations());
        assertEquals(IdlePolicy.DEFAULT_MAX_WAIT_NANOS, p.maxWaitNanos());
        assertEquals(3, p.withDeviceWait(3, Duration.ofMillis(1)).waitSpinIterations());
        assertThrows(IllegalArgumentException.class, () -> new IdlePolicy(1, 1, -1, 0));
    }

    /** A poller that is idle unless told there is work, and says whether its empty poll is cheap. */
    private static final class ProbePoller implements Poller {
        final AtomicLong polls = new AtomicLong();
        final java.util.concurrent.atomic.AtomicBoolean work = new java.util.concurrent.atomic.AtomicBoolean();
        volatile boolean cheap = true;
        /** The poll count when the last work was found (-1: none since the test reset it); the shard writes it. */
        volatile long pollsAtWork = -1;

        @Override
        public int poll() {
            long n = polls.incrementAndGet();
            if (work.getAndSet(false)) {
                pollsAtWork = n;
                return 1;
            }
            return 0;
        }

        @Override
        public boolean emptyPollIsCheap() {
            return cheap;
        }
    }

    /** A waiter that watches (pretend) devices and notes the poll count at its first wait after the probe's work. */
    private static final class WatchingWaiter implements IdleWaiter {
        final IdleWaiter inner;
        final ProbePoller probe;
        volatile long pollsAtFirstWait = -1;

        WatchingWaiter(IdleWaiter inner, ProbePoller probe) {
            this.inner = inner;
            this.probe = probe;
        }

        @Override
        public void await(long maxNanos) {
            if (probe.pollsAtWork >= 0 && pollsAtFirstWait < 0) {
                pollsAtFirstWait = probe.polls.get();
            }
            inner.await(maxNanos);
        }

        @Override
        public void wake() {
            inner.wake();
        }

        @Override
        public boolean watchesDevices() {
            return true;
        }
    }

    /** Polls until {@code polls} passes {@code target}, at most 10 s. */
    private static void awaitPolls(AtomicLong polls, long target) {
        long deadline = System.nanoTime() + 10_000 * MS;
        while (polls.get() < target && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(polls.get() >= target, "the shard kept polling: " + polls.get() + " < " + target);
    }

    /**
     * The spin before a device wait: by time (IdlePolicy.waitSpinNanos, the shard's clock) when every
     * poller's empty poll is cheap (af_xdp), by count (waitSpinIterations) otherwise (TAP). In virtual
     * time: while the clock stands still a cheap shard never waits, however many iterations it spins.
     */
    @Test
    void aShardWhosePollsAreCheapSpinsByTimeBeforeItWaitsOnItsDevices() throws Exception {
        ManualClock clock = new ManualClock();
        ProbePoller probe = new ProbePoller();
        IdlePolicy policy = IdlePolicy.defaults();
        assertEquals(IdlePolicy.DEFAULT_WAIT_SPIN_NANOS, policy.waitSpinNanos());
        assertEquals(0, policy.withCheapPollSpin(Duration.ZERO).waitSpinNanos());
        assertEquals(0, IdlePolicy.busyPoll().waitSpinNanos());
        assertEquals(policy.waitSpinNanos(), policy.withDeviceWait(3, Duration.ofMillis(1)).waitSpinNanos());
        assertThrows(IllegalArgumentException.class, () -> new IdlePolicy(1, 1, 1, 0, -1));
        try (Reactor r = Reactor.builder().shards(1).idlePolicy(policy).clock(clock).stallThreshold(Duration.ZERO)
                .pinThreads(false).build().start()) {
            WatchingWaiter waiter = watch(r, probe);

            // Cheap polls, the clock standing: the shard spins and never waits.
            probe.work.set(true);
            awaitPolls(probe.polls, 200_000);
            long start = probe.pollsAtWork;
            assertTrue(start >= 0, "the work was found");
            assertEquals(-1, waiter.pollsAtFirstWait, "no wait within the spin time, after " + (probe.polls.get() - start) + " polls");
            clock.advanceNanos(policy.waitSpinNanos() - 1_000);
            awaitPolls(probe.polls, probe.polls.get() + 100_000);
            assertEquals(-1, waiter.pollsAtFirstWait, "still spinning 1 µs before the end");
            clock.advanceNanos(1_000);
            long deadline = System.nanoTime() + 10_000 * MS;
            while (waiter.pollsAtFirstWait < 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertTrue(waiter.pollsAtFirstWait - start > 300_000, "it waits once the spin time has passed: " + waiter.pollsAtFirstWait);

            // A poller whose empty poll is a system call (TAP): 8 iterations, then the wait, the clock still standing.
            probe.cheap = false;
            probe.pollsAtWork = -1;
            waiter.pollsAtFirstWait = -1;
            probe.work.set(true);
            deadline = System.nanoTime() + 10_000 * MS;
            while (waiter.pollsAtFirstWait < 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            long spun = waiter.pollsAtFirstWait - probe.pollsAtWork;
            assertTrue(waiter.pollsAtFirstWait > 0 && spun >= IdlePolicy.DEFAULT_WAIT_SPIN && spun < 100,
                    "waits after the iteration count alone: " + spun + " polls");
        }
    }

    /**
     * A shard whose empty polls are system calls (TAP) polls by time only as long as the idle gaps it
     * saw ended within {@link IdlePolicy#idlePollNanos()} (IdlePollWindow), in virtual time: none seen,
     * the count alone; after a 30 µs gap, it polls 10 µs (the grow start) before it waits; after a
     * 1 ms gap, half that.
     */
    @Test
    void aShardWhosePollsAreSystemCallsPollsForTheGapsItSaw() throws Exception {
        ManualClock clock = new ManualClock();
        ProbePoller probe = new ProbePoller();
        probe.cheap = false;
        IdlePolicy policy = IdlePolicy.defaults().withIdlePoll(Duration.ofNanos(100_000));
        assertEquals(100_000, policy.idlePollNanos());
        assertEquals(0, IdlePolicy.busyPoll().idlePollNanos());
        assertEquals(policy.idlePollNanos(), policy.withDeviceWait(3, Duration.ofMillis(1)).withCheapPollSpin(Duration.ZERO).idlePollNanos());
        assertThrows(IllegalArgumentException.class, () -> new IdlePolicy(1, 1, 1, 0, 0, -1));
        try (Reactor r = Reactor.builder().shards(1).idlePolicy(policy).clock(clock).stallThreshold(Duration.ZERO)
                .pinThreads(false).build().start()) {
            WatchingWaiter waiter = watch(r, probe);

            probe.work.set(true);
            awaitFirstWait(waiter);
            long spun = waiter.pollsAtFirstWait - probe.pollsAtWork;
            assertTrue(spun >= IdlePolicy.DEFAULT_WAIT_SPIN && spun < 100, "no gap seen: the count alone, " + spun + " polls");

            clock.advanceNanos(30_000); // the next work comes 30 µs into the wait
            workAfterWait(r, probe, waiter);
            awaitPolls(probe.polls, probe.polls.get() + 100_000);
            assertEquals(-1, waiter.pollsAtFirstWait, "polls through its 10 µs window while the clock stands");
            clock.advanceNanos(10_000);
            awaitFirstWait(waiter);

            clock.advanceNanos(1_000_000); // then 1 ms: no poll within the limit would have caught it
            workAfterWait(r, probe, waiter);
            awaitPolls(probe.polls, probe.polls.get() + 100_000);
            clock.advanceNanos(4_000);
            awaitPolls(probe.polls, probe.polls.get() + 100_000);
            assertEquals(-1, waiter.pollsAtFirstWait, "still polling 4 µs into a 5 µs window");
            clock.advanceNanos(1_000);
            awaitFirstWait(waiter);
        }
    }

    /** Gives shard 0 the probe as its poller and a watching waiter around its own. */
    private static WatchingWaiter watch(Reactor r, ProbePoller probe) throws Exception {
        return r.submit(0, () -> {
            Shard s = Shard.currentOrThrow();
            WatchingWaiter w = new WatchingWaiter(s.idleWaiter(), probe);
            s.idleWaiter(w);
            s.addPoller(probe);
            return ShardFuture.succeeded(w);
        }).get(10, TimeUnit.SECONDS);
    }

    private static void workAfterWait(Reactor r, ProbePoller probe, WatchingWaiter waiter) {
        probe.pollsAtWork = -1;
        waiter.pollsAtFirstWait = -1;
        probe.work.set(true);
        r.shard(0).wakeup();
        long deadline = System.nanoTime() + 10_000 * MS;
        while (probe.pollsAtWork < 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(probe.pollsAtWork >= 0, "the work was found");
    }

    private static void awaitFirstWait(WatchingWaiter waiter) {
        long deadline = System.nanoTime() + 10_000 * MS;
        while (waiter.pollsAtFirstWait < 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(waiter.pollsAtFirstWait >= 0, "the shard waits on its devices");
    }
}
