package io.panamax.benchmarks.dpdk;

import io.panamax.nic.dpdk.DpdkNic;
import io.panamax.nic.dpdk.DpdkQueue;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

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
public class AllocationBenchmark extends DpdkBenchmark {
    private static final int FRAME = 60;

    private DpdkNic nic;
    private DpdkQueue queue;
    private PacketPool mbufPackets;
    private MemorySegment frame;
    private final Packet[] burst = new Packet[BURST];

    @Setup
    public void setUp() {
        nic = open("net_null");
        queue = nic.queue(0);
        mbufPackets = PacketPool.unowned(queue.bufferPool());
        frame = Arena.global().allocate(FRAME);
        for (int i = 0; i < FRAME; i++) {
            frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (i < 6 ? 0xff : i));
        }
    }

    @Override
    void beforeClose() {
        if (!queue.bufferPool().isFull()) {
            throw new IllegalStateException("leaked mbufs: " + queue.bufferPool());
        }
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
