package io.panamax.benchmarks;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * The fixture the throughput benchmarks over one in-process shard share (TCP bulk and
 * request/response, TLS bulk and loops): the test bed made once per trial and closed after it,
 * also when setting up the connections fails; and, after each iteration, the heap bytes the shard
 * thread allocated per unit of work, printed (the shard thread is not JMH's, so {@code -prof gc}
 * does not see it). Operations per second, state shared by the benchmark's threads.
 *
 * @param <B> the test bed
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public abstract class OneShardBenchmark<B extends ShardHarness> {
    protected B bench;
    private long allocatedBefore;
    private long unitsBefore;

    /** Makes the test bed (the {@code @Param} fields are set by now). */
    protected abstract B newBench();

    /** Listens and connects on {@link #bench}. */
    protected abstract void open();

    /** A running count of what the heap is reported per (segments received, records, operations). */
    protected abstract long units();

    /** What {@link #units} counts, in the singular ("segment received"). */
    protected abstract String unit();

    /** What the heap line is about (a protocol, a cipher suite). */
    protected String label() {
        return "shard thread";
    }

    @Setup(Level.Trial)
    public final void setUp() {
        bench = newBench();
        try {
            open();
        } catch (RuntimeException e) {
            bench.close();
            throw e;
        }
    }

    @Setup(Level.Iteration)
    public final void markAllocation() {
        allocatedBefore = bench.shardAllocatedBytes();
        unitsBefore = units();
    }

    @TearDown(Level.Iteration)
    public final void reportAllocation() {
        long bytes = bench.shardAllocatedBytes() - allocatedBefore;
        long n = units() - unitsBefore;
        System.out.printf("%n  %s: %.2f heap bytes per %s (%d)%n", label(), (double) bytes / Math.max(1, n), unit(), n);
    }

    @TearDown(Level.Trial)
    public final void tearDown() {
        bench.close();
    }
}
