package io.panamax.benchmarks.tls;

import io.panamax.benchmarks.ShardHarness;
import io.panamax.ip.Ipv4Address;
import io.panamax.nic.MacAddress;
import io.panamax.nic.wire.Wire;
import io.panamax.nic.wire.WireConfig;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.IdlePolicy;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.stack.NicFactory;
import io.panamax.stack.Stack;
import io.panamax.tcp.Tcp;
import io.panamax.tcp.TcpConfig;
import io.panamax.tls.TlsConfig;
import io.panamax.tls.TlsContext;
import io.panamax.tls.TlsCredentials;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Two whole stacks (NIC, Ethernet, ARP, IPv4, TCP) joined by the in-memory wire, both on one shard
 * of a busy-polling reactor: client and server of every connection are paid for by the same core.
 * The TLS contexts use a self-signed EC P-256 certificate (the default of
 * {@link TlsCredentials#selfSigned}).
 */
final class TlsBench implements ShardHarness {
    static final String CLIENT_IP = "10.9.0.1";
    static final String SERVER_IP = "10.9.0.2";
    static final String NAME = "bench.test";

    final Reactor reactor;
    final Shard shard;
    final Wire wire;
    final Stack client;
    final Stack server;
    final TlsCredentials credentials;
    private final long threadId;

    TlsBench() {
        try {
            Path dir = Files.createTempDirectory("pmx-tls-bench");
            credentials = TlsCredentials.selfSigned(dir, NAME);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        reactor = Reactor.builder().shards(1).idlePolicy(IdlePolicy.busyPoll()).pinThreads(false)
                .stallThreshold(Duration.ZERO).buffersPerShard(65536).build().start();
        shard = reactor.shard(0);
        wire = Wire.pair(WireConfig.builder().name("tls-bench").ringSize(4096)
                .macs(MacAddress.parse("02:00:00:00:09:01"), MacAddress.parse("02:00:00:00:09:02")).build());
        // A short TIME-WAIT (2 MSL = 100 ms): plain connections run at tens of thousands a second, and
        // a client port stays out of use while its connection waits; 250 ms ran out of ports.
        TcpConfig tcp = TcpConfig.builder().msl(Duration.ofMillis(50)).build();
        try {
            client = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.a())).ipv4(CLIENT_IP + "/24").tcp(tcp).start();
            server = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.b())).ipv4(SERVER_IP + "/24").tcp(tcp).start();
        } catch (Exception e) {
            reactor.close();
            throw new IllegalStateException(e);
        }
        threadId = on(() -> ShardFuture.succeeded(Thread.currentThread().threadId()));
    }

    /** A server context with the bench certificate and the given versions. */
    TlsContext serverContext(TlsConfig.Builder settings) {
        return TlsContext.create(settings.credentials(credentials).build());
    }

    /** A client context trusting the bench certificate. */
    TlsContext clientContext(TlsConfig.Builder settings) {
        return TlsContext.create(settings.trust(credentials).build());
    }

    Tcp clientTcp() {
        return client.shard(0).tcp();
    }

    Tcp serverTcp() {
        return server.shard(0).tcp();
    }

    static int serverAddress() {
        return Ipv4Address.parse(SERVER_IP);
    }

    /** Runs {@code task} on the shard and waits for its future. */
    <T> T on(Supplier<ShardFuture<T>> task) {
        return reactor.submit(0, task).join();
    }

    /** {@code bytes} of off-heap memory holding a fixed pattern: what the benchmarks write. */
    static MemorySegment pattern(int bytes) {
        MemorySegment m = Arena.global().allocate(bytes);
        for (int i = 0; i < bytes; i++) {
            m.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31));
        }
        return m;
    }

    @Override
    public long shardAllocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getThreadAllocatedBytes(threadId);
    }

    long counter(String key) {
        return reactor.metrics().total(key);
    }

    @Override
    public void close() {
        client.close();
        server.close();
        reactor.close();
        wire.close();
    }
}
