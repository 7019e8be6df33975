package io.panamax.stack;

import io.panamax.ethernet.wire.EtherType;
import io.panamax.ethernet.wire.EthernetHeader;
import io.panamax.ip.IpProtocol;
import io.panamax.reactor.buffer.NetworkBytes;
import io.panamax.ip.wire.Ipv4Header;
import io.panamax.ip.wire.Ipv6Extensions;
import io.panamax.ip.wire.Ipv6Header;
import io.panamax.reactor.buffer.Packet;
import io.panamax.rss.Toeplitz;

import java.lang.foreign.MemorySegment;

/**
 * The flow of a received Ethernet frame, as a NIC's RSS sees it: the Toeplitz hash of the 4-tuple
 * for TCP and UDP (unfragmented), of the address pair for everything else IP (fragments included:
 * later fragments carry no ports; ICMP and ICMPv6). For IPv6 the 4-tuple is the 36 bytes of
 * RTE_ETH_RSS_NONFRAG_IPV6_TCP/UDP, found behind hop-by-hop, routing and destination options
 * headers that lie within the frame's first {@value #LINEAR_BYTES} bytes; a fragment header (or an
 * extension chain longer than that) makes it the 2-tuple. Frames without an IP flow (ARP,
 * malformed) have none. The software steering and the wire's RSS emulation use this one
 * definition, so they agree.
 *
 * <p>The software steering also follows ICMP and ICMPv6 errors ({@link #steeringHash}): an error
 * quotes a datagram this host sent, and goes to the shard of that datagram's flow (the quoted
 * 4-tuple or address pair, turned around to the direction the flow is received in), where the
 * connection or socket it is about lives; no NIC does this, so it is not part of {@link #hash}.
 */
final class FrameFlow {
    /** What {@link #hash} returns for a frame without an IP flow. */
    static final long NO_FLOW = -1;
    /** Set above the 32-bit hash by {@link #steeringHash} when the hash is of the flow an ICMP(v6) error quotes. */
    static final long QUOTED = 1L << 32;
    /** An ICMP (RFC 792) or ICMPv6 (RFC 4443 2.1) header, in front of the quoted datagram. */
    private static final int ICMP_HEADER = 8;
    /** How much of a frame is made contiguous to find its flow: Ethernet (VLAN tag included), IPv6, 84 bytes of extension headers, ports. */
    static final int LINEAR_BYTES = EthernetHeader.MAX_HEADER_LENGTH + 128;
    /** Input bytes of the IPv6 2-tuple and 4-tuple: a key covers key length - 4. */
    private static final int IPV6_INPUT = 32;
    private static final int IPV6_L4_INPUT = 36;

    private FrameFlow() {
    }

    /** The frame's RSS hash as an unsigned value, or {@link #NO_FLOW}. Does not allocate. */
    static long hash(Packet frame, Toeplitz toeplitz) {
        return flow(frame, toeplitz, false);
    }

    /**
     * {@link #hash}, except for an ICMP or ICMPv6 error quoting enough of a datagram: then the hash
     * of the quoted datagram's flow as received (its source and destination, and its ports,
     * swapped), with {@link #QUOTED} set. Does not allocate.
     */
    static long steeringHash(Packet frame, Toeplitz toeplitz) {
        return flow(frame, toeplitz, true);
    }

