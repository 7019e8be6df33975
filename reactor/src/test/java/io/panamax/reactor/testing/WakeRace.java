package io.panamax.reactor.testing;

import io.panamax.reactor.IdlePolicy;
import io.panamax.reactor.Poller;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.ShardFuture;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Races wakers against a shard going to sleep, for any {@link io.panamax.reactor.IdleWaiter}: with
 * {@link #sleepAtOnce()} a shard sleeps at its first empty iteration, for a minute, so a wake lost
 * between its last look for work and its wait shows as a round trip that takes a minute. Each
 * round trip gives the shard work just as it finished the previous one: exactly when it is about
 * to sleep.
 */
public final class WakeRace {
    /** A round trip slower than this is a lost wake (the wait is a minute). */
    public static final Duration LOST = Duration.ofSeconds(10);

    private WakeRace() {
    }

    /** Sleep at the first idle iteration, for up to a minute, whatever the waiter. */
    public static IdlePolicy sleepAtOnce() {
        return new IdlePolicy(0, Duration.ofMinutes(1).toNanos(), 0, Duration.ofMinutes(1).toNanos(), 0, 0);
    }

    /** The worst round trip of each path, in nanoseconds. */
    public record Result(long fromOutside, long throughPoller, long fromShard) {
        public long worst() {
            return Math.max(fromOutside, Math.max(throughPoller, fromShard));
        }
    }

    /**
     * {@code rounds} round trips to shard 0 over each way work reaches a sleeping shard: a task
     * from a thread outside the reactor ({@link Shard#execute}), a poller's own queue filled from
     * outside followed by {@link Shard#wakeup()} (a Netty loop's path: {@link Poller#hasPendingWork}
     * closes the race), and, with two shards or more, messages from shard 1. Fails on a lost wake.
     */
    public static Result run(Reactor r, int rounds) throws Exception {
        Shard shard = r.shard(0);
        long outside = 0;
        for (int i = 0; i < rounds; i++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            long start = System.nanoTime();
            shard.execute(() -> done.complete(null));
            done.get(LOST.toSeconds(), TimeUnit.SECONDS);
            outside = Math.max(outside, System.nanoTime() - start);
        }

        ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
        Poller poller = new Poller() {
            @Override
            public int poll() {
                int n = 0;
                Runnable t;
                while ((t = queue.poll()) != null) {
                    t.run();
                    n++;
                }
                return n;
            }

            @Override
            public boolean hasPendingWork() {
                return !queue.isEmpty();
            }
        };
        r.submit(0, () -> {
            Shard.currentOrThrow().addPoller(poller);
            return ShardFuture.done();
        }).get(LOST.toSeconds(), TimeUnit.SECONDS);
        long viaPoller = 0;
        for (int i = 0; i < rounds; i++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            long start = System.nanoTime();
            queue.offer(() -> done.complete(null));
            shard.wakeup();
            done.get(LOST.toSeconds(), TimeUnit.SECONDS);
            viaPoller = Math.max(viaPoller, System.nanoTime() - start);
        }
        r.submit(0, () -> {
            Shard.currentOrThrow().removePoller(poller);
            return ShardFuture.done();
        }).get(LOST.toSeconds(), TimeUnit.SECONDS);

        long fromShard = 0;
        if (r.shardCount() > 1) {
            long start = System.nanoTime();
            int n = r.submit(1, () -> {
                int[] i = {0};
                return ShardFuture.doUntil(() -> i[0] == rounds,
                        () -> Shard.current().submitTo(0, () -> ShardFuture.succeeded(1)).map(v -> i[0] += v)).map(v -> i[0]);
            }).get(LOST.toSeconds(), TimeUnit.SECONDS);
            if (n != rounds) {
                throw new AssertionError(n + " round trips of " + rounds);
            }
            fromShard = (System.nanoTime() - start) / rounds; // the mean: shard 1 sleeps too
        }
        return new Result(outside, viaPoller, fromShard);
    }
}
