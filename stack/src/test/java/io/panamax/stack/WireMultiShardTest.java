package io.panamax.stack;

import io.panamax.ip.Ipv4Address;
import io.panamax.nic.MacAddress;
import io.panamax.nic.wire.Wire;
import io.panamax.nic.wire.WireConfig;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Shard;
import io.panamax.rss.FlowSteering;
import io.panamax.tcp.TcpConnection;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two stacks of N shards joined by an N-queue in-memory wire whose NICs steer like hardware RSS
 * ({@link WireRss}, programmed by each stack): 1000 connections opened from every shard of the
 * client stack, spread over the server's shards within ±25% of even; every connection echoes its
 * own data; replies land on the connecting shard with nothing forwarded; and every callback of a
 * connection runs on its shard's thread.
 */
class WireMultiShardTest {
    private static final int CONNECTIONS = 1000;
    private static final Duration T = Duration.ofSeconds(120);

    @ParameterizedTest(name = "{0} shards")
    @ValueSource(ints = {2, 4, 8})
    void connectionsSpreadEchoAndStayOnTheirShard(int shards) throws Exception {
        Reactor reactor = Reactor.builder().shards(shards).pinThreads(false).buffersPerShard(8192).build().start();
        WireRss toClient = new WireRss(128, shards);
        WireRss toServer = new WireRss(128, shards);
        Wire wire = Wire.pair(WireConfig.builder().name("mq").queues(shards).steeringToA(toClient).steeringToB(toServer)
                .macs(MacAddress.parse("02:00:00:00:0a:01"), MacAddress.parse("02:00:00:00:0a:02")).build());
        Stack client = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.a())).ipv4("10.10.0.1/24").start();
        Stack server = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.b())).ipv4("10.10.0.2/24").start();
        assertEquals(FlowSteering.Mode.HARDWARE, client.steering().mode(), "the wire NIC has RSS: hardware mode");
        AtomicLong offShard = new AtomicLong();
        long[] accepted = new long[shards];
        try {
            // The server echoes on every shard, checking that each callback runs where the connection lives.
            server.await(server.onEveryShard(s -> s.tcp().listen(7, c -> {
                Thread home = Thread.currentThread();
                accepted[s.shard().id()]++;
                echo(c, home, offShard);
            })), T);
            int serverIp = Ipv4Address.parse("10.10.0.2");
            List<CompletableFuture<Integer>> all = new ArrayList<>();
            for (int i = 0; i < shards; i++) {
                int shard = i;
                int mine = CONNECTIONS / shards + (shard < CONNECTIONS % shards ? 1 : 0);
                all.add(reactor.submit(shard, () -> openAndCheck(client, shard, serverIp, mine, offShard)));
            }
            int ok = 0;
            for (CompletableFuture<Integer> f : all) {
                ok += reactor.await(f, T);
            }
            assertEquals(CONNECTIONS, ok, "every connection echoed its own data");
            assertEquals(0, offShard.get(), "no callback ran off its connection's shard");
            var m = reactor.metrics();
            assertEquals(0, m.total("steering_forwarded_total"), "hardware RSS: nothing forwarded");
            assertEquals(0, m.total("steering_missteered_total"));
            assertEquals(0, m.total("steering_hash_mismatches_total"), "the NIC's hash (WireRss) equals the stack's");
            for (int i = 0; i < shards; i++) {
                int id = i;
                accepted[i] = reactor.await(reactor.submit(i, () -> ShardFuture.succeeded(accepted[id])), T);
            }
            long sum = Arrays.stream(accepted).sum();
            assertEquals(CONNECTIONS, sum);
            double even = (double) CONNECTIONS / shards;
            for (int i = 0; i < shards; i++) {
                assertTrue(Math.abs(accepted[i] - even) <= 0.25 * even,
                        "shard " + i + " accepted " + accepted[i] + " of " + CONNECTIONS + ": " + Arrays.toString(accepted));
            }
        } finally {
            client.close();
            server.close();
            assertNull(server.leaksAtClose(), "every buffer and packet returned");
            reactor.stop();
            wire.close();
        }
    }

    /** Opens {@code n} connections from this shard; each sends its own bytes and checks the echo. */
    private static ShardFuture<Integer> openAndCheck(Stack client, int shard, int server, int n, AtomicLong offShard) {
        Shard here = Shard.currentOrThrow();
        List<ShardFuture<Boolean>> results = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            byte[] data = ("shard " + shard + " connection " + k + " " + "x".repeat(k % 300)).getBytes();
            results.add(client.shard(shard).tcp().connect(server, 7).then(c -> {
                if (Shard.current() != here) {
                    offShard.incrementAndGet();
                }
                return exchange(c, data, here, offShard);
            }));
        }
        return ShardFuture.allOf(results).map(list -> (int) list.stream().filter(b -> b).count());
    }

    private static ShardFuture<Boolean> exchange(TcpConnection c, byte[] data, Shard home, AtomicLong offShard) {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        return c.write(data).then(v -> c.shutdownOutput()).then(v -> ShardFuture.repeat(() -> c.read().map(p -> {
            if (Shard.current() != home) {
                offShard.incrementAndGet();
            }
            boolean end = p.isEmpty();
            got.writeBytes(p.toByteArray());
            p.release();
            return end ? Loop.STOP : Loop.CONTINUE;
        }))).then(v -> c.close()).map(v -> {
            assertArrayEquals(data, got.toByteArray());
            return true;
        });
    }

    private static void echo(TcpConnection c, Thread home, AtomicLong offShard) {
        ShardFuture.repeat(() -> c.read().then((ReadBuffer data) -> {
            if (Thread.currentThread() != home) {
                offShard.incrementAndGet();
            }
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
}
