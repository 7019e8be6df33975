package io.panamax.benchmarks.tls;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.reactor.Promise;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.StreamConnection;
import io.panamax.tls.TlsClient;
import io.panamax.tls.TlsConfig;
import io.panamax.tls.TlsContext;
import io.panamax.tls.TlsServer;
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

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

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
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TlsBulkBenchmark {
    static final int CHUNK = 16 << 20;
    static final int WRITE = 64 * 1024;

    @Param({"tcp", "TLSv1.3", "TLSv1.2"})
    public String transport;

    private TlsBench bench;
    private StreamConnection writer;
    private MemorySegment data;
    private long received;
    private long target;
    private Promise<Void> arrived;
    private long allocatedBefore;
    private long recordsBefore;
    private String suite = "";

    @Setup(Level.Trial)
    public void setUp() {
        bench = new TlsBench();
        try {
            data = TlsBench.pattern(WRITE);
            boolean tls = !transport.equals("tcp");
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
        } catch (RuntimeException e) {
            bench.close();
            throw e;
        }
    }

    private void discard(StreamConnection c) {
        ShardFuture.repeat(() -> c.read().map(p -> {
            boolean end = p.isEmpty();
            received += p.length();
            p.release();
            if (arrived != null && received >= target) {
                Promise<Void> a = arrived;
                arrived = null;
                a.complete(null);
            }
            return end ? Loop.STOP : Loop.CONTINUE;
        }));
    }

    @Benchmark
    public long transfer() {
        return bench.on(() -> {
            target = received + CHUNK;
            Promise<Void> done = new Promise<>();
            arrived = done;
            long[] written = {0};
            return ShardFuture.doUntil(() -> written[0] >= CHUNK, () -> {
                Packet p = bench.shard.packets().allocate();
                p.appendBytes(data, 0, WRITE);
                written[0] += WRITE;
                return writer.write(p);
            }).then(v -> done).map(v -> received);
        });
    }

    @Setup(Level.Iteration)
    public void mark() {
        allocatedBefore = bench.shardAllocatedBytes();
        recordsBefore = bench.counter("tls_records_sent_total");
    }

    @TearDown(Level.Iteration)
    public void report() {
        long bytes = bench.shardAllocatedBytes() - allocatedBefore;
        long records = bench.counter("tls_records_sent_total") - recordsBefore;
        if (records > 0) {
            System.out.printf("%n  %s: shard thread %.0f heap bytes per record, sent and received (%d records)%n",
                    suite, (double) bytes / records, records);
        } else {
            System.out.printf("%n  tcp: shard thread %.2f heap bytes per 64 KiB written%n", (double) bytes / (received / WRITE + 1));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bench.close();
    }
}