    private static long flow(Packet frame, Toeplitz toeplitz, boolean followErrors) {
        if (frame.length() < EthernetHeader.HEADER_LENGTH
                || !frame.linearize(Math.min(frame.length(), LINEAR_BYTES))) {
            return NO_FLOW;
        }
        MemorySegment seg = frame.head();
        long off = frame.headOffset();
        int available = frame.headLength();
        if (EthernetHeader.validate(seg, off, available) != EthernetHeader.Problem.NONE) {
            return NO_FLOW;
        }
        int etherType = EthernetHeader.innerEtherType(seg, off);
        int l2 = EthernetHeader.headerLength(seg, off);
        if (etherType == EtherType.IPV6) {
            return ipv6(seg, off + l2, available - l2, toeplitz, followErrors);
        }
        if (etherType != EtherType.IPV4) {
            return NO_FLOW;
        }
        long ip = off + l2;
        if (available - l2 < Ipv4Header.MIN_HEADER_LENGTH || Ipv4Header.version(seg, ip) != Ipv4Header.VERSION) {
            return NO_FLOW;
        }
        int src = Ipv4Header.source(seg, ip);
        int dst = Ipv4Header.destination(seg, ip);
        int protocol = Ipv4Header.protocol(seg, ip);
        int ihl = Ipv4Header.headerLength(seg, ip);
        if (followErrors && protocol == IpProtocol.ICMP && !Ipv4Header.isFragment(seg, ip)
                && available - l2 >= ihl + ICMP_HEADER + Ipv4Header.MIN_HEADER_LENGTH && isIcmpError(NetworkBytes.getU8(seg, ip + ihl))) {
            long quoted = quotedIpv4(seg, ip + ihl + ICMP_HEADER, available - l2 - ihl - ICMP_HEADER, toeplitz);
            if (quoted != NO_FLOW) {
                return quoted;
            }
        }
        boolean ported = (protocol == IpProtocol.TCP || protocol == IpProtocol.UDP) && !Ipv4Header.isFragment(seg, ip);
        if (ported && frame.length() >= l2 + ihl + 4) {
            int ports = frame.getI32(l2 + ihl);
            return toeplitz.hashIpv4Tcp(src, dst, ports >>> 16, ports & 0xffff) & 0xffff_ffffL;
        }
        return toeplitz.hashIpv4(src, dst) & 0xffff_ffffL;
    }

    /**
     * An IPv6 packet at {@code ip} with {@code available} contiguous bytes: the 4-tuple behind the
     * extension headers a NIC's parser skips (hop-by-hop, routing, destination options), else the
     * 2-tuple. A key too short for the IPv6 input (under 36 or 40 bytes) hashes less: no flow, or
     * the 2-tuple, rather than an exception on the receive path.
     */
    private static long ipv6(MemorySegment seg, long ip, int available, Toeplitz toeplitz, boolean followErrors) {
        if (available < Ipv6Header.HEADER_LENGTH || Ipv6Header.version(seg, ip) != Ipv6Header.VERSION
                || toeplitz.maxInputBytes() < IPV6_INPUT) {
            return NO_FLOW;
        }
        long upper = upperLayer(seg, ip, available, false);
        int next = (int) (upper >>> 32);
        int at = (int) upper;
        if (followErrors && next == IpProtocol.ICMPV6 && at + ICMP_HEADER + Ipv6Header.HEADER_LENGTH <= available
                && NetworkBytes.getU8(seg, ip + at) < ICMPV6_INFORMATIONAL) {
            long quoted = quotedIpv6(seg, ip + at + ICMP_HEADER, available - at - ICMP_HEADER, toeplitz);
            if (quoted != NO_FLOW) {
                return quoted;
            }
        }
        return ipv6Flow(seg, ip, next, at, available, toeplitz, false);
    }

    /**
     * Walks from the IPv6 header at {@code ip} past the extension headers a NIC's parser skips
     * (hop-by-hop, routing, destination options) and, with {@code firstFragment}, the fragment
     * header of a first fragment (its ports follow, RFC 8200 4.5): the next header and its offset,
     * as {@code next << 32 | offset}. Bounded: every step moves at least 8 bytes into
     * {@code available} contiguous bytes.
     */
    private static long upperLayer(MemorySegment seg, long ip, int available, boolean firstFragment) {
        int next = Ipv6Header.nextHeader(seg, ip);
        int at = Ipv6Header.HEADER_LENGTH;
        while (at + 4 <= available) {
            if (next == Ipv6Extensions.HOP_BY_HOP || next == Ipv6Extensions.ROUTING || next == Ipv6Extensions.DESTINATION_OPTIONS) {
                int length = (NetworkBytes.getU8(seg, ip + at + 1) + 1) * 8;
                next = NetworkBytes.getU8(seg, ip + at);
                at += length;
            } else if (firstFragment && next == Ipv6Extensions.FRAGMENT && (NetworkBytes.getU16(seg, ip + at + 2) & 0xfff8) == 0) {
                next = NetworkBytes.getU8(seg, ip + at);
                at += Ipv6Extensions.FRAGMENT_HEADER_LENGTH;
            } else {
                break;
            }
        }
        return (long) next << 32 | at;
    }

