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
    static final String CLIENT_IP6 = "fd00:9::1";
    static final String SERVER_IP6 = "fd00:9::2";

    private final Reactor reactor;
    private final Wire wire;
    private final Stack client;
    private final Stack server;
    private final boolean ipv6;

    WireTestbed(Impairments impairments, long seed, TcpConfig tcp) throws Exception {
        this(impairments, seed, tcp, false);
    }

    /** With {@code ipv6}, both stacks also have an IPv6 address and the client connects to the server's. */
    WireTestbed(Impairments impairments, long seed, TcpConfig tcp, boolean ipv6) throws Exception {
        this(impairments, seed, tcp, ipv6, false);
    }

    /** With {@code checksumOffload}, the wire's NICs offer checksum offload ({@link WireConfig#checksumOffload()}). */
    WireTestbed(Impairments impairments, long seed, TcpConfig tcp, boolean ipv6, boolean checksumOffload) throws Exception {
        this.ipv6 = ipv6;
        ManualClock clock = new ManualClock();
        reactor = Reactor.builder().shards(1).manual().clock(clock).buffersPerShard(32768).build().start();
        wire = Wire.pair(WireConfig.builder().name("bed").clock(clock).seed(seed).impairments(impairments)
                .checksumOffload(checksumOffload).macs(MacAddress.parse("02:00:00:00:09:01"), MacAddress.parse("02:00:00:00:09:02")).build());
        var c = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.a())).ipv4(CLIENT_IP + "/24").tcp(tcp);
        var s = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.b())).ipv4(SERVER_IP + "/24").tcp(tcp);
        if (ipv6) {
            c.ipv6(CLIENT_IP6 + "/64");
            s.ipv6(SERVER_IP6 + "/64");
        }
        client = c.start();
        server = s.start();
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
    public java.net.InetAddress serverInetAddress() {
        return ipv6 ? io.panamax.ip.Ipv6Address.toInetAddress(io.panamax.ip.Ipv6Address.parse(SERVER_IP6)[0],
                io.panamax.ip.Ipv6Address.parse(SERVER_IP6)[1]) : TcpTestbed.super.serverInetAddress();
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
