package io.panamax.ip;

import io.panamax.ethernet.Ethernet;
import io.panamax.ethernet.wire.EtherType;
import io.panamax.ip.wire.Icmpv6Message;
import io.panamax.ip.wire.InternetChecksum;
import io.panamax.ip.wire.Ipv6Extensions;
import io.panamax.ip.wire.Ipv6Header;
import io.panamax.ip.wire.NdpMessage;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketHandler;
import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.DropCounters;
import io.panamax.reactor.metrics.ShardMetrics;

import java.lang.foreign.MemorySegment;

/**
 * One shard's IPv6 for a host (RFC 8200), as far as it goes today: a static address with its
 * on-link prefix and the link-local address made from the MAC (RFC 4291 §2.5.1, RFC 4862 §5.3),
 * header and extension-header validation, ICMPv6 echo replies (RFC 4443 §4.2) and Neighbor
 * Discovery through {@link Ndp}. Transports over IPv6, reassembly, router discovery, duplicate
 * address detection and MLD are not here yet: datagrams for them are counted and dropped.
 *
 * <p>Frames carrying IPv6 are handled on the shard that received them (they have no 4-tuple the
 * stack steers by yet); neighbour state is shared between the shards.
 */
public final class Ipv6 implements PacketHandler {

    /** Why a received datagram was dropped (metric label {@code reason}). */
    public enum Drop {
        TRUNCATED, BAD_VERSION, BAD_PAYLOAD_LENGTH, BAD_SOURCE_ADDRESS,
        /** Not to one of our addresses, all-nodes, or one of our solicited-node groups. */
        NOT_FOR_US,
        /** An extension header refused (the walk's problem; no ICMPv6 error is sent yet). */
        BAD_EXTENSION_HEADER,
        /** A fragment: reassembly is not supported yet. */
        FRAGMENT,
        /** An upper-layer protocol without a handler (TCP and UDP over IPv6 included, for now). */
        UNKNOWN_NEXT_HEADER,
        BAD_CHECKSUM,
        /** A Neighbor Discovery message failing RFC 4861's receive checks. */
        BAD_NDP,
        /** ICMPv6 types this host does not act on (router advertisements, errors, redirects, MLD...). */
        ICMPV6_IGNORED,
        /** No route: not on-link (no default router yet). */
        NO_ROUTE,
    }

    private final Shard shard;
    private final Ethernet ethernet;
    private final Ipv6Address.Prefix global;
    private final long linkLocalHigh;
    private final long linkLocalLow;
    private final Ndp ndp;
    private final DropCounters<Drop> drops;
    private final Counter delivered;
    private final Counter echoReplies;

    /**
     * @param global the static address and its on-link prefix ({@code fd00:7::2/64}), or null for
     *               link-local only
     */
    public Ipv6(Shard shard, Ethernet ethernet, Ipv6Address.Prefix global, Ndp.Config ndpConfig, ShardMetrics metrics) {
        this.shard = shard;
        this.ethernet = ethernet;
        this.global = global;
        this.linkLocalHigh = Ipv6Address.LINK_LOCAL_HIGH;
        this.linkLocalLow = Ipv6Address.interfaceIdentifier(ethernet.mac());
        this.drops = new DropCounters<>(metrics, "ipv6_drops_total", "Received IPv6 datagrams dropped", Drop.class);
        this.delivered = metrics.counter("ipv6_datagrams_delivered_total", "IPv6 datagrams accepted for this host");
        this.echoReplies = metrics.counter("icmpv6_echo_replies_sent_total", "ICMPv6 echo replies sent");
        this.ndp = new Ndp(shard, ethernet, this, ndpConfig, metrics);
        ethernet.register(EtherType.IPV6, this);
    }

    public Ndp ndp() {
        return ndp;
    }

    public DropCounters<Drop> drops() {
        return drops;
    }

    public Ipv6Address.Prefix globalAddress() {
        return global;
    }

    public long linkLocalLow() {
        return linkLocalLow;
    }

    /** The multicast MACs this host listens on: all-nodes and the solicited-node group of each address. */
    public static long[] multicastMacs(long mac, Ipv6Address.Prefix global) {
        long ll = Ipv6Address.interfaceIdentifier(mac);
        return global == null
                ? new long[] {Ipv6Address.multicastMac(Ipv6Address.ALL_NODES_LOW), Ipv6Address.multicastMac(Ipv6Address.solicitedNodeLow(ll))}
                : new long[] {Ipv6Address.multicastMac(Ipv6Address.ALL_NODES_LOW), Ipv6Address.multicastMac(Ipv6Address.solicitedNodeLow(ll)),
                        Ipv6Address.multicastMac(Ipv6Address.solicitedNodeLow(global.low()))};
    }

