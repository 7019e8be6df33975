package io.panamax.benchmarks.reactor;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Promise;
import io.panamax.reactor.Reactor;
import io.panamax.benchmarks.PerCallBenchmark;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import java.util.function.Function;

/**
 * The cost of one step of a future chain: on an already-resolved future (the fast path, which
 * should allocate nothing) and on a pending one (a continuation object, a trip through the shard's
 * run queue). The pending chain runs on shard 0 of a manual reactor, driven by the benchmark thread.
 */
public class FutureBenchmark extends PerCallBenchmark {
    /** Steps in the pending chain that one invocation builds and completes. */
    static final int CHAIN = 100;

    private static final ShardFuture<Integer> ONE = ShardFuture.succeeded(1);
    private static final Function<Integer, ShardFuture<Integer>> TO_ONE = v -> ONE;
    private static final Function<Object, ShardFuture<Object>> IDENTITY = ShardFuture::succeeded;

    private ShardFuture<Integer> resolved;
    private Reactor reactor;
    private final Runnable buildAndComplete = this::buildAndComplete;
    private ShardFuture<Object> last;

    @Setup(Level.Trial)
    public void setUp() {
        resolved = ShardFuture.succeeded(42);
        reactor = Reactor.builder().shards(1).manual().clock(new ManualClock()).buffersPerShard(1).build().start();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        reactor.close();
    }

    /** One {@code then} on a resolved future whose function returns a resolved future. */
    @Benchmark
    public ShardFuture<Integer> resolvedThen() {
        return resolved.then(TO_ONE);
    }

    /** Three resolved steps: then, map to the same boxed value, recover (passes through). */
    @Benchmark
    @OperationsPerInvocation(3)
    public ShardFuture<Integer> resolvedChainOfThree() {
        return resolved.then(TO_ONE).map(v -> v).recover(e -> 0);
    }

    /**
     * A chain of {@value #CHAIN} {@code then} steps on a pending promise, then the promise
     * completes and the shard's loop runs each step from its run queue: per step, one step
     * object, one queue hop, one call.
     */
    @Benchmark
    @OperationsPerInvocation(CHAIN)
    public ShardFuture<Object> pendingThen() {
        reactor.runOn(0, buildAndComplete);
        reactor.runUntilIdle();
        return last;
    }

    private void buildAndComplete() {
        Promise<Object> p = new Promise<>();
        ShardFuture<Object> f = p;
        for (int i = 0; i < CHAIN; i++) {
            f = f.then(IDENTITY);
        }
        last = f;
        p.complete(ONE);
    }
}
