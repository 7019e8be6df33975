package io.panamax.stack;

import io.panamax.ip.Ipv6Address;
import io.panamax.ip.UdpHandler;
import io.panamax.ip.UdpSocket;
import io.panamax.nic.MacAddress;
import io.panamax.nic.wire.Wire;
import io.panamax.nic.wire.WireConfig;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.rss.FlowSteering;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IPv6 flow steering between two stacks of four shards on the in-memory wire: UDP datagrams from
 * 64 source ports (small ones, and 3000-byte ones that travel as fragments) reach the server
 * shard that owns their IPv6 4-tuple, as {@link FlowSteering#shardOfIpv6Tcp} computes it from the
 * Toeplitz hash, under both steerings:
 *
 * <ul>
 *   <li>software: one receive queue, the receiving shard hashes and forwards;</li>
 *   <li>hardware: four queues and a wire NIC hashing like RSS ({@link WireRss}, programmed by the
 *       stack with IPv6 hash types); nothing but reassembled datagrams is forwarded and nothing
 *       is mis-steered.</li>
 * </ul>
 *
 * Fragments are hashed by the address pair (as NICs do); the datagram reassembled there goes on to
 * its 4-tuple's shard. Every datagram is answered from that shard, so the echo also checks the
 * path back.
 */
class WireIpv6SteeringTest {
    private static final int SHARDS = 4;
    private static final int PORTS = 64;
    private static final int FIRST_PORT = 41000;
    private static final Duration T = Duration.ofSeconds(60);
    private static final String CLIENT = "fd00:6::1";
    private static final String SERVER = "fd00:6::2";

    @ParameterizedTest(name = "hardware RSS: {0}")
    @ValueSource(booleans = {false, true})
    void ipv6DatagramsReachTheShardOfTheir4Tuple(boolean hardware) throws Exception {
        Reactor reactor = Reactor.builder().shards(SHARDS).pinThreads(false).buffersPerShard(4096).build().start();
        WireConfig.Builder config = WireConfig.builder().name("v6").queues(hardware ? SHARDS : 1)
                .macs(MacAddress.parse("02:00:00:00:06:01"), MacAddress.parse("02:00:00:00:06:02"));
        if (hardware) {
            config.steeringToA(new WireRss(128, SHARDS)).steeringToB(new WireRss(128, SHARDS));
        }
        Wire wire = Wire.pair(config.build());
        Stack client = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.a())).ipv4("10.6.0.1/24").ipv6(CLIENT + "/64").start();
        Stack server = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.b())).ipv4("10.6.0.2/24").ipv6(SERVER + "/64").start();
        Map<String, Integer> arrivedOn = new ConcurrentHashMap<>();
        Map<String, Integer> echoed = new ConcurrentHashMap<>();
        try {
            assertEquals(hardware ? FlowSteering.Mode.HARDWARE : FlowSteering.Mode.SOFTWARE, server.steering().mode());
            server.await(server.onEveryShard(s -> s.udp().bind(7, new UdpHandler() {
                @Override
                public void onDatagram(UdpSocket socket, int srcIp, int srcPort, ReadBuffer payload) {
                    payload.release();
                }

                @Override
                public void onDatagram6(UdpSocket socket, long srcHigh, long srcLow, int srcPort, ReadBuffer payload) {
                    arrivedOn.put(srcPort + "/" + payload.length(), Shard.current().id());
                    socket.send6(srcHigh, srcLow, srcPort, payload);
                }
            })), T);
            long[] c = Ipv6Address.parse(CLIENT);
            long[] s = Ipv6Address.parse(SERVER);
            // The client binds its ports on every shard (echoes land where its own steering puts them) and sends from shard 0.
            UdpSocket[] senders = new UdpSocket[PORTS];
            client.await(client.onEveryShard(sh -> {
                for (int i = 0; i < PORTS; i++) {
                    UdpSocket socket = sh.udp().bind(FIRST_PORT + i, new UdpHandler() {
                        @Override
                        public void onDatagram(UdpSocket socket, int srcIp, int srcPort, ReadBuffer payload) {
                            payload.release();
                        }

                        @Override
                        public void onDatagram6(UdpSocket socket, long srcHigh, long srcLow, int srcPort, ReadBuffer payload) {
                            echoed.put(socket.localPort() + "/" + payload.length(), Shard.current().id());
                            payload.release();
                        }
                    });
                    if (sh.shard().id() == 0) {
                        senders[i] = socket;
                    }
                }
            }), T);
            for (int size : new int[] {100, 3000}) {
                long deadline = System.nanoTime() + T.toNanos();
                // The first datagrams may wait on neighbour resolution (its queue holds a few): send until all came back.
                while (countSize(echoed, size) < PORTS && System.nanoTime() < deadline) {
                    reactor.await(reactor.submit(0, () -> {
                        for (int i = 0; i < PORTS; i++) {
                            int port = FIRST_PORT + i;
                            if (!echoed.containsKey(port + "/" + size)) {
                                Packet p = Shard.current().packets().allocateWithHeadroom();
                                p.appendBytes(new byte[size], 0, size);
                                senders[i].send6(s[0], s[1], 7, p);
                            }
                        }
                        return ShardFuture.done();
                    }), T);
                    Thread.sleep(50);
                }
                assertEquals(PORTS, countSize(echoed, size), size + "-byte datagrams echoed: " + echoed.keySet());
            }
            FlowSteering steering = server.steering();
            int[] perShard = new int[SHARDS];
            for (int i = 0; i < PORTS; i++) {
                int port = FIRST_PORT + i;
                int owner = steering.shardOfIpv6Tcp(c[0], c[1], s[0], s[1], port, 7);
                assertEquals(owner, arrivedOn.get(port + "/100"), "datagram from port " + port);
                assertEquals(owner, arrivedOn.get(port + "/3000"), "fragmented datagram from port " + port + ", reassembled");
                perShard[owner]++;
            }
            for (int n : perShard) {
                assertTrue(n > 0, "every shard owns some of the 64 flows: " + java.util.Arrays.toString(perShard));
            }
            var m = reactor.metrics();
            assertTrue(m.total("ipv6_datagrams_reassembled_total") >= 2 * PORTS, "the 3000-byte datagrams came as fragments");
            assertEquals(0, m.total("steering_missteered_total"), "the NIC's steering agrees with the stack's");
            assertEquals(0, m.total("steering_hash_mismatches_total"), "the NIC's hash (WireRss) equals the stack's");
            if (hardware) {
                for (int i = 0; i < PORTS; i++) {
                    int port = FIRST_PORT + i;
                    assertEquals(client.steering().shardOfIpv6Tcp(s[0], s[1], c[0], c[1], 7, port), echoed.get(port + "/100"),
                            "the echo to port " + port + " landed where the client's NIC steers it");
                }
            } else {
                assertTrue(m.total("steering_forwarded_total") > 0, "software steering forwarded frames to their owners");
            }
        } finally {
            client.close();
            server.close();
            assertNull(client.leaksAtClose(), "every buffer and packet returned");
            assertNull(server.leaksAtClose(), "every buffer and packet returned");
            reactor.stop();
            wire.close();
        }
    }

    private static long countSize(Map<String, Integer> seen, int size) {
        return seen.keySet().stream().filter(k -> k.endsWith("/" + size)).count();
    }
}
