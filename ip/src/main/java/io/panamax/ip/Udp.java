package io.panamax.ip;

import io.panamax.ip.wire.IcmpMessage;
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
 * can), and an ICMP port unreachable for a datagram to a closed port (not for broadcasts).
 *
 * <p>Ports are per shard: a service that wants every datagram binds its port on every shard, as
 * flows are steered to shards by their addresses and ports.
 */
public final class Udp implements TransportHandler {

    /** Why a received datagram was dropped (metric label {@code reason}). */
    public enum Drop {
        TRUNCATED, BAD_LENGTH, BAD_CHECKSUM,
        /** No socket on the destination port (a port unreachable is sent for unicast). */
        NO_SOCKET,
        /** The socket's receive queue was full. */
        QUEUE_FULL
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

    public Udp(Shard shard, Ipv4 ipv4, Icmp icmp, ShardMetrics metrics) {
        this.shard = shard;
        this.ipv4 = ipv4;
        this.icmp = icmp;
        this.drops = new DropCounters<>(metrics, "udp_drops_total", "Received UDP datagrams dropped", Drop.class);
        this.received = metrics.counter("udp_datagrams_received_total", "Datagrams delivered to a socket");
        this.sent = metrics.counter("udp_datagrams_sent_total", "Datagrams sent");
        ipv4.register(IpProtocol.UDP, this);
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
        int dstPort = UdpHeader.destinationPort(seg, off);
        UdpSocket socket = sockets.get(dstPort);
        if (socket == null) {
            drops.count(Drop.NO_SOCKET);
            if (!ipv4.route().isBroadcast(dstIp) && !Ipv4Address.isMulticast(dstIp)) {
                icmp.sendDestinationUnreachable(datagram, IcmpMessage.CODE_PORT_UNREACHABLE, 0);
            }
            datagram.release();
            return;
        }
        // Bytes beyond the UDP length (RFC 768: the length field rules) are not data.
        datagram.truncate(udpLength);
        datagram.trimFront(UdpHeader.HEADER_LENGTH);
        datagram.setFlags(0);
        if (socket.deliver(srcIp, srcPort, datagram)) {
            received.increment();
        } else {
            drop(datagram, Drop.QUEUE_FULL);
        }
    }

    /** Sends {@code payload} from {@code srcPort} to {@code dstIp:dstPort}; takes ownership. */
    boolean send(int srcPort, int dstIp, int dstPort, Packet payload) {
        int length = payload.length() + UdpHeader.HEADER_LENGTH;
        if (length > 65_535 - 20) {
            payload.release();
            throw new IllegalArgumentException("UDP payload of " + payload.length() + " bytes exceeds the IPv4 maximum");
        }
        int off;
        try {
            off = payload.prepend(UdpHeader.HEADER_LENGTH);
        } catch (BufferExhaustedException e) {
            payload.release();
            return false;
        }
        MemorySegment seg = payload.head();
        int srcIp = ipv4.sourceAddressFor(dstIp);
        UdpHeader.write(seg, off, srcPort, dstPort, length);
        payload.setFlags(0);
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
