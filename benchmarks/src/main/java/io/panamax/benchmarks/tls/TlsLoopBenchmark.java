package io.panamax.benchmarks.tls;

import io.panamax.benchmarks.BulkSink;
import io.panamax.benchmarks.OneShardBenchmark;
import io.panamax.reactor.Loop;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.StreamConnection;
import io.panamax.tls.TlsClient;
import io.panamax.tls.TlsConfig;
import io.panamax.tls.TlsContext;
import io.panamax.tls.TlsServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;

import java.lang.foreign.MemorySegment;

/**
 * The heap a TLS connection costs per request and per bulk write when the application uses the
 * allocation-free loops of the connection API ({@code readLoop}, {@code writeLoop}), over the same
 * two stacks on one core as {@link TlsBulkBenchmark}:
 *
 * <ul>
 *   <li>{@code transaction}: the client writes 64 bytes, the server's read loop echoes them (the
 *       TLS layer decrypts and encrypts them again), the client's read loop reads the 64 bytes;
 *       one operation is one such transaction.</li>
 *   <li>{@code bulk}: the client's write loop writes 64 KiB packets (each write waits for the TCP
 *       send buffer, which is where a completion write that allocates would show), the server
 *       reads and releases; one operation is one 64 KiB write.</li>
 * </ul>
 *
 * Each iteration prints the shard thread's heap bytes per operation, both ends included (the
 * shard thread is not JMH's thread, so {@code -prof gc} does not see it).
 */
public class TlsLoopBenchmark extends OneShardBenchmark<TlsBench> {
    static final int MESSAGE = 64;
    static final int BATCH = 2_000;
    static final int WRITE = 64 * 1024;
    static final int WRITES = 256;

    @Param({"TLSv1.3"})
    public String protocol;

    private StreamConnection echoClient;
    private StreamConnection bulkClient;
    private MemorySegment message;
    private MemorySegment block;
    private long remaining;
    private int got;
    private final BulkSink sink = new BulkSink();
    private long ops;
    private String what = "";

    @Override
    protected TlsBench newBench() {
        return new TlsBench();
    }

    @Override
    protected void open() {
        message = TlsBench.pattern(MESSAGE);
        block = TlsBench.pattern(WRITE);
        TlsContext server = bench.serverContext(TlsConfig.builder().protocols(protocol));
        TlsContext client = bench.clientContext(TlsConfig.builder().protocols(protocol));
        bench.on(() -> {
            TlsServer.listen(bench.serverTcp(), 7, server, this::echo);
            TlsServer.listen(bench.serverTcp(), 9, server, this::discard);
            return ShardFuture.done();
        });
        echoClient = bench.on(() -> TlsClient.connect(bench.clientTcp(), TlsBench.serverAddress(), 7, client, TlsBench.NAME)
                .map(c -> {
                    c.tcp().setNoDelay(true);
                    return c;
                }));
        bulkClient = bench.on(() -> TlsClient.connect(bench.clientTcp(), TlsBench.serverAddress(), 9, client, TlsBench.NAME)
                .map(c -> {
                    c.tcp().setNoDelay(true);
                    return c;
                }));
    }

    @Override
    protected long units() {
        return ops;
    }

    @Override
    protected String unit() {
        return what;
    }

    @Override
    protected String label() {
        return protocol;
    }

    /** The server of {@code transaction}: writes back what it read (encrypted again). */
    private void echo(StreamConnection c) {
        c.readLoop(p -> {
            if (p.isEmpty()) {
                p.release();
                return ShardFuture.stop();
            }
            return c.write(p).map(v -> Loop.CONTINUE);
        });
    }

    /** The server of {@code bulk}: reads and releases. */
    private void discard(StreamConnection c) {
        c.readLoop(p -> sink.take(p) ? ShardFuture.stop() : ShardFuture.next());
    }

    private ShardFuture<Void> send(StreamConnection c) {
        Packet p = bench.shard.packets().allocate();
        p.appendBytes(message, 0, MESSAGE);
        return c.write(p);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void transaction() {
        what = "transaction";
        bench.on(() -> {
            remaining = BATCH;
            got = 0;
            send(echoClient);
            return echoClient.readLoop(r -> {
                got += r.length();
                r.release();
                if (got < MESSAGE) {
                    return ShardFuture.next();
                }
                got = 0;
                ops++;
                if (--remaining <= 0) {
                    return ShardFuture.stop();
                }
                return send(echoClient).map(v -> Loop.CONTINUE);
            });
        });
    }

    @Benchmark
    @OperationsPerInvocation(WRITES)
    public void bulk() {
        what = "64 KiB write";
        bench.on(() -> {
            ShardFuture<Void> arrived = sink.expect((long) WRITES * WRITE);
            remaining = WRITES;
            return bulkClient.writeLoop(() -> {
                if (remaining <= 0) {
                    return null;
                }
                remaining--;
                ops++;
                Packet p = bench.shard.packets().allocate();
                p.appendBytes(block, 0, WRITE);
                return p;
            }).then(v -> arrived);
        });
    }
}
