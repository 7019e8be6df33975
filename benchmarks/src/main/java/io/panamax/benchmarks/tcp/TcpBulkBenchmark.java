package io.panamax.benchmarks.tcp;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.TcpConnection;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * Bulk TCP throughput over the in-memory link, MTU 1500: one operation moves {@link #CHUNK}
 * bytes from client to server. The writer fills pooled packets (one copy, as an application
 * producing data would) and writes them zero-copy; the reader releases what it reads. Gbit/s =
 * ops/s × 8 × 16 MiB / 1e9. Client and server share one core.
 *
 * <p>Both ends use the connection API's allocation-free loops: the writer a
 * {@code StreamConnection.writeLoop} (one completion object for every write, including the ones
 * that wait for room in the send buffer, where a future per write cost a promise), the reader a
 * {@code readLoop}. Each iteration also prints the heap bytes the shard thread allocated per
 * segment received: the stack's own steady-state allocation plus what the API adds (the one
 * promise per 16 MiB operation that tells JMH's thread the data has arrived).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TcpBulkBenchmark {
    static final int CHUNK = 16 << 20;
    static final int WRITE = 64 * 1024;

    @Param({"true", "false"})
    public boolean checksumOffload;

    private TcpBench bench;
    private TcpConnection writer;
    private MemorySegment data;
    private long received;
    private long written;
    private long target;
    private io.panamax.reactor.Promise<Void> arrived;
    private long allocatedBefore;
    private long segmentsBefore;

    @Setup(Level.Trial)
    public void setUp() {
        try {
            open();
        } catch (RuntimeException e) {
            if (bench != null) {
                bench.close();
            }
            throw e;
        }
    }

    private void open() {
        bench = new TcpBench(TcpConfig.builder().build(), checksumOffload);
        data = Arena.global().allocate(WRITE);
        for (int i = 0; i < WRITE; i++) {
            data.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        writer = bench.on(() -> {
            bench.server.listen(9, c -> c.readLoop(p -> {
                boolean end = p.isEmpty();
                received += p.length();
                p.release();
                if (arrived != null && received >= target) {
                    var a = arrived;
                    arrived = null;
                    a.complete(null);
                }
                return end ? ShardFuture.stop() : ShardFuture.next();
            }));
            return bench.client.connect(TcpBench.SERVER_IP, 9);
        });
    }

    @Benchmark
    public long transfer() {
        return bench.on(() -> {
            target = received + CHUNK;
            var done = new io.panamax.reactor.Promise<Void>();
            arrived = done;
            written = 0;
            return writer.writeLoop(() -> {
                if (written >= CHUNK) {
                    return null;
                }
                Packet p = bench.shard.packets().allocate();
                p.appendBytes(data, 0, WRITE);
                written += WRITE;
                return p;
            }).then(v -> done).map(v -> received);
        });
    }

    @Setup(Level.Iteration)
    public void markAllocation() {
        allocatedBefore = bench.shardAllocatedBytes();
        segmentsBefore = bench.segments();
    }

    @TearDown(Level.Iteration)
    public void reportAllocation() {
        long bytes = bench.shardAllocatedBytes() - allocatedBefore;
        long segs = bench.segments() - segmentsBefore;
        System.out.printf("%n  shard thread: %.2f heap bytes per segment received (%d segments)%n", (double) bytes / segs, segs);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bench.close();
    }
}
