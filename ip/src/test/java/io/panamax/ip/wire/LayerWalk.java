package io.panamax.ip.wire;

import io.panamax.ethernet.wire.ArpMessage;
import io.panamax.ethernet.wire.EtherType;
import io.panamax.ethernet.wire.EthernetHeader;
import io.panamax.ip.IpProtocol;

import java.lang.foreign.MemorySegment;

/**
 * What a receiving host would make of a frame with the wire codecs alone, the way the layers
 * use them: Ethernet → ARP, IPv4 → ICMP or UDP, or IPv6 → its extension headers → ICMPv6 (and Neighbor
 * Discovery), stopping at the first named problem. The result reads {@code layer:PROBLEM}, e.g.
 * {@code ipv4:BAD_CHECKSUM}, {@code udp:NONE}, {@code ipv6-ext:ROUTING_TYPE_0}, {@code ndp:NONE}, or
 * names what the codecs pass on: {@code ethertype:0x88cc}, {@code ipv4-fragment:NONE},
 * {@code ipv4-proto-6:NONE}, {@code ipv6-fragment:NONE}, {@code ipv6-proto-17:NONE}.
 */
final class LayerWalk {
    private LayerWalk() {
    }

    static String walk(MemorySegment seg, long off, int length) {
        EthernetHeader.Problem eth = EthernetHeader.validate(seg, off, length);
        if (eth != EthernetHeader.Problem.NONE) {
            return "ethernet:" + eth;
        }
        int l2 = EthernetHeader.headerLength(seg, off);
        int type = EthernetHeader.innerEtherType(seg, off);
        long l3 = off + l2;
        int l3Length = length - l2;
        switch (type) {
            case EtherType.ARP:
                return "arp:" + ArpMessage.validate(seg, l3, l3Length);
            case EtherType.RARP:
                // Same layout: an IPv4 host drops it by EtherType; the codec says why it would anyway.
                return "rarp:" + ArpMessage.validate(seg, l3, l3Length);
            case EtherType.IPV4:
                return walkIpv4(seg, l3, l3Length);
            case EtherType.IPV6:
                return walkIpv6(seg, l3, l3Length);
            default:
                return EtherType.isLengthField(type) ? "ethernet:802.3-length" : String.format("ethertype:0x%04x", type);
        }
    }

    static String walkIpv6(MemorySegment seg, long ip, int available) {
        Ipv6Header.Problem p = Ipv6Header.validate(seg, ip, available);
        if (p != Ipv6Header.Problem.NONE) {
            return "ipv6:" + p;
        }
        int length = Ipv6Header.HEADER_LENGTH + Ipv6Header.payloadLength(seg, ip);
        long r = Ipv6Extensions.walk(seg, ip, length);
        if (Ipv6Extensions.problem(r) != Ipv6Extensions.Problem.NONE) {
            return "ipv6-ext:" + Ipv6Extensions.problem(r);
        }
        int protocol = Ipv6Extensions.protocol(r);
        if (protocol == Ipv6Extensions.FRAGMENT) {
            return "ipv6-fragment:NONE";
        }
        if (protocol != IpProtocol.ICMPV6) {
            return "ipv6-proto-" + protocol + ":NONE";
        }
        long icmp = ip + Ipv6Extensions.upperLayerOffset(r);
        int icmpLength = length - Ipv6Extensions.upperLayerOffset(r);
        Icmpv6Message.Problem ip6 = Icmpv6Message.validate(seg, icmp, icmpLength, Icmpv6Message.pseudoHeaderSum(seg, ip, icmpLength), true);
        if (ip6 != Icmpv6Message.Problem.NONE || NdpMessage.optionsOffset(Icmpv6Message.type(seg, icmp)) < 0) {
            return "icmpv6:" + ip6;
        }
        return "ndp:" + NdpMessage.validate(seg, icmp, icmpLength, Ipv6Header.hopLimit(seg, ip), Ipv6Header.sourceHigh(seg, ip),
                Ipv6Header.sourceLow(seg, ip), Ipv6Header.destinationHigh(seg, ip), Ipv6Header.destinationLow(seg, ip));
    }

    static String walkIpv4(MemorySegment seg, long ip, int available) {
        Ipv4Header.Problem p = Ipv4Header.validate(seg, ip, available);
        if (p != Ipv4Header.Problem.NONE) {
            return "ipv4:" + p;
        }
        if (Ipv4Header.isFragment(seg, ip)) {
            return "ipv4-fragment:NONE";
        }
        long l4 = ip + Ipv4Header.headerLength(seg, ip);
        int l4Length = Ipv4Header.payloadLength(seg, ip);
        return switch (Ipv4Header.protocol(seg, ip)) {
            case IpProtocol.ICMP -> "icmp:" + IcmpMessage.validate(seg, l4, l4Length);
            case IpProtocol.UDP -> "udp:" + UdpHeader.validate(seg, l4, l4Length,
                    Ipv4Header.source(seg, ip), Ipv4Header.destination(seg, ip));
            default -> "ipv4-proto-" + Ipv4Header.protocol(seg, ip) + ":NONE";
        };
    }
}
