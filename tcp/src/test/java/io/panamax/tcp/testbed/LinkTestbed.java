package io.panamax.tcp.testbed;

import io.panamax.ip.Ipv4Address;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.testing.LeakCheck;
import io.panamax.tcp.Tcp;
import io.panamax.tcp.TcpConfig;

/**
 * Two {@link Tcp}s on one shard of a manual-mode reactor with virtual time, joined by an
 * {@link ImpairedLink}: deterministic, and fast because timeouts cost no real time.
 */
public final class LinkTestbed implements TcpTestbed {
    public static final int CLIENT_IP = Ipv4Address.parse("192.168.7.1");
    public static final int SERVER_IP = Ipv4Address.parse("192.168.7.2");

    private final Reactor reactor;
    private final ImpairedLink link;
    private final Tcp client;
    private final Tcp server;

    public LinkTestbed(TcpConfig config, Impairments impairments, boolean checksumOffload) {
        this(config, config, impairments, checksumOffload, 1500);
    }

    public LinkTestbed(TcpConfig clientConfig, TcpConfig serverConfig, Impairments impairments, boolean checksumOffload, int mtu) {
        reactor = Reactor.builder().shards(1).manual().clock(new ManualClock()).buffersPerShard(16384).build().start();
        ImpairedLink[] l = new ImpairedLink[1];
        Tcp[] t = new Tcp[2];
        reactor.runOn(0, () -> {
            l[0] = new ImpairedLink(reactor.shard(0), CLIENT_IP, SERVER_IP, impairments, checksumOffload, mtu);
            t[0] = new Tcp(reactor.shard(0), l[0].a(), clientConfig);
            t[1] = new Tcp(reactor.shard(0), l[0].b(), serverConfig);
            // Side a (client) delivers to side b's handler and back.
            l[0].b().attach(t[1]);
            l[0].a().attach(t[0]);
        });
        link = l[0];
        client = t[0];
        server = t[1];
    }

    public ImpairedLink link() {
        return link;
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
        return client;
    }

    @Override
    public int serverShard() {
        return 0;
    }

    @Override
    public Tcp server() {
        return server;
    }

    @Override
    public int serverAddress() {
        return SERVER_IP;
    }

    @Override
    public void close() {
        reactor.runOn(0, () -> {
            client.shutdown();
            server.shutdown();
        });
        reactor.runUntilIdle();
        reactor.runOn(0, link::close);
        reactor.runUntilIdle();
        try {
            LeakCheck.assertNoLeaks(reactor);
        } finally {
            reactor.close();
        }
    }
}
