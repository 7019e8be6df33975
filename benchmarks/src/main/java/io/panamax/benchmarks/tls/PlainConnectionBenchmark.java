package io.panamax.benchmarks.tls;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.tcp.StreamConnection;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The peer of {@link TlsHandshakeBenchmark}: the same whole connections over the same two stacks
 * on one shard, without TLS (SYN, SYN-ACK, ACK, FIN both ways), {@link TlsHandshakeBenchmark#BATCH}
 * at a time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PlainConnectionBenchmark {
    private TlsBench bench;

    @Setup(Level.Trial)
    public void setUp() {
        bench = new TlsBench();
        bench.on(() -> {
            bench.serverTcp().listen(443, TlsHandshakeBenchmark::closeAfterEnd);
            return ShardFuture.done();
        });
    }

    @Benchmark
    @OperationsPerInvocation(TlsHandshakeBenchmark.BATCH)
    public void connections() {
        bench.on(() -> {
            List<ShardFuture<Void>> all = new ArrayList<>(TlsHandshakeBenchmark.BATCH);
            for (int i = 0; i < TlsHandshakeBenchmark.BATCH; i++) {
                all.add(bench.clientTcp().connect(TlsBench.serverAddress(), 443)
                        .then(c -> c.shutdownOutput().then(v -> drain(c))));
            }
            return ShardFuture.whenAll(all);
        });
    }

    private static ShardFuture<Void> drain(StreamConnection c) {
        return ShardFuture.repeat(() -> c.read().map(p -> {
            boolean end = p.isEmpty();
            p.release();
            return end ? Loop.STOP : Loop.CONTINUE;
        })).then(v -> c.close());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bench.close();
    }
}
