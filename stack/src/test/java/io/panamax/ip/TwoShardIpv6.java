package io.panamax.ip;

import io.panamax.ethernet.Ethernet;
import io.panamax.ethernet.EthernetConfig;
import io.panamax.ethernet.wire.EtherType;
import io.panamax.stack.EthernetLinks;
import io.panamax.nic.MacAddress;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.testing.LeakCheck;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Two shards' IPv6 layers over Ethernet layers that keep what they send, on a manual reactor with
 * virtual time, with the home shard's (shard 0's) {@link Slaac} started: the harness of the tests
 * that feed IPv6 control messages built byte by byte. {@link #close} releases what was sent and
 * checks that every buffer came back.
 */
final class TwoShardIpv6 implements AutoCloseable {
    static final long MAC = 0x02_00_00_00_07_02L;

    final Reactor reactor;
    final List<List<Packet>> sent = List.of(new ArrayList<>(), new ArrayList<>());
    final Ethernet[] ethernets = new Ethernet[2];
    final Ipv6[] ipv6s = new Ipv6[2];
    final Slaac slaac;

    /**
     * @param global   the static address, or null
     * @param autoconf SLAAC (EUI-64) when true, otherwise {@link Slaac#addressesOnly}
     */
    TwoShardIpv6(Ipv6Address.Prefix global, boolean autoconf) {
        reactor = Reactor.builder().shards(2).manual().clock(new ManualClock()).buffersPerShard(256).build().start();
        Set<MacAddress> groups = new HashSet<>();
        for (long m : Ipv6.multicastMacs(MAC, global)) {
            groups.add(new MacAddress(m));
        }
        for (int i = 0; i < 2; i++) {
            int id = i;
            reactor.runOn(i, () -> {
                var shard = reactor.shard(id);
                ethernets[id] = new Ethernet(new EthernetConfig(new MacAddress(MAC), -1, groups, false), sent.get(id)::add, shard.metrics());
                ipv6s[id] = new Ipv6(shard, EthernetLinks.ipv6(ethernets[id]), global, 1500, Ndp.Config.defaults(), Ipv6.Config.defaults(), shard.metrics());
                ethernets[id].register(EtherType.IPV6, ipv6s[id]);
            });
        }
        for (int i = 0; i < 2; i++) {
            int id = i;
            reactor.runOn(i, () -> ipv6s[id].setPeers(ipv6s));
        }
        Slaac[] made = new Slaac[1];
        reactor.runOn(0, () -> {
            var shard = reactor.shard(0);
            made[0] = autoconf ? new Slaac(shard, ipv6s[0], ipv6s, Slaac.Mode.EUI_64, null, shard.metrics())
                    : Slaac.addressesOnly(shard, ipv6s[0], ipv6s, shard.metrics());
            made[0].start();
        });
        slaac = made[0];
        reactor.runUntilIdle();
    }

    /** Hands {@code frame} (from its Ethernet header) to shard {@code shard}'s Ethernet layer, as its NIC queue would, and runs the loops. */
    void receive(int shard, byte[] frame) {
        reactor.runOn(shard, () -> {
            Packet p = reactor.shard(shard).packets().allocateWithHeadroom();
            p.appendBytes(frame, 0, frame.length);
            ethernets[shard].handle(p);
        });
        reactor.runUntilIdle();
    }

    /** What {@code query} answers about shard {@code shard}'s IPv6 layer, asked on that shard. */
    <T> T ask(int shard, Function<Ipv6, T> query) {
        List<T> r = new ArrayList<>(1);
        reactor.runOn(shard, () -> r.add(query.apply(ipv6s[shard])));
        return r.getFirst();
    }

    /** Copies of the frames shard {@code shard} has sent so far. */
    List<byte[]> sentFrames(int shard) {
        List<byte[]> out = new ArrayList<>();
        reactor.runOn(shard, () -> {
            for (Packet p : sent.get(shard)) {
                byte[] b = new byte[p.length()];
                p.copyTo(0, b, 0, b.length);
                out.add(b);
            }
        });
        return out;
    }

    @Override
    public void close() {
        reactor.runOn(0, slaac::stop);
        for (int i = 0; i < 2; i++) {
            int id = i;
            reactor.runOn(i, () -> {
                sent.get(id).forEach(Packet::release);
                sent.get(id).clear();
                ipv6s[id].clear();
            });
        }
        reactor.runUntilIdle();
        LeakCheck.assertNoLeaks(reactor);
        reactor.stop();
    }
}
