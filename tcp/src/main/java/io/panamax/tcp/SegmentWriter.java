package io.panamax.tcp;

import io.panamax.ip.IpProtocol;
import io.panamax.ip.Ipv4Output;
import io.panamax.ip.Ipv6Output;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.tcp.wire.TcpChecksum;
import io.panamax.tcp.wire.TcpSegmentRepr;

/**
 * Builds outgoing segments and hands them to IPv4 or IPv6. The caller sets the fields of one
 * segment (this writer is the {@link TcpSegmentRepr} it emits, plus the addresses and the payload
 * packet), then calls {@link #send()}: the header and options go into the headroom of a fresh packet, the
 * payload (shared slices of the send buffer) is appended behind it as fragments, the checksum is
 * computed, or left to the NIC with the pseudo-header sum in place (RFC 9293 3.1, offload), and
 * the packet leaves with Don't Fragment set for path MTU discovery (RFC 1191). Over IPv6
 * ({@link #ipv6}) the checksum covers the RFC 8200 8.1 pseudo header, and is left to the NIC, or
 * a super-segment cut by it, only when {@link Ipv6Output} says the NIC takes IPv6 frames with
 * those offloads; IPv6 routers never fragment (path MTU discovery is RFC 8201's, from packet too
 * big). One per shard; the fields are reset by every send.
 */
final class SegmentWriter extends TcpSegmentRepr {
    private final PacketPool packets;
    private final Ipv4Output ip;
    private final TcpCounters counters;
    /** IPv6, once {@link Tcp#attachIpv6} gave it; null before. */
    Ipv6Output ip6;

    /** Send over IPv6 to {@link #dstHigh}/{@link #dstLow}; else over IPv4 to {@link #dstIp}. Reset by every send. */
    boolean ipv6;
    int srcIp;
    int dstIp;
    long srcHigh;
    long srcLow;
    long dstHigh;
    long dstLow;
    /** Payload to append (owned from now on), or null. */
    Packet payload;
    /**
     * Payload bytes per segment when {@link #payload} is a super-segment for the NIC to cut (TSO:
     * every segment a copy of this header, options included; FIN and PSH kept on the last only),
     * 0 for an ordinary segment.
     */
    int segmentSize;
    /** The IP header's ECN field (RFC 3168 5): ECT(0) on new data of an ECN connection, else Not-ECT (0). */
    int ipEcn;
    /**
     * A connection rebuilt from a SYN cookie is replaying its SYN-RECEIVED step (RFC 4987 3.6):
     * what it sends now, the SYN-ACK, already left with the cookie, so nothing is built, sent or
     * counted. Set by {@link Tcp} around that step only; not reset by a send.
     */
    boolean replaying;

    SegmentWriter(PacketPool packets, Ipv4Output ip, TcpCounters counters) {
        this.packets = packets;
        this.ip = ip;
        this.counters = counters;
    }

    /**
     * Builds and sends the segment described by the fields. Returns false (and counts) when no
     * buffer was free or IPv4 dropped it at once. The payload is consumed either way.
     */
    boolean send() {
        if (replaying) {
            if (payload != null) {
                payload.release();
            }
            reset();
            return true;
        }
        Packet p = packets.allocateWithHeadroom();
        if (p == null) {
            if (payload != null) {
                payload.release();
            }
            counters.drop(DropReason.NO_BUFFERS);
            reset();
            return false;
        }
        int at = p.prepend(headerLength());
        emit(p.head(), at);
        payloadLength = 0;
        if (payload != null) {
            payloadLength = payload.length();
            p.append(payload);
        }
        if (ipv6) {
            // As over IPv4 below, with the IPv6 pseudo header, when the NIC takes IPv6 frames with offloads.
            if (segmentSize > 0 && payloadLength > segmentSize) {
                TcpChecksum.fillPseudoHeader6(srcHigh, srcLow, dstHigh, dstLow, p);
                p.addFlags(Packet.TX_TCP_CHECKSUM | Packet.TX_TCP_SEGMENTATION);
                p.setSegmentSize(segmentSize);
                counters.superSegmentsOut.increment();
            } else if (ip6.txTcp6ChecksumOffload()) {
                TcpChecksum.fillPseudoHeader6(srcHigh, srcLow, dstHigh, dstLow, p);
                p.addFlags(Packet.TX_TCP_CHECKSUM);
            } else {
                TcpChecksum.fill6(srcHigh, srcLow, dstHigh, dstLow, p);
            }
            counters.segmentsOut.increment();
            counters.bytesOut.add(payloadLength);
            long sh = srcHigh;
            long sl = srcLow;
            long dh = dstHigh;
            long dl = dstLow;
            int ecn = ipEcn;
            reset();
            return ip6.send(sh, sl, dh, dl, IpProtocol.TCP, p, ecn);
        }
        if (segmentSize > 0 && payloadLength > segmentSize) {
            // The NIC segments and completes each segment's checksum from the pseudo-header sum
            // over the whole length (it has checksum offload whenever it offers TSO).
            TcpChecksum.fillPseudoHeader(srcIp, dstIp, p);
            p.addFlags(Packet.TX_TCP_CHECKSUM | Packet.TX_TCP_SEGMENTATION);
            p.setSegmentSize(segmentSize);
            counters.superSegmentsOut.increment();
        } else if (ip.txTcpChecksumOffload()) {
            TcpChecksum.fillPseudoHeader(srcIp, dstIp, p);
            p.addFlags(Packet.TX_TCP_CHECKSUM);
        } else {
            TcpChecksum.fill(srcIp, dstIp, p);
        }
        counters.segmentsOut.increment();
        counters.bytesOut.add(payloadLength);
        int s = srcIp;
        int d = dstIp;
        int ecn = ipEcn;
        reset();
        return ip.send(s, d, IpProtocol.TCP, p, true, ecn);
    }

    /** The largest super-segment (IP datagram) the NIC cuts, 0 without TSO. */
    int tsoMaxBytes() {
        return ip.txTcpSegmentationMax();
    }

    /** The largest IPv6 super-segment the NIC cuts, 0 without TSO for IPv6 (or without IPv6). */
    int tsoMaxBytes6() {
        return ip6 == null ? 0 : ip6.txTcp6SegmentationMax();
    }

    private void reset() {
        ipv6 = false;
        payload = null;
        segmentSize = 0;
        ipEcn = 0;
        flags = 0;
        options.clear();
    }
}
