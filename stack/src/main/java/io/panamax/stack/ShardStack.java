package io.panamax.stack;

import io.panamax.ethernet.Arp;
import io.panamax.ethernet.Ethernet;
import io.panamax.ip.Icmp;
import io.panamax.ip.Ipv4;
import io.panamax.ip.Udp;
import io.panamax.reactor.Shard;
import io.panamax.tcp.Tcp;

/**
 * The stack on one shard: its Ethernet, ARP, IPv4, ICMP, UDP and TCP instances. Everything here belongs
 * to the shard: use it only from that shard's thread (inside {@link Stack#onEveryShard} or a
 * continuation running there).
 */
public final class ShardStack {
    private final Shard shard;
    private final Ethernet ethernet;
    private final Arp arp;
    private final Ipv4 ipv4;
    private final Icmp icmp;
    private final Udp udp;
    private final Tcp tcp;

    ShardStack(Shard shard, Ethernet ethernet, Arp arp, Ipv4 ipv4, Icmp icmp, Udp udp, Tcp tcp) {
        this.shard = shard;
        this.ethernet = ethernet;
        this.arp = arp;
        this.ipv4 = ipv4;
        this.icmp = icmp;
        this.udp = udp;
        this.tcp = tcp;
    }

    public Shard shard() {
        return shard;
    }

    public Ethernet ethernet() {
        return ethernet;
    }

    public Arp arp() {
        return arp;
    }

    public Ipv4 ipv4() {
        return ipv4;
    }

    public Icmp icmp() {
        return icmp;
    }

    public Udp udp() {
        return udp;
    }

    public Tcp tcp() {
        return tcp;
    }

    /** The stack's IPv4 address. */
    public int address() {
        return ipv4.route().localAddress();
    }

    /** Releases what the layers hold (called on the shard when the stack stops). */
    void close() {
        tcp.shutdown();
        udp.closeAll();
        ipv4.clear();
        arp.clear();
    }
}
