package io.panamax.benchmarks.tap;

import io.panamax.nic.MacAddress;
import io.panamax.reactor.buffer.Packet;
import org.openjdk.jmh.annotations.Benchmark;

/**
 * Transmit cost per frame of the TAP backend against a plain C write loop on the same descriptor.
 *
 * <p>Each invocation sends a burst of {@value TapBench#BURST} copies of one frame addressed to a
 * MAC that is not the kernel's, so the kernel takes each one in and drops it early as
 * not-for-this-host: {@code tapQueueTransmit} as zero-copy views of a template packet (a pooled
 * wrapper and a buffer reference each) through {@link io.panamax.nic.tap.TapQueue#transmit}, one
 * {@code write} per frame through FFM; {@code cWriteLoop} with {@code write(2)} in C, entered once
 * per burst. Scores are per frame ({@link TapBurstBenchmark}); {@code -prof gc} gives the heap
 * bytes per frame.
 */
public class TapTxBenchmark extends TapBurstBenchmark {
    private Packet template;
    private final Packet[] out = new Packet[TapBench.BURST];

    @Override
    void prepare() {
        byte[] bytes = useFrame(MacAddress.parse("02:00:00:00:00:99"), bench.nic.mac());
        template = bench.packets.allocateWithHeadroom();
        template.appendBytes(bytes, 0, bytes.length);
    }

    @Benchmark
    public int tapQueueTransmit() {
        for (int i = 0; i < TapBench.BURST; i++) {
            out[i] = template.share();
        }
        int n = bench.queue.transmit(out, TapBench.BURST);
        for (int i = n; i < TapBench.BURST; i++) {
            out[i].release();
        }
        burst(n);
        return n;
    }

    @Benchmark
    public long cWriteLoop() {
        long n = bench.peer.writeBurst(fd, frame.address(), frameSize, TapBench.BURST);
        burst(n);
        return n;
    }

    @Override
    long finish() {
        template.release();
        return bench.queue.stats().txErrors.get();
    }
}
