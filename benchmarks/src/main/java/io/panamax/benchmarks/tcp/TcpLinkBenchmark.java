package io.panamax.benchmarks.tcp;

import io.panamax.benchmarks.OneShardBenchmark;

/**
 * The TCP benchmarks over the in-memory link ({@link TcpBench}): the shard thread's heap is
 * reported per segment received, both stacks' segments counted.
 */
public abstract class TcpLinkBenchmark extends OneShardBenchmark<TcpBench> {
    @Override
    protected final long units() {
        return bench.segments();
    }

    @Override
    protected final String unit() {
        return "segment received";
    }
}
