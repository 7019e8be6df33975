package io.panamax.nic.dpdk;

import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.dpdk.bindings.rte_eth_link;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A port's link, from {@code rte_eth_link_get_nowait}.
 *
 * @param up         carrier present
 * @param speedMbps  speed in Mbit/s ({@code RTE_ETH_SPEED_NUM_*}; 0 unknown)
 * @param fullDuplex full duplex
 * @param autoneg    speed negotiated
 */
public record LinkStatus(boolean up, int speedMbps, boolean fullDuplex, boolean autoneg) {
    /**
     * The three flags are bitfields of one {@code uint16_t} after {@code link_speed}, which jextract
     * leaves out: {@code link_duplex} bit 0, {@code link_autoneg} bit 1, {@code link_status} bit 2
     * (rte_ethdev.h, GCC's little-endian bitfield allocation).
     */
    private static final long FLAGS_OFFSET = rte_eth_link.link_speed$offset() + Integer.BYTES;
    private static final int DUPLEX_BIT = 0;
    private static final int AUTONEG_BIT = 1;
    private static final int STATUS_BIT = 2;

    static LinkStatus query(int port) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment link = rte_eth_link.allocate(arena);
            DpdkException.check(dpdk_h.rte_eth_link_get_nowait((short) port, link), "rte_eth_link_get_nowait(port " + port + ")");
            int flags = link.get(ValueLayout.JAVA_SHORT, FLAGS_OFFSET) & 0xffff;
            return new LinkStatus(bit(flags, STATUS_BIT) == dpdk_h.RTE_ETH_LINK_UP(), rte_eth_link.link_speed(link),
                    bit(flags, DUPLEX_BIT) == 1, bit(flags, AUTONEG_BIT) == 1);
        }
    }

    private static int bit(int flags, int bit) {
        return flags >>> bit & 1;
    }
}