    /**
     * The hash of the IPv6 packet at {@code ip} whose upper layer {@code next} starts at
     * {@code at}: its 4-tuple for TCP and UDP with the ports in reach, else its address pair; with
     * {@code sent} (a packet this host sent, quoted in an error) turned around to the direction
     * its flow is received in.
     */
    private static long ipv6Flow(MemorySegment seg, long ip, int next, int at, int available, Toeplitz toeplitz, boolean sent) {
        long aHigh = Ipv6Header.sourceHigh(seg, ip);
        long aLow = Ipv6Header.sourceLow(seg, ip);
        long bHigh = Ipv6Header.destinationHigh(seg, ip);
        long bLow = Ipv6Header.destinationLow(seg, ip);
        if (sent) {
            long h = aHigh;
            long l = aLow;
            aHigh = bHigh;
            aLow = bLow;
            bHigh = h;
            bLow = l;
        }
        if ((next == IpProtocol.TCP || next == IpProtocol.UDP) && at + 4 <= available && toeplitz.maxInputBytes() >= IPV6_L4_INPUT) {
            int ports = NetworkBytes.getI32(seg, ip + at);
            if (sent) {
                ports = ports << 16 | ports >>> 16;
            }
            return toeplitz.hashIpv6Tcp(aHigh, aLow, bHigh, bLow, ports >>> 16, ports & 0xffff) & 0xffff_ffffL;
        }
        return toeplitz.hashIpv6(aHigh, aLow, bHigh, bLow) & 0xffff_ffffL;
    }

    /** RFC 4443 2.1: ICMPv6 types below 128 are errors. */
    private static final int ICMPV6_INFORMATIONAL = 128;

    /** RFC 792, RFC 1812: destination unreachable, source quench, time exceeded and parameter problem quote a datagram. */
    private static boolean isIcmpError(int type) {
        return type == 3 || type == 4 || type == 11 || type == 12;
    }

    /**
     * The flow of the IPv6 datagram an ICMPv6 error quotes at {@code q} ({@code available} bytes
     * of it), as the flow's own packets arrive: the quoted destination as source, the ports
     * swapped; behind the extension headers a NIC skips and a first fragment's header. NO_FLOW
     * when the quote is not an IPv6 header.
     */
    private static long quotedIpv6(MemorySegment seg, long q, int available, Toeplitz toeplitz) {
        if (Ipv6Header.version(seg, q) != Ipv6Header.VERSION) {
            return NO_FLOW;
        }
        long upper = upperLayer(seg, q, available, true);
        return ipv6Flow(seg, q, (int) (upper >>> 32), (int) upper, available, toeplitz, true) | QUOTED;
    }

    /** {@link #quotedIpv6} for the IPv4 datagram an ICMP error quotes (its header and at least 8 bytes, RFC 792). */
    private static long quotedIpv4(MemorySegment seg, long q, int available, Toeplitz toeplitz) {
        if (Ipv4Header.version(seg, q) != Ipv4Header.VERSION) {
            return NO_FLOW;
        }
        int src = Ipv4Header.source(seg, q);
        int dst = Ipv4Header.destination(seg, q);
        int protocol = Ipv4Header.protocol(seg, q);
        int ihl = Ipv4Header.headerLength(seg, q);
        if ((protocol == IpProtocol.TCP || protocol == IpProtocol.UDP) && Ipv4Header.fragmentOffset(seg, q) == 0
                && ihl >= Ipv4Header.MIN_HEADER_LENGTH && ihl + 4 <= available) {
            int ports = NetworkBytes.getI32(seg, q + ihl);
            return toeplitz.hashIpv4Tcp(dst, src, ports & 0xffff, ports >>> 16) & 0xffff_ffffL | QUOTED;
        }
        return toeplitz.hashIpv4(dst, src) & 0xffff_ffffL | QUOTED;
    }
}
