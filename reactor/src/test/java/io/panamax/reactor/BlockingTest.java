package io.panamax.reactor;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Blocking work leaves the shard and its result comes back to it; the shard never stalls meanwhile. */
class BlockingTest {
    private static final Duration T = Duration.ofSeconds(30);

    @Test
    void blockingWorkRunsOnAVirtualThreadAndItsResultComesBackToTheShard() throws Exception {
        try (Reactor r = Reactor.builder().shards(2).pinThreads(false).stallThreshold(Duration.ofMillis(20))
                .stallWarmup(Duration.ZERO).stallListener(rep -> { }).build().start()) {
            long stallsBefore = r.stallCount(1);
            String where = r.await(r.submit(1, () -> {
                Thread shardThread = Thread.currentThread();
                return Blocking.call(() -> {
                    Thread.sleep(200); // ten times the stall threshold, off the shard
                    return Thread.currentThread().isVirtual() ? "virtual" : "platform";
                }).map(v -> v + (Thread.currentThread() == shardThread ? ", back on shard 1" : ", elsewhere"));
            }), T);
            assertEquals("virtual, back on shard 1", where);
            assertEquals(stallsBefore, r.stallCount(1), "the shard did not stall while the work slept");
        }
    }

    @Test
    void whatTheWorkThrowsFailsTheFutureOnTheShard() {
        try (Reactor r = Reactor.builder().shards(1).pinThreads(false).stallThreshold(Duration.ZERO).build().start()) {
            String seen = r.await(r.submit(0, () -> Blocking.call(() -> {
                if (true) {
                    throw new IOException("disk on fire");
                }
                return "never";
            }).handle((v, t) -> (Shard.current() != null ? "on the shard: " : "elsewhere: ") + t)), T);
            assertEquals("on the shard: java.io.IOException: disk on fire", seen);
        }
    }

    @Test
    void aGivenExecutorBoundsTheWorkAndARejectionFailsTheFuture() throws Exception {
        ExecutorService one = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("db-pool").factory());
        try (Reactor r = Reactor.builder().shards(1).pinThreads(false).stallThreshold(Duration.ZERO).build().start()) {
            assertEquals("db-pool", r.await(r.submit(0, () -> Blocking.call(one, () -> Thread.currentThread().getName())), T));
            one.shutdown();
            assertTrue(one.awaitTermination(10, TimeUnit.SECONDS));
            String failure = r.await(r.submit(0, () -> Blocking.call(one, () -> "never")
                    .handle((v, t) -> t == null ? "ran" : t.getClass().getSimpleName())), T);
            assertEquals("RejectedExecutionException", failure);
        } finally {
            one.shutdownNow();
        }
    }

    @Test
    void offAShardItSaysSo() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Blocking.call(() -> 1));
        assertTrue(e.getMessage().contains("runs no shard"), e.getMessage());
    }
}
