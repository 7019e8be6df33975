package io.panamax.tls;

import io.panamax.ip.Ipv4Address;
import io.panamax.nic.MacAddress;
import io.panamax.nic.wire.Wire;
import io.panamax.nic.wire.WireConfig;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.reactor.Reactor;
import io.panamax.stack.NicFactory;
import io.panamax.stack.Stack;
import io.panamax.tcp.StreamConnection;
import io.panamax.tcp.Tcp;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Two whole stacks (NIC, Ethernet, ARP, IPv4, TCP) joined by the in-memory wire, on one shard of
 * a threaded reactor: the client's TLS talks to the server's TLS through every layer, with the
 * JDK's SSLEngine on both ends. Both stacks share the shard, hence its counters.
 */
final class WirePair implements AutoCloseable {
    static final String CLIENT_IP = "10.9.0.1";
    static final String SERVER_IP = "10.9.0.2";
    /** Over IPv6 too (each stack passes duplicate address detection at start: one second). */
    static final String CLIENT_IP6 = "fd00:9::1";
    static final String SERVER_IP6 = "fd00:9::2";
    static final Duration T = Duration.ofSeconds(60);

    final Reactor reactor;
    final Wire wire;
    final Stack client;
    final Stack server;

    WirePair(Consumer<Reactor.Builder> settings) throws Exception {
        Reactor.Builder b = Reactor.builder().shards(1).pinThreads(false).buffersPerShard(32768);
        settings.accept(b);
        reactor = b.build().start();
        wire = Wire.pair(WireConfig.builder().name("tls")
                .macs(MacAddress.parse("02:00:00:00:09:01"), MacAddress.parse("02:00:00:00:09:02")).build());
        client = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.a())).ipv4(CLIENT_IP + "/24")
                .ipv6(CLIENT_IP6 + "/64").start();
        server = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.b())).ipv4(SERVER_IP + "/24")
                .ipv6(SERVER_IP6 + "/64").start();
    }

    WirePair() throws Exception {
        this(b -> {
        });
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
        return reactor.await(reactor.submit(0, task), T);
    }

    /** Runs {@code task} on the shard and returns the failure of its future (or fails the test). */
    Throwable failureOf(Supplier<ShardFuture<?>> task) {
        return on(() -> task.get().handle((v, e) -> e));
    }

    long counter(String key) {
        return reactor.metrics().total(key);
    }

    /** Writes {@code data}, half-closes, and reads until the end of the stream: what came back. */
    static ShardFuture<byte[]> exchange(StreamConnection c, byte[] data) {
        ByteArrayOutputStream got = new ByteArrayOutputStream(data.length);
        ShardFuture<Void> sent = c.write(data).then(v -> c.shutdownOutput());
        ShardFuture<Void> received = readAll(c, got);
        return ShardFuture.whenAll(List.of(sent, received)).then(v -> c.close()).map(v -> got.toByteArray());
    }

    /** Writes {@code data}, reads as many bytes back, then closes (sending close_notify). */
    static ShardFuture<byte[]> echoThenClose(StreamConnection c, byte[] data) {
        ByteArrayOutputStream got = new ByteArrayOutputStream(data.length);
        ShardFuture<Void> sent = c.write(data);
        ShardFuture<Void> received = ShardFuture.repeat(() -> c.read().map(p -> {
            boolean end = p.isEmpty();
            got.writeBytes(p.toByteArray());
            p.release();
            return end || got.size() >= data.length ? Loop.STOP : Loop.CONTINUE;
        }));
        return ShardFuture.whenAll(List.of(sent, received)).then(v -> c.close()).map(v -> got.toByteArray());
    }

    /** Reads until the end of the stream into {@code into}. */
    static ShardFuture<Void> readAll(StreamConnection c, ByteArrayOutputStream into) {
        return ShardFuture.repeat(() -> c.read().map(p -> {
            boolean end = p.isEmpty();
            into.writeBytes(p.toByteArray());
            p.release();
            return end ? Loop.STOP : Loop.CONTINUE;
        }));
    }

    /** The echo service of the samples: every byte back, close after the end of stream. */
    static ShardFuture<Void> echo(StreamConnection c) {
        return ShardFuture.repeat(() -> c.read().then(data -> {
            if (data.isEmpty()) {
                data.release();
                return ShardFuture.stop();
            }
            return c.write(data).map(v -> Loop.CONTINUE);
        })).then(v -> c.close()).recover(e -> {
            c.abort();
            return null;
        });
    }

    @Override
    public void close() {
        client.close();
        server.close();
        // Both stacks share the reactor's pools: the second close sees everything back.
        assertNull(server.leaksAtClose(), "every buffer and packet returned");
        reactor.stop();
        wire.close();
    }
}
