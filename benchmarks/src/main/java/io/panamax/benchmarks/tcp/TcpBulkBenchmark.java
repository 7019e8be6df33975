package io.panamax.benchmarks.tcp;

import io.panamax.benchmarks.BulkSink;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.TcpConnection;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

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
public class TcpBulkBenchmark extends TcpLinkBenchmark {
    static final int CHUNK = 16 << 20;
    static final int WRITE = 64 * 1024;

    @Param({"true", "false"})
    public boolean checksumOffload;

    private TcpConnection writer;
    private MemorySegment data;
    private final BulkSink sink = new BulkSink();
    private long written;

    @Override
    protected TcpBench newBench() {
        return new TcpBench(TcpConfig.builder().build(), checksumOffload);
    }

    @Override
    protected void open() {
        data = Arena.global().allocate(WRITE);
        for (int i = 0; i < WRITE; i++) {
            data.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        writer = bench.on(() -> {
            bench.server.listen(9, c -> c.readLoop(p -> sink.take(p) ? ShardFuture.stop() : ShardFuture.next()));
            return bench.client.connect(TcpBench.SERVER_IP, 9);
        });
    }

    @Benchmark
    public long transfer() {
        return bench.on(() -> {
            ShardFuture<Void> arrived = sink.expect(CHUNK);
            written = 0;
            return writer.writeLoop(() -> {
                if (written >= CHUNK) {
                    return null;
                }
                Packet p = bench.shard.packets().allocate();
                p.appendBytes(data, 0, WRITE);
                written += WRITE;
                return p;
            }).then(v -> arrived).map(v -> sink.received());
        });
    }
}
