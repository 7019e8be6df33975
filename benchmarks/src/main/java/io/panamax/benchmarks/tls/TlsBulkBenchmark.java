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
import org.openjdk.jmh.annotations.Param;

import java.lang.foreign.MemorySegment;

/**
 * Bulk throughput through TLS against plain TCP, both between two stacks over the in-memory wire
 * (MTU 1500) on one core: one operation moves {@link #CHUNK} bytes from client to server, written
 * 64 KiB at a time from pooled packets (one copy in, as an application producing data would),
 * read and released by the server. Gbit/s = ops/s × 8 × 16 MiB / 1e9. {@code transport=tcp} is
 * the peer: the same stacks and the same code with no TLS, so the ratio is what TLS costs.
 *
 * <p>Each iteration also prints the shard thread's heap allocation per TLS record (up to 16 KiB
 * of plaintext), which counts the client's encryption and the server's decryption of it.
 */
public class TlsBulkBenchmark extends OneShardBenchmark<TlsBench> {
    static final int CHUNK = 16 << 20;
    static final int WRITE = 64 * 1024;

    @Param({"tcp", "TLSv1.3", "TLSv1.2"})
    public String transport;

    private StreamConnection writer;
    private MemorySegment data;
    private final BulkSink sink = new BulkSink();
    private String suite = "";

    @Override
    protected TlsBench newBench() {
        return new TlsBench();
    }

    @Override
    protected void open() {
        data = TlsBench.pattern(WRITE);
        boolean tls = !plainTcp();
        TlsContext server = tls ? bench.serverContext(TlsConfig.builder().protocols(transport)) : null;
        TlsContext client = tls ? bench.clientContext(TlsConfig.builder().protocols(transport)) : null;
        writer = bench.on(() -> {
            if (tls) {
                TlsServer.listen(bench.serverTcp(), 9, server, this::discard);
                return TlsClient.connect(bench.clientTcp(), TlsBench.serverAddress(), 9, client, TlsBench.NAME).map(c -> {
                    suite = c.protocol() + " " + c.cipherSuite();
                    c.tcp().setNoDelay(true);
                    return c;
                });
            }
            bench.serverTcp().listen(9, this::discard);
            // No-delay on both transports: an operation ends with a partial segment, which Nagle
            // would hold until the receiver's delayed ACK, a timer's wait per 16 MiB.
            return bench.clientTcp().connect(TlsBench.serverAddress(), 9).map(c -> {
                c.setNoDelay(true);
                return c;
            });
        });
    }

    /** {@code transport=tcp}: the same stacks without TLS. */
    private boolean plainTcp() {
        return transport.equals("tcp");
    }

    private void discard(StreamConnection c) {
        ShardFuture.repeat(() -> c.read().map(p -> sink.take(p) ? Loop.STOP : Loop.CONTINUE));
    }

    @Override
    protected long units() {
        return plainTcp() ? sink.received() / WRITE : bench.counter("tls_records_sent_total");
    }

    @Override
    protected String unit() {
        return plainTcp() ? "64 KiB written" : "record, sent and received";
    }

    @Override
    protected String label() {
        return plainTcp() ? "tcp" : suite;
    }

    @Benchmark
    public long transfer() {
        return bench.on(() -> {
            ShardFuture<Void> arrived = sink.expect(CHUNK);
            long[] written = {0};
            return ShardFuture.doUntil(() -> written[0] >= CHUNK, () -> {
                Packet p = bench.shard.packets().allocate();
                p.appendBytes(data, 0, WRITE);
                written[0] += WRITE;
                return writer.write(p);
            }).then(v -> arrived).map(v -> sink.received());
        });
    }
}