    /** Whether {@code (high, low)} is one of this host's unicast addresses. */
    public boolean isOurs(long high, long low) {
        return (high == linkLocalHigh && low == linkLocalLow) || (global != null && high == global.high() && low == global.low());
    }

    private boolean acceptsDestination(long high, long low) {
        if (isOurs(high, low)) {
            return true;
        }
        if (high == Ipv6Address.ALL_NODES_HIGH && low == Ipv6Address.ALL_NODES_LOW) {
            return true;
        }
        return high == Ipv6Address.SOLICITED_NODE_HIGH && (low == Ipv6Address.solicitedNodeLow(linkLocalLow)
                || (global != null && low == Ipv6Address.solicitedNodeLow(global.low())));
    }

    /** The source for a datagram to a destination: link-local for link-local (and link-scope multicast) destinations. */
    long sourceHighFor(long dstHigh) {
        return global == null || Ipv6Address.isLinkLocal(dstHigh) || (dstHigh >>> 48) == 0xff02 ? linkLocalHigh : global.high();
    }

    long sourceLowFor(long dstHigh) {
        return global == null || Ipv6Address.isLinkLocal(dstHigh) || (dstHigh >>> 48) == 0xff02 ? linkLocalLow : global.low();
    }

    /** An empty packet with headroom for the link header, or null (no buffers). */
    Packet newDatagram() {
        return shard.packets().allocateWithHeadroom();
    }

    // ---- receive ---------------------------------------------------------------------------------------

    @Override
    public void handle(Packet datagram) {
        int want = Math.min(datagram.length(), 512);
        if (datagram.length() < Ipv6Header.HEADER_LENGTH || !datagram.linearize(want)) {
            drop(datagram, Drop.TRUNCATED);
            return;
        }
        MemorySegment seg = datagram.head();
        long ip = datagram.headOffset();
        Drop problem = switch (Ipv6Header.validate(seg, ip, datagram.length())) {
            case NONE -> null;
            case TRUNCATED -> Drop.TRUNCATED;
            case BAD_VERSION -> Drop.BAD_VERSION;
            case BAD_PAYLOAD_LENGTH -> Drop.BAD_PAYLOAD_LENGTH;
            case BAD_SOURCE_ADDRESS -> Drop.BAD_SOURCE_ADDRESS;
        };
        if (problem != null) {
            drop(datagram, problem);
            return;
        }
        long dstHigh = Ipv6Header.destinationHigh(seg, ip);
        long dstLow = Ipv6Header.destinationLow(seg, ip);
        if (!acceptsDestination(dstHigh, dstLow)) {
            drop(datagram, Drop.NOT_FOR_US);
            return;
        }
        // Ethernet pads short frames: the datagram ends where the header says.
        int length = Ipv6Header.HEADER_LENGTH + Ipv6Header.payloadLength(seg, ip);
        datagram.truncate(length);
        long r = Ipv6Extensions.walk(seg, ip, Math.min(length, datagram.headLength()));
        if (Ipv6Extensions.problem(r) != Ipv6Extensions.Problem.NONE) {
            drop(datagram, Drop.BAD_EXTENSION_HEADER);
            return;
        }
        int protocol = Ipv6Extensions.protocol(r);
        if (protocol == Ipv6Extensions.FRAGMENT) {
            drop(datagram, Drop.FRAGMENT);
            return;
        }
        if (protocol != IpProtocol.ICMPV6) {
            drop(datagram, Drop.UNKNOWN_NEXT_HEADER);
            return;
        }
        int upper = Ipv6Extensions.upperLayerOffset(r);
        int icmpLength = length - upper;
        long icmp = ip + upper;
        if (icmpLength < Icmpv6Message.HEADER_LENGTH || upper + Icmpv6Message.HEADER_LENGTH > datagram.headLength()) {
            drop(datagram, Drop.TRUNCATED);
            return;
        }
        long pseudo = Icmpv6Message.pseudoHeaderSum(seg, ip, icmpLength);
        if (!InternetChecksum.verifies(pseudo + InternetChecksum.sum(datagram, upper, icmpLength))) {
            drop(datagram, Drop.BAD_CHECKSUM);
            return;
        }
        delivered.increment();
        int type = Icmpv6Message.type(seg, icmp);
        switch (type) {
            case Icmpv6Message.TYPE_ECHO_REQUEST -> echo(datagram, upper, icmpLength);
            case Icmpv6Message.TYPE_NEIGHBOR_SOLICITATION, Icmpv6Message.TYPE_NEIGHBOR_ADVERTISEMENT -> {
                if (upper + icmpLength > datagram.headLength()) {
                    drop(datagram, Drop.TRUNCATED);
                    return;
                }
                NdpMessage.Problem p = NdpMessage.validate(seg, icmp, icmpLength, Ipv6Header.hopLimit(seg, ip),
                        Ipv6Header.sourceHigh(seg, ip), Ipv6Header.sourceLow(seg, ip), dstHigh, dstLow);
                if (p != NdpMessage.Problem.NONE) {
                    drop(datagram, Drop.BAD_NDP);
                } else if (type == Icmpv6Message.TYPE_NEIGHBOR_SOLICITATION) {
                    ndp.solicitation(datagram, seg, ip, icmp, icmpLength);
                } else {
                    ndp.advertisement(datagram, seg, icmp, icmpLength);
                }
            }
            default -> drop(datagram, Drop.ICMPV6_IGNORED);
        }
    }

