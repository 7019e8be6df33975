package io.panamax.benchmarks.rss;

import io.panamax.rss.FlowSteering;
import io.panamax.rss.LocalPortAllocator;
import io.panamax.rss.PortRange;
import io.panamax.rss.Toeplitz;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Nanoseconds per connect spent choosing the local port: one {@link LocalPortAllocator#allocate}
 * plus the {@link LocalPortAllocator#release} of the oldest of 1024 open connections, on the last
 * shard of a software-steered stack. The peer is the same allocator with one shard, where every
 * free port qualifies: the ratio is the price of steering replies to the connecting shard
 * (expected about {@code shards} tries per connect). Remote endpoints cycle through 1024 random
 * addresses, all on port 80. Run with {@code -prof gc}: 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LocalPortBenchmark {
    private static final int OPEN = 1024;
    private static final int OPEN_MASK = OPEN - 1;
    private static final int LOCAL_IP = 0x0a070002;
    private static final int HTTP = 80;

    @Param({"1", "4", "16"})
    public int shards;

    private final int[] remotes = new int[OPEN];
    private final int[] open = new int[OPEN];
    private LocalPortAllocator ports;
    private int next;

    @Setup
    public void setUp() {
        FlowSteering steering = FlowSteering.forQueues(Toeplitz.microsoft(), 128, 1, shards);
        ports = new LocalPortAllocator(steering, shards - 1, PortRange.LINUX_EPHEMERAL, 1);
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < OPEN; i++) {
            remotes[i] = random.nextInt();
            open[i] = ports.allocate(LOCAL_IP, remotes[i], HTTP);
        }
    }

    @Benchmark
    public int connect() {
        int slot = next++ & OPEN_MASK;
        ports.release(open[slot]);
        int port = ports.allocate(LOCAL_IP, remotes[slot], HTTP);
        open[slot] = port;
        return port;
    }
}
