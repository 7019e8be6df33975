package io.panamax.benchmarks.scaling;

import io.panamax.ip.Ipv4Address;
import io.panamax.nic.MacAddress;
import io.panamax.nic.wire.Wire;
import io.panamax.nic.wire.WireConfig;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.IdlePolicy;
import io.panamax.reactor.Reactor;
import io.panamax.stack.NicFactory;
import io.panamax.stack.Stack;
import io.panamax.stack.WireRss;
import io.panamax.tcp.StandardServices;
import io.panamax.tcp.TcpConnection;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Multi-core scaling of TCP request/response: for each shard count N, one reactor of N shards
 * hosts a client stack and a server stack joined by an N-queue in-memory wire that steers like
 * hardware RSS; every shard runs its own client connections doing 64-byte request/response
 * against the server, and the connections' server ends land on shards by RSS. Shards share
 * nothing, so throughput(N) should approach N × throughput(1) while there are cores for them.
 *
 * <pre>
 *   java -cp ... io.panamax.benchmarks.scaling.ScalingBenchmark [--shards 1,2,4] [--seconds 5]
 *                                                               [--connections 16] [--warmup 2]
 * </pre>
 * Prints one line per shard count and the efficiency throughput(N) / (N × throughput(1)).
 */
public final class ScalingBenchmark {
    private static final int MESSAGE = 64;

    private ScalingBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int[] shardCounts = defaultShardCounts();
        int seconds = 5;
        int warmup = 2;
        int connections = 16;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--shards" -> shardCounts = parseList(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                case "--help" -> {
                    System.out.println("usage: ScalingBenchmark [--shards 1,2,4] [--seconds S] [--warmup S] [--connections C]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        System.out.printf("# %d CPUs, %s; %d connections per shard, %d-byte request/response, %d s (after %d s warm-up)%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"), connections,
                MESSAGE, seconds, warmup);
        System.out.println("# shards  transactions/s  per shard  efficiency throughput(N)/(N*throughput(1))");
        double one = 0;
        for (int n : shardCounts) {
            double tps = run(n, connections, Duration.ofSeconds(warmup), Duration.ofSeconds(seconds));
            if (one == 0) {
                one = tps / n; // per-shard baseline from the first (smallest) count
            }
            System.out.printf("%8d  %14.0f  %9.0f  %.3f%n", n, tps, tps / n, tps / (n * one));
        }
    }

    /** The shard counts to measure: 1, 2, 4, … up to cores − 2 (at least 1 and 2). */
    static int[] defaultShardCounts() {
        int cores = Runtime.getRuntime().availableProcessors();
        int max = Math.max(2, cores - 2);
        List<Integer> counts = new ArrayList<>();
        for (int n = 1; n <= max; n *= 2) {
            counts.add(n);
        }
        if (counts.getLast() != max) {
            counts.add(max);
        }
        return counts.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] parseList(String s) {
        String[] parts = s.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Integer.parseInt(parts[i].trim());
        }
        return out;
    }

    /** Transactions per second over {@code measure}, after {@code warmup}, with {@code shards} shards. */
    static double run(int shards, int connectionsPerShard, Duration warmup, Duration measure) throws Exception {
        Reactor reactor = Reactor.builder().shards(shards).idlePolicy(IdlePolicy.busyPoll())
                .stallThreshold(Duration.ZERO).buffersPerShard(16384).build().start();
        Wire wire = Wire.pair(WireConfig.builder().name("scale").queues(shards)
                .steeringToA(new WireRss(128, shards)).steeringToB(new WireRss(128, shards))
                .macs(MacAddress.parse("02:00:00:00:0b:01"), MacAddress.parse("02:00:00:00:0b:02")).build());
        Stack client = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.a())).ipv4("10.11.0.1/24").start();
        Stack server = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.b())).ipv4("10.11.0.2/24").start();
        try {
            server.await(server.onEveryShard(s -> s.tcp().listen(7, c -> {
                c.setNoDelay(true);
                StandardServices.echo(c);
            })), Duration.ofSeconds(30));
            int serverIp = Ipv4Address.parse("10.11.0.2");
            long[] counts = new long[shards];
            boolean[] stop = new boolean[shards];
            List<CompletableFuture<Object>> running = new ArrayList<>();
            for (int i = 0; i < shards; i++) {
                int shard = i;
                running.add(reactor.submit(shard, () -> {
                    List<ShardFuture<Void>> loops = new ArrayList<>();
                    for (int c = 0; c < connectionsPerShard; c++) {
                        loops.add(client.shard(shard).tcp().connect(serverIp, 7)
                                .then(conn -> pingPong(conn, counts, stop, shard)));
                    }
                    return ShardFuture.whenAll(loops).map(v -> null);
                }));
            }
            Thread.sleep(warmup.toMillis());
            long[] start = snapshot(reactor, counts);
            long t0 = System.nanoTime();
            Thread.sleep(measure.toMillis());
            long[] end = snapshot(reactor, counts);
            long t1 = System.nanoTime();
            for (int i = 0; i < shards; i++) {
                int shard = i;
                reactor.await(reactor.submit(shard, () -> {
                    stop[shard] = true;
                    return ShardFuture.done();
                }), Duration.ofSeconds(10));
            }
            for (CompletableFuture<Object> f : running) {
                reactor.await(f, Duration.ofSeconds(30));
            }
            long total = 0;
            for (int i = 0; i < shards; i++) {
                total += end[i] - start[i];
            }
            return total / ((t1 - t0) / 1e9);
        } finally {
            client.close();
            server.close();
            reactor.stop();
            wire.close();
        }
    }

    /** Each shard's count, read on that shard (counts are shard-local). */
    private static long[] snapshot(Reactor reactor, long[] counts) {
        long[] out = new long[counts.length];
        for (int i = 0; i < counts.length; i++) {
            int shard = i;
            out[i] = reactor.await(reactor.submit(shard, () -> ShardFuture.succeeded(counts[shard])), Duration.ofSeconds(10));
        }
        return out;
    }

    /** Sends 64 bytes, waits for 64 back, counts a transaction; until told to stop. */
    private static ShardFuture<Void> pingPong(TcpConnection c, long[] counts, boolean[] stop, int shard) {
        c.setNoDelay(true);
        byte[] request = new byte[MESSAGE];
        int[] pending = new int[1];
        return ShardFuture.doUntil(() -> stop[shard], () -> c.write(request).then(v -> {
            pending[0] = MESSAGE;
            return ShardFuture.doUntil(() -> pending[0] <= 0, () -> c.read().map(p -> {
                if (p.isEmpty()) {
                    p.release();
                    throw new IllegalStateException("server closed");
                }
                pending[0] -= p.length();
                p.release();
                return null;
            }));
        }).map(v -> {
            counts[shard]++;
            return null;
        })).then(v -> c.close());
    }
}
