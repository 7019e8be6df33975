package io.panamax.reactor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Ten million iterations of {@link ShardFuture#repeat} and {@link ShardFuture#doUntil}, with iterations that
 * resolve at once and with iterations that stay pending until a later task completes them, run by
 * a manual reactor on a thread with a 256 KiB stack. Any per-iteration recursion would overflow
 * that stack within a few thousand iterations; the stack depth is also sampled along the way and
 * must not grow.
 */
class FutureLoopStackTest {
    private static final int ITERATIONS = 10_000_000;
    private static final int SMALL_STACK = 256 * 1024;

    /** Runs {@code body(reactor, depths)} on a small-stack thread with a fresh one-shard manual reactor. */
    private static void onSmallStack(BiFunction<Reactor, List<Integer>, Long> body) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] iterations = {0};
        List<Integer> depths = new ArrayList<>();
        Thread t = new Thread(null, () -> {
            try (Reactor r = Reactor.builder().shards(1).manual().clock(new ManualClock()).build().start()) {
                iterations[0] = body.apply(r, depths);
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "small", SMALL_STACK);
        t.start();
        t.join();
        if (failure.get() != null) {
            fail("loop failed on the small stack", failure.get());
        }
        assertEquals(ITERATIONS, iterations[0]);
        assertTrue(depths.size() >= 10, "stack depth sampled along the way: " + depths);
        int first = depths.getFirst();
        for (int d : depths) {
            assertTrue(Math.abs(d - first) <= 8, "stack depth must not grow with iterations: " + depths);
        }
    }

    private static void sampleDepth(long i, List<Integer> depths) {
        if (i % 1_000_000 == 1) {
            depths.add(StackWalker.getInstance().walk(s -> (int) s.count()));
        }
    }

    /** Runs the loop the body starts on shard 0 until it completes; returns the iteration count. */
    private static long drive(Reactor r, long[] n, java.util.function.Supplier<ShardFuture<Void>> start) {
        Object[] loop = new Object[1];
        r.runOn(0, () -> loop[0] = start.get());
        @SuppressWarnings("unchecked")
        ShardFuture<Void> f = (ShardFuture<Void>) loop[0];
        boolean[] done = {false};
        r.runUntil(() -> {
            r.runOn(0, () -> done[0] = f.isDone());
            return done[0];
        }, java.time.Duration.ofSeconds(60));
        r.runOn(0, () -> {
            if (f.isFailed()) {
                throw new AssertionError("loop failed", f.cause());
            }
        });
        return n[0];
    }

    @Test
    void repeatWithResolvedIterations() throws InterruptedException {
        onSmallStack((r, depths) -> {
            long[] n = {0};
            return drive(r, n, () -> ShardFuture.repeat(() -> {
                sampleDepth(++n[0], depths);
                return n[0] == ITERATIONS ? ShardFuture.stop() : ShardFuture.next();
            }));
        });
    }

    @Test
    void doUntilWithResolvedIterations() throws InterruptedException {
        onSmallStack((r, depths) -> {
            long[] n = {0};
            return drive(r, n, () -> ShardFuture.doUntil(() -> n[0] == ITERATIONS, () -> {
                sampleDepth(++n[0], depths);
                return ShardFuture.succeeded(n[0]);
            }));
        });
    }

    @Test
    void repeatWithPendingIterations() throws InterruptedException {
        onSmallStack((r, depths) -> {
            long[] n = {0};
            return drive(r, n, () -> ShardFuture.repeat(() -> {
                sampleDepth(++n[0], depths);
                Promise<Loop> p = new Promise<>();
                Loop last = n[0] == ITERATIONS ? Loop.STOP : Loop.CONTINUE;
                Shard.current().schedule(() -> p.complete(last));
                return p;
            }));
        });
    }

    @Test
    void doUntilWithPendingIterations() throws InterruptedException {
        onSmallStack((r, depths) -> {
            long[] n = {0};
            return drive(r, n, () -> ShardFuture.doUntil(() -> n[0] == ITERATIONS, () -> {
                sampleDepth(++n[0], depths);
                Promise<Void> p = new Promise<>();
                Shard.current().schedule(() -> p.complete(null));
                // A pending iteration whose then-step is itself pending: two hops per iteration.
                return p.then(v -> ShardFuture.done());
            }));
        });
    }
}
