package io.panamax.nic.dpdk;

import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.dpdk.bindings.rte_eth_stats;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The device's own counters ({@code rte_eth_stats_get}), beside the per-queue counters the shards
 * keep: these include what the stack never saw (frames missed for lack of descriptors or mbufs).
 *
 * @param ipackets  frames received
 * @param opackets  frames sent
 * @param ibytes    bytes received
 * @param obytes    bytes sent
 * @param imissed   frames dropped by the device: receive ring full
 * @param ierrors   erroneous frames received
 * @param oerrors   frames that failed to send
 * @param rxNombuf  receive failures for lack of mbufs
 */
public record DeviceStats(long ipackets, long opackets, long ibytes, long obytes, long imissed,
                          long ierrors, long oerrors, long rxNombuf) {

    static DeviceStats query(int port) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = rte_eth_stats.allocate(arena);
            DpdkException.check(dpdk_h.rte_eth_stats_get((short) port, s), "rte_eth_stats_get(port " + port + ")");
            return new DeviceStats(rte_eth_stats.ipackets(s), rte_eth_stats.opackets(s), rte_eth_stats.ibytes(s),
                    rte_eth_stats.obytes(s), rte_eth_stats.imissed(s), rte_eth_stats.ierrors(s),
                    rte_eth_stats.oerrors(s), rte_eth_stats.rx_nombuf(s));
        }
    }
}
