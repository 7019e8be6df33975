package io.panamax.ip;

import io.panamax.ip.wire.IcmpMessage;
import io.panamax.ip.wire.Icmpv6Message;
import io.panamax.ip.wire.Ipv6Header;
import io.panamax.ip.wire.InternetChecksum;
import io.panamax.ip.wire.UdpHeader;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.BufferExhaustedException;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.DropCounters;
import io.panamax.reactor.metrics.ShardMetrics;
import io.panamax.reactor.util.IntObjectMap;

import java.lang.foreign.MemorySegment;

/**
 * One shard's UDP (RFC 768, RFC 1122 4.1): ports bound on this shard, the checksum verified on
 * receive (trusting the NIC's verdict when it gives one) and filled in on send (by the NIC when it
 * can), and an ICMP port unreachable for a datagram to a closed port (not for broadcasts). Over
 * IPv6 ({@link #attachIpv6}) the same sockets receive and send too: the checksum covers the IPv6
 * pseudo-header and is mandatory (RFC 8200 §8.1: a zero checksum is dropped, and one computed as
 * zero is sent as 0xffff), and a closed port gets an ICMPv6 port unreachable (RFC 4443 §3.1).
 *
 * <p>Ports are per shard: a service that wants every datagram binds its port on every shard, as
 * flows are steered to shards by their addresses and ports.
 */
public final class Udp implements TransportHandler, Ipv6TransportHandler {

    /** Why a received datagram was dropped (metric label {@code reason}). */
    public enum Drop {
        TRUNCATED, BAD_LENGTH, BAD_CHECKSUM,
        /** No socket on the destination port (a port unreachable is sent for unicast). */
        NO_SOCKET,
        /** The socket's receive queue was full. */
        QUEUE_FULL,
        /** Over IPv6, a checksum field of 0 (RFC 8200 §8.1: the checksum is not optional). */
        ZERO_CHECKSUM
    }

    /** Receive-queue bound for sockets read with {@code receive()}. */
    public static final int DEFAULT_QUEUE_LIMIT = 1024;

    private final Shard shard;
    private final Ipv4 ipv4;
    private final Icmp icmp;
    private final IntObjectMap<UdpSocket> sockets = new IntObjectMap<>();
    private final DropCounters<Drop> drops;
    private final Counter received;
    private final Counter sent;
    private int nextEphemeral = 49152;
    private Ipv6 ipv6;

    public Udp(Shard shard, Ipv4 ipv4, Icmp icmp, ShardMetrics metrics) {
        this.shard = shard;
        this.ipv4 = ipv4;
        this.icmp = icmp;
        this.drops = new DropCounters<>(metrics, "udp_drops_total", "Received UDP datagrams dropped", Drop.class);
        this.received = metrics.counter("udp_datagrams_received_total", "Datagrams delivered to a socket");
        this.sent = metrics.counter("udp_datagrams_sent_total", "Datagrams sent");
    }

    /** Makes this shard's sockets reachable over IPv6 too (the stack calls it when IPv6 is configured). */
    public void attachIpv6(Ipv6 ipv6) {
        this.ipv6 = ipv6;
    }

    /** This shard's IPv6 layer, or null when the stack has no IPv6. */
    Ipv6 ipv6() {
        return ipv6;
    }

    /** Binds {@code port} with a handler that receives every datagram. */
    public UdpSocket bind(int port, UdpHandler handler) {
        return bind(port, handler, DEFAULT_QUEUE_LIMIT);
    }

    /** Binds {@code port} for {@link UdpSocket#receive()}; 0 picks a free ephemeral port. */
    public UdpSocket bind(int port) {
        return bind(port, null, DEFAULT_QUEUE_LIMIT);
    }

    private UdpSocket bind(int port, UdpHandler handler, int queueLimit) {
        shard.checkOwner("Udp.bind");
        if (port == 0) {
            port = ephemeralPort();
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("UDP port must be 1..65535: " + port);
        }
        if (sockets.containsKey(port)) {
            throw new IllegalStateException("UDP port " + port + " is already bound on shard " + shard.id());
        }
        UdpSocket s = new UdpSocket(this, port, handler, queueLimit);
        sockets.put(port, s);
        return s;
    }

    private int ephemeralPort() {
        for (int i = 0; i < 16384; i++) {
            int p = nextEphemeral;
            nextEphemeral = p == 65535 ? 49152 : p + 1;
            if (!sockets.containsKey(p)) {
                return p;
            }
        }
        throw new IllegalStateException("no free UDP port in 49152-65535 on shard " + shard.id());
    }

    void checkOwner(String what) {
        shard.checkOwner(what);
    }

