package io.panamax.benchmarks.tls;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.tcp.StreamConnection;
import io.panamax.tls.TlsClient;
import io.panamax.tls.TlsConfig;
import io.panamax.tls.TlsContext;
import io.panamax.tls.TlsServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Connections per second between two stacks over the in-memory wire on one shard: one operation
 * is one whole connection, client and server both on the shard: TCP handshake, TLS handshake
 * (ECDHE X25519, ECDSA P-256 certificate), close_notify both ways, FIN both ways. {@link #BATCH}
 * connections are in flight at once. {@link PlainConnectionBenchmark} is the peer: the same
 * connections without TLS.
 *
 * <p>{@code tasks=onShard} runs the handshake crypto on the shard itself: connections per
 * second per core. {@code offShard} (the default configuration) runs it on the shared handshake
 * executor ({@link TlsConfig#sharedHandshakeExecutor()}, two threads here): the shard then
 * coordinates more handshakes than one core could compute. {@code session=full} throws each
 * session away so that every handshake is a full one; {@code resumed} lets the client resume
 * (TLS 1.3 PSK with ECDHE, TLS 1.2 session tickets).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TlsHandshakeBenchmark {
    static final int BATCH = 16;

    @Param({"TLSv1.3", "TLSv1.2"})
    public String transport;

    @Param({"onShard", "offShard"})
    public String tasks;

    @Param({"full", "resumed"})
    public String session;

    private TlsBench bench;
    private TlsContext client;

    @Setup(Level.Trial)
    public void setUp() {
        bench = new TlsBench();
        try {
            {
                TlsConfig.Builder s = TlsConfig.builder().protocols(transport);
                TlsConfig.Builder c = TlsConfig.builder().protocols(transport);
                if (tasks.equals("onShard")) {
                    s.delegatedTasksOnShard();
                    c.delegatedTasksOnShard();
                }
                TlsContext server = bench.serverContext(s);
                client = bench.clientContext(c);
                bench.on(() -> {
                    TlsServer.listen(bench.serverTcp(), 443, server, TlsHandshakeBenchmark::closeAfterEnd);
                    return ShardFuture.done();
                });
            }
        } catch (RuntimeException e) {
            bench.close();
            throw e;
        }
    }

    /** The server: reads to the end of the stream, then closes. */
    static void closeAfterEnd(StreamConnection c) {
        ShardFuture.repeat(() -> c.read().map(p -> {
            boolean end = p.isEmpty();
            p.release();
            return end ? Loop.STOP : Loop.CONTINUE;
        })).then(v -> c.close()).recover(e -> {
            c.abort();
            return null;
        });
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void connections() {
        bench.on(() -> {
            List<ShardFuture<Void>> all = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                all.add(oneConnection());
            }
            return ShardFuture.whenAll(all);
        });
    }

    private ShardFuture<Void> oneConnection() {
        return TlsClient.connect(bench.clientTcp(), TlsBench.serverAddress(), 443, client, TlsBench.NAME).then(c -> {
            if (session.equals("full")) {
                c.session().invalidate(); // no resumption next time: every handshake is a full one
            }
            return c.close();
        });
    }

    @TearDown(Level.Iteration)
    public void report() {
        long failed = 0;
        for (var e : bench.reactor.metrics().valuesByKey().entrySet()) {
            if (e.getKey().startsWith("tls_handshake_failures_total")) {
                failed += e.getValue()[e.getValue().length - 1];
            }
        }
        if (failed > 0) {
            throw new IllegalStateException(failed + " handshakes failed");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bench.close();
    }
}
