package io.panamax.stack;

import io.panamax.ethernet.Arp;
import io.panamax.ethernet.Ethernet;
import io.panamax.ethernet.wire.EtherType;
import io.panamax.ip.Ipv4NextHop;
import io.panamax.ip.Ipv6Link;
import io.panamax.reactor.buffer.Packet;

/**
 * The ip module's link interfaces over the ethernet module: {@code ip} and {@code ethernet} both
 * depend on {@code reactor} only (DESIGN.md), so the stack, which sees both, joins them. One
 * adapter per shard, made at start; nothing here allocates per packet.
 *
 * <p>Public for code that joins the two layers without {@link Stack}: the ip module's tests that
 * run IPv6, NDP and DHCP over a real Ethernet layer live in this module's tests for that reason
 * (ip cannot see stack, stack sees ip), and use this joiner rather than a copy of it.
 */
public final class EthernetLinks {
    private EthernetLinks() {
    }

    /** IPv4's next hop resolved and framed by ARP (RFC 826). */
    public static Ipv4NextHop ipv4(Arp arp) {
        return new Ipv4NextHop() {
            @Override
            public long lookup(int nextHop) {
                return arp.lookup(nextHop);
            }

            @Override
            public void sendIpv4(int nextHop, Packet datagram) {
                arp.sendIpv4(nextHop, datagram);
            }

            @Override
            public void sendIpv4Broadcast(Packet datagram) {
                arp.sendIpv4Broadcast(datagram);
            }
        };
    }

    /** IPv6 and neighbour discovery over Ethernet (RFC 2464). */
    public static Ipv6Link ipv6(Ethernet ethernet) {
        return new Ipv6Link() {
            @Override
            public long mac() {
                return ethernet.mac();
            }

            @Override
            public void sendIpv6(long dstMac, Packet datagram) {
                ethernet.send(dstMac, EtherType.IPV6, datagram);
            }

            @Override
            public void join(long group) {
                ethernet.join(group);
            }

            @Override
            public void leave(long group) {
                ethernet.leave(group);
            }
        };
    }
}
