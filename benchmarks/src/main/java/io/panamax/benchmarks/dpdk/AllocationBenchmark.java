package io.panamax.benchmarks.dpdk;

import io.panamax.nic.dpdk.DpdkNic;
import io.panamax.nic.dpdk.DpdkQueue;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * Per-frame cost, and Java heap allocated per frame ({@code -prof gc}: gc.alloc.rate.norm, goal 0),
 * of the DPDK backend's receive and transmit paths on {@code net_null}, 32 frames per call.
 *
 * <ul>
 *   <li>{@code receive}: a full burst becomes 32 pooled {@link Packet}s over the driver's mbufs,
 *       which the benchmark releases (the mbufs go back to the queue's pool).</li>
 *   <li>{@code transmit}: 32 packets built in mbufs of the queue's pool (a 60-byte frame written
 *       into each), sent without a copy.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AllocationBenchmark {
    private static final int BURST = 32;
    private static final int FRAME = 60;

    private DpdkNic nic;
    private DpdkQueue queue;
    private PacketPool mbufPackets;
    private MemorySegment frame;
    private final Packet[] burst = new Packet[BURST];

    @Setup
    public void setUp() {
        nic = DpdkPorts.open("net_null");
        queue = nic.queue(0);
        mbufPackets = PacketPool.unowned(queue.bufferPool());
        frame = Arena.global().allocate(FRAME);
        for (int i = 0; i < FRAME; i++) {
            frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (i < 6 ? 0xff : i));
        }
    }

    @TearDown
    public void tearDown() {
        if (!queue.bufferPool().isFull()) {
            throw new IllegalStateException("leaked mbufs: " + queue.bufferPool());
        }
        nic.close();
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int receive() {
        int n = queue.receive(burst, BURST);
        int bytes = 0;
        for (int i = 0; i < n; i++) {
            bytes += burst[i].length();
            burst[i].release();
            burst[i] = null;
        }
        return bytes;
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int transmit() {
        int n = 0;
        for (; n < BURST; n++) {
            Packet p = mbufPackets.allocateWithHeadroom();
            if (p == null) {
                break;
            }
            p.appendBytes(frame, 0, FRAME);
            burst[n] = p;
        }
        int sent = queue.transmit(burst, n);
        for (int i = sent; i < n; i++) {
            burst[i].release();
        }
        return sent;
    }
}
