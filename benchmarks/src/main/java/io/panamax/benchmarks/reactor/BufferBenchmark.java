package io.panamax.benchmarks.reactor;

import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import io.panamax.benchmarks.PerCallBenchmark;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

/**
 * Packet memory: a buffer allocate/release pair, a packet with headroom allocate/release, and the
 * header work every layer does (prepend a header and write it; trim it off again). The pools are
 * single-thread ({@code unowned}) pools, as a shard's are to its own thread.
 */
public class BufferBenchmark extends PerCallBenchmark {
    private SlabBufferPool buffers;
    private PacketPool packets;
    private Packet held;

    @Setup(Level.Trial)
    public void setUp() {
        buffers = SlabBufferPool.unowned(1024, 2048 + 128, 128);
        packets = PacketPool.unowned(buffers);
        held = packets.allocateWithHeadroom();
        held.appendBytes(new byte[1400], 0, 1400);
    }

    /** One buffer out of the pool and back. */
    @Benchmark
    public int bufferAllocateRelease() {
        Buffer b = buffers.allocate();
        int slot = b.slot();
        b.release();
        return slot;
    }

    /** A packet of one fresh buffer with headroom reserved, and its release. */
    @Benchmark
    public int packetAllocateWithHeadroomRelease() {
        Packet p = packets.allocateWithHeadroom();
        int off = p.headOffset();
        p.release();
        return off;
    }

    /** What each layer does on the way down and up: prepend 20 bytes, write a field, trim them. */
    @Benchmark
    public int prependWriteTrim() {
        held.prepend(20);
        held.setU16(2, 1420);
        int v = held.getU16(2);
        held.trimFront(20);
        return v;
    }

    /** A zero-copy view of a range (a retransmission queue's share), and its release. */
    @Benchmark
    public int shareRelease() {
        Packet view = held.share(100, 1000);
        int n = view.length();
        view.release();
        return n;
    }
}
