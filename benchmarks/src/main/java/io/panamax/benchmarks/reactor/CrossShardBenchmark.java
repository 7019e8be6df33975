package io.panamax.benchmarks.reactor;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.IdlePolicy;
import io.panamax.reactor.Poller;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.ShardMessage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Messages between two running shard threads (shard 0 and shard 1, pinned when the machine has
 * two CPUs): one-way throughput, the raw round trip of a message and its reply, and the round trip
 * of {@link Shard#submitTo} with its future. Each invocation starts the work on shard 0 and parks
 * the benchmark thread until shard 0 or 1 reports it done, so the figures are per message or per
 * round trip, averaged over a burst.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class CrossShardBenchmark {
    static final int BURST = 100_000;
    static final int ROUND_TRIPS = 10_000;

    /** busy: shards never park (lowest latency); park: the default spin-then-park policy. */
    @Param({"busy", "park"})
    public String idle;

    private Reactor reactor;
    private volatile Thread waiter;
    private volatile long finished;
    private long started;

    // Shard 0's state (touched only on shard 0).
    private int toSend;
    private int pingsLeft;
    // Shard 1's state.
    private int received;
    private int expected;

    private final ShardMessage oneWay = shard -> {
        if (++received == expected) {
            finish();
        }
    };
    private final ShardMessage startBurst = shard -> {
        toSend = BURST;
        expected = received + BURST; // shard 1 reads both after these messages: the queue publishes them
    };
    private final ShardMessage pong = shard -> {
        if (--pingsLeft == 0) {
            finish();
        } else {
            shard.send(1, this.ping());
        }
    };
    private final ShardMessage ping = shard -> shard.send(0, pong);
    private final ShardMessage startPingPong = shard -> {
        pingsLeft = ROUND_TRIPS;
        shard.send(1, ping);
    };
    private static final ShardFuture<Integer> ANSWER = ShardFuture.succeeded(42);
    private static final Supplier<ShardFuture<Integer>> ASK = () -> ANSWER;
    private final ShardMessage startCalls = shard -> {
        int[] left = {ROUND_TRIPS};
        ShardFuture.doUntil(() -> left[0] == 0, () -> shard.submitTo(1, ASK).map(v -> left[0]--))
                .whenComplete((v, e) -> finish());
    };

    private ShardMessage ping() {
        return ping;
    }

    @Setup(Level.Trial)
    public void setUp() {
        IdlePolicy policy = idle.equals("busy") ? IdlePolicy.busyPoll() : IdlePolicy.defaults();
        reactor = Reactor.builder().shards(2).idlePolicy(policy).stallThreshold(Duration.ZERO)
                .buffersPerShard(1).build().start();
        // Shard 0 sends in bursts of at most 512 per loop iteration, never past a full queue.
        reactor.submit(0, () -> {
            Shard s = Shard.current();
            s.addPoller(new Poller() {
                @Override
                public int poll() {
                    int n = 0;
                    while (toSend > 0 && n < 512 && s.deferredTo(1) == 0) {
                        s.send(1, oneWay);
                        toSend--;
                        n++;
                    }
                    return n;
                }
            });
            return ShardFuture.done();
        }).join();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        reactor.close();
    }

    private void finish() {
        finished++;
        LockSupport.unpark(waiter);
    }

    private void runOnShard0(ShardMessage start) {
        waiter = Thread.currentThread();
        long target = ++started;
        reactor.shard(0).execute(start);
        while (finished != target) {
            LockSupport.park(this);
        }
    }

    /** One-way messages from shard 0 to shard 1: time per message. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public void oneWayMessage() {
        runOnShard0(startBurst);
    }

    /** A message to shard 1 and its reply back to shard 0: time per round trip. */
    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public void messageRoundTrip() {
        runOnShard0(startPingPong);
    }

    /** {@code submitTo(1, task)} from shard 0, its future resolved back on shard 0: time per call. */
    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public void submitToRoundTrip() {
        runOnShard0(startCalls);
    }
}
