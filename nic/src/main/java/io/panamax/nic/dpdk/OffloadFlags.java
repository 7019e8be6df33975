package io.panamax.nic.dpdk;

import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.reactor.buffer.Packet;

/**
 * Translation between the stack's {@link Packet} flags and an mbuf's {@code ol_flags}: what the
 * device verified on receive, what it is asked to compute on transmit. Pure functions.
 */
final class OffloadFlags {
    static final long RX_RSS_HASH = dpdk_h.RTE_MBUF_F_RX_RSS_HASH();
    static final long RX_IP_CKSUM_MASK = dpdk_h.RTE_MBUF_F_RX_IP_CKSUM_MASK();
    static final long RX_IP_CKSUM_GOOD = dpdk_h.RTE_MBUF_F_RX_IP_CKSUM_GOOD();
    static final long RX_IP_CKSUM_BAD = dpdk_h.RTE_MBUF_F_RX_IP_CKSUM_BAD();
    static final long RX_IP_CKSUM_NONE = dpdk_h.RTE_MBUF_F_RX_IP_CKSUM_NONE();
    static final long RX_L4_CKSUM_MASK = dpdk_h.RTE_MBUF_F_RX_L4_CKSUM_MASK();
    static final long RX_L4_CKSUM_GOOD = dpdk_h.RTE_MBUF_F_RX_L4_CKSUM_GOOD();
    static final long RX_L4_CKSUM_BAD = dpdk_h.RTE_MBUF_F_RX_L4_CKSUM_BAD();
    static final long RX_L4_CKSUM_NONE = dpdk_h.RTE_MBUF_F_RX_L4_CKSUM_NONE();
    static final long TX_IPV4 = dpdk_h.RTE_MBUF_F_TX_IPV4();
    static final long TX_IP_CKSUM = dpdk_h.RTE_MBUF_F_TX_IP_CKSUM();
    static final long TX_TCP_CKSUM = dpdk_h.RTE_MBUF_F_TX_TCP_CKSUM();
    static final long TX_UDP_CKSUM = dpdk_h.RTE_MBUF_F_TX_UDP_CKSUM();
    static final long TX_TCP_SEG = dpdk_h.RTE_MBUF_F_TX_TCP_SEG();
    /**
     * {@code ol_flags} of an IPv4 TCP super-segment: segmentation, which implies the TCP checksum
     * of every segment, and the IPv4 header checksum of every segment (each has its own length).
     */
    static final long TX_TCP_SEGMENTATION = TX_IPV4 | TX_IP_CKSUM | TX_TCP_CKSUM | TX_TCP_SEG;
    static final long EXTERNAL_OR_INDIRECT = dpdk_h.RTE_MBUF_F_EXTERNAL() | dpdk_h.RTE_MBUF_F_INDIRECT();

    static final int TX_CHECKSUM_FLAGS = Packet.TX_IP_CHECKSUM | Packet.TX_TCP_CHECKSUM | Packet.TX_UDP_CHECKSUM;

    private OffloadFlags() {
    }

    /**
     * The {@link Packet} RX flags for {@code olFlags}. "NONE" (the header is known to be intact but
     * its checksum field is not filled in, as after a local TX offload) counts as good.
     */
    static int rxFlags(long olFlags) {
        int f = 0;
        long ip = olFlags & RX_IP_CKSUM_MASK;
        if (ip == RX_IP_CKSUM_GOOD || ip == RX_IP_CKSUM_NONE) {
            f |= Packet.RX_IP_CHECKSUM_GOOD;
        } else if (ip == RX_IP_CKSUM_BAD) {
            f |= Packet.RX_IP_CHECKSUM_BAD;
        }
        long l4 = olFlags & RX_L4_CKSUM_MASK;
        if (l4 == RX_L4_CKSUM_GOOD || l4 == RX_L4_CKSUM_NONE) {
            f |= Packet.RX_L4_CHECKSUM_GOOD;
        } else if (l4 == RX_L4_CKSUM_BAD) {
            f |= Packet.RX_L4_CHECKSUM_BAD;
        }
        return f;
    }

    /** Whether the device delivered a receive-side hash in {@code hash.rss}. */
    static boolean hasRssHash(long olFlags) {
        return (olFlags & RX_RSS_HASH) != 0;
    }

    /**
     * The checksum work the device was configured to do.
     *
     * @param ip  IPv4 header checksum offload enabled
     * @param tcp TCP checksum offload enabled
     * @param udp UDP checksum offload enabled
     */
    record Tx(boolean ip, boolean tcp, boolean udp) {
        static final Tx NONE = new Tx(false, false, false);

        /** The packet flags among {@code packetFlags} the device takes on. */
        int offloaded(int packetFlags) {
            int f = 0;
            if (ip) {
                f |= packetFlags & Packet.TX_IP_CHECKSUM;
            }
            if (tcp) {
                f |= packetFlags & Packet.TX_TCP_CHECKSUM;
            }
            if (udp && (packetFlags & Packet.TX_TCP_CHECKSUM) == 0) {
                f |= packetFlags & Packet.TX_UDP_CHECKSUM;
            }
            return f;
        }

        /** {@code ol_flags} asking the device for the work in {@code offloaded} (from {@link #offloaded}). */
        static long olFlags(int offloaded) {
            if (offloaded == 0) {
                return 0;
            }
            long ol = TX_IPV4;
            if ((offloaded & Packet.TX_IP_CHECKSUM) != 0) {
                ol |= TX_IP_CKSUM;
            }
            if ((offloaded & Packet.TX_TCP_CHECKSUM) != 0) {
                ol |= TX_TCP_CKSUM;
            } else if ((offloaded & Packet.TX_UDP_CHECKSUM) != 0) {
                ol |= TX_UDP_CKSUM;
            }
            return ol;
        }
    }
}