    void unbind(UdpSocket s) {
        sockets.remove(s.localPort());
    }

    public DropCounters<Drop> drops() {
        return drops;
    }

    @Override
    public void receive(int srcIp, int dstIp, Packet datagram) {
        if (datagram.length() < UdpHeader.HEADER_LENGTH || !datagram.linearize(UdpHeader.HEADER_LENGTH)) {
            drop(datagram, Drop.TRUNCATED);
            return;
        }
        MemorySegment seg = datagram.head();
        long off = datagram.headOffset();
        int ipPayload = datagram.length();
        // Checksum: the NIC's verdict when it has one; else verify over all fragments.
        boolean nicChecked = datagram.hasFlag(Packet.RX_L4_CHECKSUM_GOOD) || datagram.hasFlag(Packet.RX_L4_CHECKSUM_BAD);
        // The checksum is checked below over all fragments (or taken from the NIC).
        Drop problem = switch (UdpHeader.validate(seg, off, ipPayload, srcIp, dstIp, false)) {
            case NONE -> null;
            case TRUNCATED -> Drop.TRUNCATED;
            case BAD_LENGTH -> Drop.BAD_LENGTH;
            case BAD_CHECKSUM -> Drop.BAD_CHECKSUM;
        };
        if (problem != null) {
            drop(datagram, problem);
            return;
        }
        int udpLength = UdpHeader.length(seg, off);
        if (datagram.hasFlag(Packet.RX_L4_CHECKSUM_BAD)
                || (!nicChecked && UdpHeader.checksum(seg, off) != UdpHeader.CHECKSUM_NONE
                    && !UdpHeader.checksumValid(datagram, 0, udpLength, srcIp, dstIp))) {
            drop(datagram, Drop.BAD_CHECKSUM);
            return;
        }
        int srcPort = UdpHeader.sourcePort(seg, off);
        UdpSocket socket = socketFor(seg, off);
        if (socket == null) {
            if (!ipv4.route().isBroadcast(dstIp) && !Ipv4Address.isMulticast(dstIp)) {
                icmp.sendDestinationUnreachable(datagram, IcmpMessage.CODE_PORT_UNREACHABLE, 0);
            }
            datagram.release();
            return;
        }
        toPayload(datagram, udpLength);
        delivered(socket.deliver(srcIp, srcPort, datagram), datagram);
    }

    /** The socket bound to the datagram's destination port, or null (counted as {@link Drop#NO_SOCKET}). */
    private UdpSocket socketFor(MemorySegment seg, long off) {
        UdpSocket socket = sockets.get(UdpHeader.destinationPort(seg, off));
        if (socket == null) {
            drops.count(Drop.NO_SOCKET);
        }
        return socket;
    }

    /** Cuts a checked datagram to its data: bytes beyond the UDP length (RFC 768: the length field rules) are not data. */
    private static void toPayload(Packet datagram, int udpLength) {
        datagram.truncate(udpLength);
        datagram.trimFront(UdpHeader.HEADER_LENGTH);
        datagram.setFlags(0);
    }

    /** Counts a datagram handed to its socket, or drops it when the socket's queue was full. */
    private void delivered(boolean accepted, Packet datagram) {
        if (accepted) {
            received.increment();
        } else {
            drop(datagram, Drop.QUEUE_FULL);
        }
    }

    @Override
    public void receive6(long srcHigh, long srcLow, long dstHigh, long dstLow, Packet datagram) {
        if (datagram.length() < UdpHeader.HEADER_LENGTH || !datagram.linearize(UdpHeader.HEADER_LENGTH)) {
            drop(datagram, Drop.TRUNCATED);
            return;
        }
        MemorySegment seg = datagram.head();
        long off = datagram.headOffset();
        int udpLength = UdpHeader.length(seg, off);
        // RFC 8200 §8.1 leaves the length field as in RFC 768 (jumbograms, RFC 2675, are not supported).
        if (udpLength < UdpHeader.HEADER_LENGTH || udpLength > datagram.length()) {
            drop(datagram, Drop.BAD_LENGTH);
            return;
        }
        if (UdpHeader.checksum(seg, off) == UdpHeader.CHECKSUM_NONE) {
            drop(datagram, Drop.ZERO_CHECKSUM);
            return;
        }
        boolean nicChecked = datagram.hasFlag(Packet.RX_L4_CHECKSUM_GOOD) || datagram.hasFlag(Packet.RX_L4_CHECKSUM_BAD);
        if (datagram.hasFlag(Packet.RX_L4_CHECKSUM_BAD) || (!nicChecked && !InternetChecksum.verifies(
                Ipv6Header.pseudoHeaderSum(srcHigh, srcLow, dstHigh, dstLow, udpLength, IpProtocol.UDP)
                        + InternetChecksum.sum(datagram, 0, udpLength)))) {
            drop(datagram, Drop.BAD_CHECKSUM);
            return;
        }
        int srcPort = UdpHeader.sourcePort(seg, off);
        UdpSocket socket = socketFor(seg, off);
        if (socket == null) {
            if (!Ipv6Address.isMulticast(dstHigh)) {
                ipv6.sendError(datagram, Icmpv6Message.TYPE_DESTINATION_UNREACHABLE, Icmpv6Message.CODE_PORT_UNREACHABLE, 0);
            }
            datagram.release();
            return;
        }
        toPayload(datagram, udpLength);
        delivered(socket.deliver6(srcHigh, srcLow, srcPort, datagram), datagram);
    }

