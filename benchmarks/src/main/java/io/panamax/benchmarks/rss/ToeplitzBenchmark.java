package io.panamax.benchmarks.rss;

import io.panamax.rss.BitwiseToeplitz;
import io.panamax.rss.RssKey;
import io.panamax.rss.Toeplitz;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Nanoseconds per Toeplitz hash of an IPv4 2-tuple and 4-tuple with the table-driven
 * {@link Toeplitz}, against its peer, the bit-at-a-time algorithm of the RSS specification (as
 * DPDK's {@code rte_softrss} computes it), on the same tuples in the same run. Tuples cycle
 * through 1024 random flows so that nothing is constant-folded; reading them is part of each
 * figure. Run with {@code -prof gc}: every method allocates 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ToeplitzBenchmark {
    private static final int FLOWS = 1024;
    private static final int FLOW_MASK = FLOWS - 1;
    private static final int TUPLE_BYTES = 12;

    private final int[] src = new int[FLOWS];
    private final int[] dst = new int[FLOWS];
    private final int[] srcPort = new int[FLOWS];
    private final int[] dstPort = new int[FLOWS];
    /** The same flows as network-order bytes, for the byte-wise paths. */
    private final byte[] tuples = new byte[FLOWS * TUPLE_BYTES];
    private final byte[] key = RssKey.microsoft();
    private Arena arena;
    private MemorySegment packetMemory;
    private Toeplitz toeplitz;
    private int next;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(1);
        ByteBuffer bytes = ByteBuffer.wrap(tuples);
        for (int i = 0; i < FLOWS; i++) {
            src[i] = random.nextInt();
            dst[i] = random.nextInt();
            srcPort[i] = random.nextInt(0x10000);
            dstPort[i] = random.nextInt(0x10000);
            bytes.putInt(src[i]).putInt(dst[i]).putShort((short) srcPort[i]).putShort((short) dstPort[i]);
        }
        toeplitz = Toeplitz.of(key);
        arena = Arena.ofConfined();
        packetMemory = arena.allocate(tuples.length);
        MemorySegment.copy(MemorySegment.ofArray(tuples), 0, packetMemory, 0, tuples.length);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public int ipv4TwoTuple() {
        int i = next++ & FLOW_MASK;
        return toeplitz.hashIpv4(src[i], dst[i]);
    }

    @Benchmark
    public int ipv4FourTuple() {
        int i = next++ & FLOW_MASK;
        return toeplitz.hashIpv4Tcp(src[i], dst[i], srcPort[i], dstPort[i]);
    }

    /** The 4-tuple read byte by byte from off-heap memory, as from a received frame. */
    @Benchmark
    public int ipv4FourTupleFromPacketMemory() {
        int i = next++ & FLOW_MASK;
        return toeplitz.hash(packetMemory, (long) i * TUPLE_BYTES, TUPLE_BYTES);
    }

    /** Peer: one bit at a time. */
    @Benchmark
    public int ipv4TwoTupleBitwise() {
        int i = next++ & FLOW_MASK;
        return BitwiseToeplitz.hash(key, tuples, i * TUPLE_BYTES, 8);
    }

    /** Peer: one bit at a time. */
    @Benchmark
    public int ipv4FourTupleBitwise() {
        int i = next++ & FLOW_MASK;
        return BitwiseToeplitz.hash(key, tuples, i * TUPLE_BYTES, TUPLE_BYTES);
    }
}
