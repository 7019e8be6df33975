package io.panamax.benchmarks.stack;

import io.panamax.benchmarks.PerCallBenchmark;
import io.panamax.benchmarks.rss.SteeringFixture;
import io.panamax.stack.RxSteering;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.MemorySegment;

/**
 * The heap cost of software RSS per frame: the path of {@code rss.SoftwareRssBenchmark} (a TCP frame
 * through {@link RxSteering} on shard 0, kept there or forwarded to shard 1 and its buffer sent
 * home, over the same {@link SteeringFixture}), with a harness that allocates nothing itself: the
 * frames are off-heap and the task the manual reactor runs is created once, so {@code -prof gc}'s
 * {@code gc.alloc.rate.norm} is the steering path's own (the other benchmark's per-call lambda
 * shows there as 24 bytes per frame).
 */
public class SteeringAllocationBenchmark extends PerCallBenchmark {
    /** {@code local}: the frame's flow belongs to shard 0, which received it; {@code forwarded}: to shard 1. */
    @Param({"local", "forwarded"})
    public String path;

    private SteeringFixture fixture;
    private MemorySegment frame;
    private int frameLength;
    private final Runnable receive = () -> fixture.receiveOnShard0(frame, frameLength);

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new SteeringFixture();
        frame = fixture.frameOwnedBy(path.equals("local") ? 0 : 1);
        frameLength = (int) frame.byteSize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.close();
    }

    @Benchmark
    public void frame() {
        fixture.reactor.runOn(0, receive);
        fixture.reactor.runOnce(); // shard 1 takes forwarded frames; shard 0 takes its buffers back
        fixture.reactor.runOnce();
    }
}