    /** Sends {@code payload} from {@code srcPort} to {@code [dst]:dstPort} over IPv6; takes ownership. */
    boolean send6(int srcPort, long dstHigh, long dstLow, int dstPort, Packet payload) {
        if (ipv6 == null) {
            payload.release();
            throw new IllegalStateException("this stack has no IPv6 address (Stack.builder().ipv6(...))");
        }
        int length = payload.length() + UdpHeader.HEADER_LENGTH;
        int off = prependHeader(payload, srcPort, dstPort, 65_535, "IPv6 maximum (no jumbograms)");
        if (off < 0) {
            return false;
        }
        MemorySegment seg = payload.head();
        long srcHigh = ipv6.sourceHighFor(dstHigh);
        long srcLow = ipv6.sourceLowFor(dstHigh);
        // Computed here, not offloaded: the IPv6 datagram may be fragmented, and no NIC checksums across fragments.
        int c = InternetChecksum.finish(Ipv6Header.pseudoHeaderSum(srcHigh, srcLow, dstHigh, dstLow, length, IpProtocol.UDP)
                + InternetChecksum.sum(payload, 0, length));
        UdpHeader.setChecksum(seg, off, c == 0 ? UdpHeader.CHECKSUM_ZERO_SENT_AS : c);
        sent.increment();
        return ipv6.send(srcHigh, srcLow, dstHigh, dstLow, IpProtocol.UDP, payload);
    }

    /** Sends {@code payload} from {@code srcPort} to {@code dstIp:dstPort}; takes ownership. */
    boolean send(int srcPort, int dstIp, int dstPort, Packet payload) {
        int length = payload.length() + UdpHeader.HEADER_LENGTH;
        int off = prependHeader(payload, srcPort, dstPort, 65_535 - 20, "IPv4 maximum");
        if (off < 0) {
            return false;
        }
        MemorySegment seg = payload.head();
        int srcIp = ipv4.sourceAddressFor(dstIp);
        if (ipv4.txUdpChecksumOffload()) {
            UdpHeader.fillPseudoHeaderChecksum(seg, off, length, srcIp, dstIp);
            payload.addFlags(Packet.TX_UDP_CHECKSUM);
        } else {
            long sum = InternetChecksum.sum(payload, 0, length);
            UdpHeader.setChecksum(seg, off, UdpHeader.checksumFor(sum, srcIp, dstIp, length));
        }
        sent.increment();
        return ipv4.send(srcIp, dstIp, IpProtocol.UDP, payload, false);
    }

    /**
     * Prepends and writes the UDP header (checksum 0, flags cleared); returns its offset in the
     * head, or -1 when no buffer could be had (the payload is released). Refuses a datagram longer
     * than {@code maxLength}.
     */
    private static int prependHeader(Packet payload, int srcPort, int dstPort, int maxLength, String limitName) {
        int length = payload.length() + UdpHeader.HEADER_LENGTH;
        if (length > maxLength) {
            payload.release();
            throw new IllegalArgumentException("UDP payload of " + (length - UdpHeader.HEADER_LENGTH) + " bytes exceeds the " + limitName);
        }
        int off;
        try {
            off = payload.prepend(UdpHeader.HEADER_LENGTH);
        } catch (BufferExhaustedException e) {
            payload.release();
            return -1;
        }
        UdpHeader.write(payload.head(), off, srcPort, dstPort, length);
        payload.setFlags(0);
        return off;
    }

    /** Closes every socket (the stack is stopping). */
    public void closeAll() {
        for (int port : sockets.keys()) {
            UdpSocket s = sockets.get(port);
            if (s != null) {
                s.close();
            }
        }
    }

    private void drop(Packet p, Drop reason) {
        drops.count(reason);
        p.release();
    }
}
