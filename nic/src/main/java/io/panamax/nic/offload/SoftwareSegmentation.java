package io.panamax.nic.offload;

import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.BufferPool;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketHandler;
import io.panamax.reactor.buffer.PacketPool;

/**
 * TCP segmentation in software, for NICs without TSO: cuts an IPv4/TCP super-segment
 * ({@link Packet#TX_TCP_SEGMENTATION}) into frames of at most {@link Packet#segmentSize()} payload
 * bytes, as a NIC would (the rules of Linux's {@code tcp_gso_segment} and of Intel's datasheets):
 * every frame gets a copy of the Ethernet, IPv4 and TCP headers (options included); the IPv4 total
 * length is the frame's, the Identification goes up by one per frame, the sequence number by the
 * payload before it; FIN and PSH stay on the last frame only, CWR on the first only. The payload
 * is not copied: each frame's second fragment is a view of the super-segment's buffers.
 *
 * <p>Checksums: the TCP field of a super-segment holds the pseudo-header sum over its whole length
 * (the {@link Packet#TX_TCP_CHECKSUM} contract); each frame's field is set to the pseudo-header sum
 * of its own length, and the frame asks the NIC for the TCP checksum (and the IPv4 one, if the
 * super-segment did), or, when the device has no checksum offload, gets them computed here.
 *
 * <p>Done once, in the NIC layer ({@link io.panamax.nic.NicPoller}), so that TCP may always hand
 * down super-segments. Allocates no Java objects: frames and header buffers come from the shard's
 * pools.
 */
public final class SoftwareSegmentation {
    /** RFC 9293 3.1: byte 13 of the TCP header holds the control bits. */
    private static final int TCP_FLAGS = 13;
    private static final int TCP_SEQUENCE = 4;
    private static final int TCP_DATA_OFFSET = 12;
    private static final int FIN = 0x01;
    private static final int PSH = 0x08;
    private static final int CWR = 0x80;
    private static final int IPV4_IDENTIFICATION = 4;
    private static final int IPV4_SOURCE = 12;
    private static final int IPV4_PROTOCOL_TCP = 6;

    private SoftwareSegmentation() {
    }

    /**
     * Cuts {@code p} into frames handed to {@code out} in order, and releases {@code p}. Returns
     * how many frames went out, or -1 when {@code p} is not an IPv4/TCP packet its header lengths
     * describe (then nothing went out and {@code p} is released: the caller counts the drop), or
     * when the pools ran dry part-way (the frames already out stay out; TCP retransmits the rest).
     *
     * @param deviceChecksums whether the device completes the TCP checksums (and the IPv4 ones, when the
     *                        super-segment asked for that) of the frames
     */
    public static int segment(Packet p, PacketPool packets, boolean deviceChecksums, PacketHandler out) {
        int l2 = p.l2Length() > 0 ? p.l2Length() : SoftwareChecksum.ethernetHeaderLength(p);
        if (l2 < 0 || l2 + SoftwareChecksum.IPV4_MIN_HEADER > p.length() || (p.getU8(l2) >>> 4) != 4
                || p.getU8(l2 + 9) != IPV4_PROTOCOL_TCP) {
            p.release();
            return -1;
        }
        int l3 = p.l3Length() > 0 ? p.l3Length() : (p.getU8(l2) & 0x0f) * 4;
        int l4 = l2 + l3;
        if (l3 < SoftwareChecksum.IPV4_MIN_HEADER || l4 + SoftwareChecksum.TCP_MIN_HEADER > p.length()) {
            p.release();
            return -1;
        }
        int tcpHeader = (p.getU8(l4 + TCP_DATA_OFFSET) >>> 4) * 4;
        int headers = l4 + tcpHeader;
        int mss = p.segmentSize();
        int ipFlags = p.flags() & Packet.TX_IP_CHECKSUM;
        if (tcpHeader < SoftwareChecksum.TCP_MIN_HEADER || headers > p.length() || mss <= 0) {
            p.release();
            return -1;
        }
        int payload = p.length() - headers;
        BufferPool buffers = packets.buffers();
        int room = buffers.headroom();
        if (headers > buffers.bufferSize() - room) {
            p.release();
            return -1;
        }
        long sequence = p.getI32(l4 + TCP_SEQUENCE) & 0xffffffffL;
        int identification = p.getU16(l2 + IPV4_IDENTIFICATION);
        int tcpFlags = p.getU8(l4 + TCP_FLAGS);
        long addresses = p.getU16(l2 + IPV4_SOURCE) + p.getU16(l2 + IPV4_SOURCE + 2)
                + p.getU16(l2 + IPV4_SOURCE + 4) + p.getU16(l2 + IPV4_SOURCE + 6) + IPV4_PROTOCOL_TCP;
        int frames = 0;
        for (int off = 0, k = 0; off < payload || k == 0; off += mss, k++) {
            int n = Math.min(mss, payload - off);
            boolean last = off + n >= payload;
            Packet s = packets.allocate();
            Buffer h = s == null ? null : buffers.allocate();
            if (h == null) {
                if (s != null) {
                    s.release();
                }
                p.release();
                return -1;
            }
            p.copyTo(0, h.memory(), room, headers);
            s.append(h, room, headers);
            if (n > 0) {
                s.append(p.share(headers + off, n));
            }
            s.setU16(l2 + SoftwareChecksum.IPV4_TOTAL_LENGTH, l3 + tcpHeader + n);
            s.setU16(l2 + IPV4_IDENTIFICATION, (identification + k) & 0xffff);
            s.setI32(l4 + TCP_SEQUENCE, (int) (sequence + off));
            int f = tcpFlags;
            if (!last) {
                f &= ~(FIN | PSH);
            }
            if (k > 0) {
                f &= ~CWR;
            }
            s.setU8(l4 + TCP_FLAGS, f);
            s.setU16(l4 + SoftwareChecksum.TCP_CHECKSUM, SoftwareChecksum.fold(addresses + tcpHeader + n));
            s.setHeaderLengths(l2, l3);
            if (ipFlags == 0) {
                // The stack summed the super-segment's IPv4 header; each frame's length and
                // Identification differ, so its checksum is redone here (20 bytes or so).
                SoftwareChecksum.fill(s, Packet.TX_IP_CHECKSUM);
            }
            if (deviceChecksums) {
                s.addFlags(Packet.TX_TCP_CHECKSUM | ipFlags);
            } else {
                SoftwareChecksum.fill(s, Packet.TX_TCP_CHECKSUM | ipFlags);
            }
            out.handle(s);
            frames++;
            if (last) {
                break;
            }
        }
        p.release();
        return frames;
    }
}
