package io.panamax.stack;

import io.panamax.ip.Ipv4;
import io.panamax.ip.Ipv4Address;
import io.panamax.ip.Route;
import io.panamax.ip.UdpSocket;
import io.panamax.ip.dhcp.DhcpClient;
import io.panamax.ip.dhcp.DhcpLease;
import io.panamax.ip.dhcp.DhcpMessage;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The stack's address from DHCP: a {@link DhcpClient} on shard 0, port 68 bound on every shard
 * (software RSS may hand a server's reply to any shard: the others forward it to shard 0), and a
 * lease applied to every shard's IPv4 and ARP by message before it counts as in use.
 */
final class DhcpAddressing implements DhcpClient.Listener, DhcpClient.AddressProbe {
    /** The route of a stack without an address: 0.0.0.0/0, which receives only broadcasts. */
    static final Route UNCONFIGURED = new Route(new Ipv4Address.Prefix(Ipv4Address.ANY, 0), Ipv4Address.ANY);

    private final Shard home;
    private final ShardStack[] shards;
    private final int nicMtu;
    private final Consumer<Route> published;
    private final CompletableFuture<DhcpLease> firstLease = new CompletableFuture<>();
    private DhcpClient client;
    private final LeaseFile leaseFile;

    DhcpAddressing(Shard home, ShardStack[] shards, int nicMtu, Consumer<Route> published) {
        this(home, shards, nicMtu, published, null);
    }

    /** @param leaseFile where each lease is kept across restarts, or null */
    DhcpAddressing(Shard home, ShardStack[] shards, int nicMtu, Consumer<Route> published, LeaseFile leaseFile) {
        this.leaseFile = leaseFile;
        this.home = home;
        this.shards = shards;
        this.nicMtu = nicMtu;
        this.published = published;
    }

    /**
     * On shard 0: binds port 68 on every shard and starts the client, from INIT-REBOOT with
     * {@code previous} (a lease held before) when not null.
     */
    ShardFuture<Void> start(long mac, DhcpClient.Config config, DhcpLease previous) {
        ShardFuture<Void> bound = open(mac, config);
        // RFC 5227 §2.4: a claim on the bound address seen by any shard's ARP goes to the client, which defends or declines.
        for (int i = 0; i < shards.length; i++) {
            int id = i;
            if (id == home.id()) {
                shards[id].arp().onOwnAddressConflict((ip, senderMac) -> client.conflictWhileBound(ip, senderMac));
            } else {
                home.send(id, s -> shards[id].arp().onOwnAddressConflict((ip, senderMac) ->
                        shards[id].shard().send(home.id(), h -> client.conflictWhileBound(ip, senderMac))));
            }
        }
        client.start(previous);
        return bound;
    }

    /**
     * On shard 0, for a stack whose address is static: DHCPINFORM for {@code address} (RFC 2131
     * §3.4), the port and the client made at the first call. No lease is taken, so ARP keeps
     * defending the static address itself.
     */
    ShardFuture<DhcpMessage.Options> inform(long mac, DhcpClient.Config config, int address) {
        ShardFuture<Void> ready = client == null ? open(mac, config) : ShardFuture.done();
        return ready.then(v -> client.inform(address));
    }

    /** Binds port 68 on every shard (the others forward to shard 0) and makes the client. */
    private ShardFuture<Void> open(long mac, DhcpClient.Config config) {
        List<ShardFuture<?>> binds = new ArrayList<>();
        for (int i = 1; i < shards.length; i++) {
            int id = i;
            binds.add(home.submitTo(id, () -> {
                Shard here = shards[id].shard();
                shards[id].udp().bind(DhcpMessage.CLIENT_PORT, (socket, ip, port, data) -> {
                    Packet packet = Packet.of(data, here.packets()); // the stack's own packet: no copy
                    if (packet != null) {
                        packet.forward(here, home.id(), p -> client.receive(p));
                    }
                });
                return ShardFuture.done();
            }));
        }
        UdpSocket socket = shards[home.id()].udp().bind(DhcpMessage.CLIENT_PORT, (s, ip, port, data) -> {
            Packet packet = Packet.of(data, home.packets());
            if (packet != null) {
                client.receive(packet);
            }
        });
        Ipv4 ipv4 = shards[home.id()].ipv4();
        client = new DhcpClient(home, socket, mac, config, this, new SplittableRandom(System.nanoTime() ^ mac),
                ipv4::neighbourKnown, this, home.metrics());
        return ShardFuture.whenAll(binds);
    }

    DhcpClient client() {
        return client;
    }

    /** Completes when the first lease is in use on every shard. */
    CompletableFuture<DhcpLease> firstLease() {
        return firstLease;
    }

    @Override
    public void bound(DhcpLease lease, boolean renewed) {
        if (leaseFile != null) {
            leaseFile.save(lease); // renewed too: the times the next start sees are the latest
        }
        if (renewed) {
            return; // same address, same subnet: nothing to change on the shards
        }
        Route route = new Route(lease.prefix(), lease.usableRouter());
        int mtu = lease.interfaceMtu() == 0 ? nicMtu : Math.min(nicMtu, lease.interfaceMtu());
        apply(route, mtu).whenComplete((v, e) -> {
            published.accept(route);
            // The client has probed the address (RFC 2131 §4.4.1); now announce it (RFC 5227
            // §2.3), so that neighbours with a stale mapping learn the new one.
            shards[home.id()].arp().announce();
            firstLease.complete(lease);
        });
    }

    @Override
    public void probe(int ip) {
        shards[home.id()].arp().probe(ip);
    }

    @Override
    public void defend() {
        shards[home.id()].arp().defend();
    }

    /**
     * Every shard watches: an ARP reply lands on whichever shard the NIC or software RSS gives it
     * (frames without an IP flow stay where they arrive), and is reported to the client on shard 0.
     */
    @Override
    public void watch(int ip) {
        for (int i = 0; i < shards.length; i++) {
            int id = i;
            if (id == home.id()) {
                shards[id].arp().watch(ip, client::addressInUse);
            } else {
                home.send(id, s -> shards[id].arp().watch(ip, (inUse, senderMac) ->
                        shards[id].shard().send(home.id(), h -> client.addressInUse(inUse, senderMac))));
            }
        }
    }

    @Override
    public void lost(DhcpLease lease, String why) {
        if (leaseFile != null) {
            leaseFile.delete();
        }
        apply(UNCONFIGURED, nicMtu).whenComplete((v, e) -> published.accept(UNCONFIGURED));
    }

    private ShardFuture<Void> apply(Route route, int mtu) {
        List<ShardFuture<?>> done = new ArrayList<>();
        for (int i = 0; i < shards.length; i++) {
            int id = i;
            done.add(home.submitTo(id, () -> {
                shards[id].ipv4().configure(route, mtu);
                shards[id].arp().setLocalAddress(route.localAddress());
                return ShardFuture.done();
            }));
        }
        return ShardFuture.whenAll(done);
    }

    /** On shard 0, at stop: releases the lease (waiting up to a second for it to leave). */
    ShardFuture<Void> stop() {
        return client == null ? ShardFuture.done() : client.stop(1_000_000_000L);
    }
}
