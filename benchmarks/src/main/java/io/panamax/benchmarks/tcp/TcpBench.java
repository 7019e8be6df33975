package io.panamax.benchmarks.tcp;

import io.panamax.benchmarks.ShardHarness;
import io.panamax.ip.Ipv4Address;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.IdlePolicy;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.tcp.Tcp;
import io.panamax.tcp.TcpConfig;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A client and a server {@link Tcp} on one shard (one thread, busy polling) joined by a
 * {@link LoopbackIpLink}: both ends of every transfer are paid for by the same core.
 */
final class TcpBench implements ShardHarness {
    static final int CLIENT_IP = Ipv4Address.parse("10.9.0.1");
    static final int SERVER_IP = Ipv4Address.parse("10.9.0.2");

    final Reactor reactor;
    final Shard shard;
    LoopbackIpLink link;
    Tcp client;
    Tcp server;
    private final long threadId;

    TcpBench(TcpConfig config, boolean checksumOffload) {
        reactor = Reactor.builder().shards(1).idlePolicy(IdlePolicy.busyPoll()).pinThreads(false)
                .stallThreshold(Duration.ZERO).buffersPerShard(32768).build().start();
        shard = reactor.shard(0);
        threadId = on(() -> {
            link = new LoopbackIpLink(shard, CLIENT_IP, SERVER_IP, checksumOffload, 1500);
            shard.addPoller(link);
            client = new Tcp(shard, link.a(), config);
            server = new Tcp(shard, link.b(), config);
            link.a().handler = client;
            link.b().handler = server;
            return ShardFuture.succeeded(Thread.currentThread().threadId());
        });
    }

    /** Runs {@code task} on the shard and waits for its future. */
    <T> T on(Supplier<ShardFuture<T>> task) {
        return reactor.submit(0, task).join();
    }

    @Override
    public long shardAllocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getThreadAllocatedBytes(threadId);
    }

    /**
     * Segments both stacks have received so far: the counter is the shard's, which both stacks
     * on it share (metrics are per shard), so it already holds the sum.
     */
    long segments() {
        return on(() -> ShardFuture.succeeded(client.counters().segmentsIn.get()));
    }

    @Override
    public void close() {
        on(() -> {
            client.shutdown();
            server.shutdown();
            return ShardFuture.done();
        });
        on(() -> {
            link.clear();
            return ShardFuture.done();
        });
        reactor.close();
    }
}
