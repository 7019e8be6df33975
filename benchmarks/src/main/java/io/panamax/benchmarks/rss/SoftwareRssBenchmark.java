package io.panamax.benchmarks.rss;

import io.panamax.benchmarks.PerCallBenchmark;
import io.panamax.stack.RxSteering;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.MemorySegment;

/**
 * The cost of software RSS per frame: a received TCP frame goes through {@link RxSteering} on
 * shard 0 and either stays there ({@code local}: hash + lookup) or is forwarded to shard 1
 * ({@code forwarded}: hash + lookup + SPSC hand-over + delivery on shard 1 + the buffer's trip home).
 * The difference is what forwarding costs. Both shards run on the benchmark thread (manual reactor,
 * {@link SteeringFixture}), so this is the CPU cost of the path, not cross-core latency. Each call
 * submits a new lambda to shard 0 (24 heap bytes per frame); {@code stack.SteeringAllocationBenchmark}
 * is the same path without it.
 */
public class SoftwareRssBenchmark extends PerCallBenchmark {
    private SteeringFixture fixture;
    private MemorySegment ownedBy0;
    private MemorySegment ownedBy1;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new SteeringFixture();
        ownedBy0 = fixture.frameOwnedBy(0);
        ownedBy1 = fixture.frameOwnedBy(1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.close();
    }

    private void receive(MemorySegment frame) {
        fixture.reactor.runOn(0, () -> fixture.receiveOnShard0(frame, (int) frame.byteSize()));
        fixture.reactor.runOnce(); // shard 1 takes forwarded frames; shard 0 takes its buffers back
        fixture.reactor.runOnce();
    }

    @Benchmark
    public void local() {
        receive(ownedBy0);
    }

    @Benchmark
    public void forwarded() {
        receive(ownedBy1);
    }
}