    /**
     * RFC 4443 §4.2: the reply carries the request's identifier, sequence and data; its source is
     * the address the request was sent to (or, for a multicast request, ours of the same scope).
     * Built in place: the request's buffer becomes the reply.
     */
    private void echo(Packet datagram, int upper, int icmpLength) {
        MemorySegment seg = datagram.head();
        long ip = datagram.headOffset();
        long srcHigh = Ipv6Header.sourceHigh(seg, ip);
        long srcLow = Ipv6Header.sourceLow(seg, ip);
        long dstHigh = Ipv6Header.destinationHigh(seg, ip);
        long dstLow = Ipv6Header.destinationLow(seg, ip);
        if (Ipv6Address.isUnspecified(srcHigh, srcLow)) {
            drop(datagram, Drop.BAD_SOURCE_ADDRESS);
            return;
        }
        long replyHigh = isOurs(dstHigh, dstLow) ? dstHigh : sourceHighFor(srcHigh);
        long replyLow = isOurs(dstHigh, dstLow) ? dstLow : sourceLowFor(srcHigh);
        // Extension headers of the request are not echoed: the reply is header + ICMPv6.
        if (upper > Ipv6Header.HEADER_LENGTH) {
            datagram.trimFront(upper - Ipv6Header.HEADER_LENGTH);
            seg = datagram.head();
            ip = datagram.headOffset();
        }
        Ipv6Header.write(seg, ip, icmpLength, IpProtocol.ICMPV6, Ipv6Header.DEFAULT_HOP_LIMIT, replyHigh, replyLow, srcHigh, srcLow);
        long icmp = ip + Ipv6Header.HEADER_LENGTH;
        datagram.setU8(Ipv6Header.HEADER_LENGTH, Icmpv6Message.TYPE_ECHO_REPLY);
        datagram.setU16(Ipv6Header.HEADER_LENGTH + Icmpv6Message.OFFSET_CHECKSUM, 0);
        long sum = Icmpv6Message.pseudoHeaderSum(seg, ip, icmpLength) + InternetChecksum.sum(datagram, Ipv6Header.HEADER_LENGTH, icmpLength);
        Icmpv6Message.setChecksum(seg, icmp, InternetChecksum.finish(sum));
        datagram.setFlags(0);
        echoReplies.increment();
        send(datagram, srcHigh, srcLow);
    }

    /** Sends a datagram (from its IPv6 header) to {@code dst}: on-link neighbours only for now. */
    void send(Packet datagram, long dstHigh, long dstLow) {
        if (Ipv6Address.isMulticast(dstHigh)) {
            ethernet.send(Ipv6Address.multicastMac(dstLow), EtherType.IPV6, datagram);
            return;
        }
        if (!Ipv6Address.isLinkLocal(dstHigh) && (global == null || !global.contains(dstHigh, dstLow))) {
            drop(datagram, Drop.NO_ROUTE);
            return;
        }
        ndp.send(dstHigh, dstLow, datagram);
    }

    /** Drops what is held (the stack is stopping). */
    public void clear() {
        ndp.clear();
    }

    private void drop(Packet p, Drop reason) {
        drops.count(reason);
        p.release();
    }
}
