package io.panamax.nic.offload;

import io.panamax.reactor.buffer.Packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Fills in the IPv4, TCP and UDP checksums a packet asks the NIC for ({@link Packet#TX_IP_CHECKSUM}
 * and friends) when the device cannot: the same contract as the hardware offload, so the stack
 * need not know which it got. The TCP/UDP checksum field holds the pseudo-header sum on entry
 * (RFC 793, RFC 768; DPDK's {@code rte_ipv4_phdr_cksum} convention) and the final checksum after.
 *
 * <p>Sums follow RFC 1071: 16-bit one's-complement words in network order.
 */
public final class SoftwareChecksum {
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_VLAN = 0x8100;
    public static final int ETHERTYPE_QINQ = 0x88a8;
    public static final int ETHERNET_HEADER = 14;
    public static final int VLAN_TAG = 4;
    public static final int IPV4_MIN_HEADER = 20;
    public static final int IPV4_TOTAL_LENGTH = 2;
    public static final int IPV4_CHECKSUM = 10;
    public static final int TCP_CHECKSUM = 16;
    public static final int UDP_CHECKSUM = 6;
    public static final int TCP_MIN_HEADER = 20;
    public static final int UDP_HEADER = 8;

    private SoftwareChecksum() {
    }

    /**
     * Computes the checksums {@code flags} asks for in {@code p}. Returns false, touching nothing,
     * when the frame is not an IPv4 packet long enough for them.
     */
    public static boolean fill(Packet p, int flags) {
        int l2 = p.l2Length() > 0 ? p.l2Length() : ethernetHeaderLength(p);
        if (l2 < 0 || l2 + IPV4_MIN_HEADER > p.length() || (p.getU8(l2) >>> 4) != 4) {
            return false;
        }
        int ihl = (p.getU8(l2) & 0x0f) * 4;
        int l3 = p.l3Length() > 0 ? p.l3Length() : ihl;
        int total = p.getU16(l2 + IPV4_TOTAL_LENGTH);
        if (l3 < IPV4_MIN_HEADER || total < l3 || l2 + total > p.length()) {
            return false;
        }
        int l4 = l2 + l3;
        int l4Length = total - l3;
        boolean tcp = (flags & Packet.TX_TCP_CHECKSUM) != 0;
        boolean udp = !tcp && (flags & Packet.TX_UDP_CHECKSUM) != 0;
        if (tcp && l4Length < TCP_MIN_HEADER || udp && l4Length < UDP_HEADER) {
            return false;
        }
        if ((flags & Packet.TX_IP_CHECKSUM) != 0) {
            p.setU16(l2 + IPV4_CHECKSUM, 0);
            p.setU16(l2 + IPV4_CHECKSUM, ~fold(sum(p, l2, l3)) & 0xffff);
        }
        if (tcp || udp) {
            int field = l4 + (tcp ? TCP_CHECKSUM : UDP_CHECKSUM);
            int c = ~fold(sum(p, l4, l4Length)) & 0xffff;
            if (udp && c == 0) {
                c = 0xffff; // RFC 768: a computed zero is sent as all ones
            }
            p.setU16(field, c);
        }
        return true;
    }

    /** Bytes of Ethernet header (with up to two VLAN tags) in front of an IPv4 packet, or -1. */
    public static int ethernetHeaderLength(Packet p) {
        int off = 12;
        for (int tags = 0; tags <= 2; tags++) {
            if (off + 2 > p.length()) {
                return -1;
            }
            int type = p.getU16(off);
            if (type == ETHERTYPE_IPV4) {
                return off + 2;
            }
            if (type != ETHERTYPE_VLAN && type != ETHERTYPE_QINQ) {
                return -1;
            }
            off += VLAN_TAG;
        }
        return -1;
    }

    /** The one's-complement sum (unfolded) of {@code len} bytes from {@code index}, across fragments. */
    public static long sum(Packet p, int index, int len) {
        long sum = 0;
        boolean odd = false; // whether the next byte is the low half of a 16-bit word
        int skip = index;
        for (int f = 0; f < p.fragmentCount() && len > 0; f++) {
            int fragLen = p.fragmentLength(f);
            if (skip >= fragLen) {
                skip -= fragLen;
                continue;
            }
            MemorySegment mem = p.fragmentMemory(f);
            long off = p.fragmentOffset(f) + skip;
            int n = Math.min(fragLen - skip, len);
            skip = 0;
            len -= n;
            long end = off + n;
            if (odd && off < end) {
                sum += mem.get(ValueLayout.JAVA_BYTE, off++) & 0xff;
                odd = false;
            }
            for (; off + 1 < end; off += 2) {
                sum += (mem.get(ValueLayout.JAVA_BYTE, off) & 0xff) << 8 | (mem.get(ValueLayout.JAVA_BYTE, off + 1) & 0xff);
            }
            if (off < end) {
                sum += (mem.get(ValueLayout.JAVA_BYTE, off) & 0xff) << 8;
                odd = true;
            }
        }
        return sum;
    }

    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }
}
