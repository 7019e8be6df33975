package io.panamax.nic.linux;

import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.testing.WakeRace;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The eventfd half of the shard's ppoll wait: no wake is lost, whichever way work arrives. */
class PollWaiterTest {

    @Test
    void noWakeIsLostWhenAShardSleepsInPpollOnItsEventFd() throws Exception {
        try (Reactor r = Reactor.builder().shards(2).idlePolicy(WakeRace.sleepAtOnce()).stallThreshold(Duration.ZERO)
                .pinThreads(false).build().start()) {
            PollWaiter[] waiters = new PollWaiter[2];
            for (int i = 0; i < 2; i++) {
                waiters[i] = r.submit(i, () -> {
                    Shard s = Shard.currentOrThrow();
                    PollWaiter w = PollWaiter.of(s);
                    assertSame(w, PollWaiter.of(s), "one per shard");
                    assertSame(w, s.idleWaiter());
                    return ShardFuture.succeeded(w);
                }).get(10, TimeUnit.SECONDS);
            }
            assertFalse(waiters[0].watchesDevices(), "no descriptor but the eventfd");
            long parksBefore = r.metrics().total("reactor_parks_total");
            WakeRace.Result res = WakeRace.run(r, 5_000);
            System.out.printf("ppoll waiter, worst round trip: outside %d µs, poller %d µs; shard to shard mean %d µs%n",
                    res.fromOutside() / 1000, res.throughPoller() / 1000, res.fromShard() / 1000);
            assertTrue(res.worst() < WakeRace.LOST.toNanos(), "no lost wake: " + res);
            assertTrue(r.metrics().total("reactor_parks_total") - parksBefore > 1000, "the shards slept in ppoll");

            // Descriptors come and go while the shard runs: what it watches is read at each wait.
            int[] watching = r.submit(0, () -> {
                PollWaiter w = PollWaiter.of(Shard.currentOrThrow());
                Pollable closed = () -> -1;
                w.watch(closed);
                int during = w.watching();
                boolean devices = w.watchesDevices();
                w.unwatch(closed);
                return ShardFuture.succeeded(new int[]{during, devices ? 1 : 0, w.watching()});
            }).get(10, TimeUnit.SECONDS);
            assertEquals(1, watching[0]);
            assertEquals(1, watching[1]);
            assertEquals(0, watching[2]);
            assertTrue(WakeRace.run(r, 200).worst() < WakeRace.LOST.toNanos());
        }
    }
}
