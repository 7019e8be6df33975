package io.panamax.stack;

import io.panamax.ip.Ipv4Address;
import io.panamax.nic.MacAddress;
import io.panamax.nic.wire.Impairments;
import io.panamax.nic.wire.Wire;
import io.panamax.nic.wire.WireConfig;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;
import io.panamax.tcp.Tcp;
import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.testbed.TcpTestbed;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Two whole stacks — NIC, Ethernet, ARP, IPv4, TCP — joined by the in-memory wire with seeded
 * impairments, on one manual reactor with virtual time: the TCP scenarios of the tcp module run
 * here over the real layers instead of a test link.
 */
final class WireTestbed implements TcpTestbed {
    static final String CLIENT_IP = "10.9.0.1";
    static final String SERVER_IP = "10.9.0.2";

    private final Reactor reactor;
    private final Wire wire;
    private final Stack client;
    private final Stack server;

    WireTestbed(Impairments impairments, long seed, TcpConfig tcp) throws Exception {
        ManualClock clock = new ManualClock();
        reactor = Reactor.builder().shards(1).manual().clock(clock).buffersPerShard(32768).build().start();
        wire = Wire.pair(WireConfig.builder().name("bed").clock(clock).seed(seed).impairments(impairments)
                .macs(MacAddress.parse("02:00:00:00:09:01"), MacAddress.parse("02:00:00:00:09:02")).build());
        client = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.a())).ipv4(CLIENT_IP + "/24").tcp(tcp).start();
        server = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.b())).ipv4(SERVER_IP + "/24").tcp(tcp).start();
    }

    Wire wire() {
        return wire;
    }

    @Override
    public Reactor reactor() {
        return reactor;
    }

    @Override
    public int clientShard() {
        return 0;
    }

    @Override
    public Tcp client() {
        return client.shard(0).tcp();
    }

    @Override
    public int serverShard() {
        return 0;
    }

    @Override
    public Tcp server() {
        return server.shard(0).tcp();
    }

    @Override
    public int serverAddress() {
        return Ipv4Address.parse(SERVER_IP);
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
