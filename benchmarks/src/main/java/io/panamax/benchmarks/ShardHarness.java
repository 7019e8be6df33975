package io.panamax.benchmarks;

/**
 * An in-process test bed whose both ends run on one shard thread (the TCP and TLS benchmarks'
 * {@code TcpBench} and {@code TlsBench}): what {@link OneShardBenchmark} needs of it.
 */
public interface ShardHarness extends AutoCloseable {
    /** Heap bytes the shard thread has allocated so far. */
    long shardAllocatedBytes();

    @Override
    void close();
}
