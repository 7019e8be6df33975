package io.panamax.nic.dpdk;

import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.dpdk.bindings.rte_eth_desc_lim;
import io.panamax.dpdk.bindings.rte_eth_dev_info;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What {@code rte_eth_dev_info_get} says about a port.
 *
 * @param driverName           the poll-mode driver ({@code net_tap}, {@code net_ixgbe}, ...)
 * @param maxRxQueues          receive queues the device supports
 * @param maxTxQueues          transmit queues the device supports
 * @param rxOffloadCapa        {@code RTE_ETH_RX_OFFLOAD_*} the device supports
 * @param txOffloadCapa        {@code RTE_ETH_TX_OFFLOAD_*} the device supports
 * @param flowTypeRssOffloads  {@code RTE_ETH_RSS_*} flow types the device hashes
 * @param retaSize             entries in the redirection table (0: none)
 * @param hashKeySize          bytes in the RSS key (0: device default only)
 * @param minMtu               smallest MTU
 * @param maxMtu               largest MTU
 * @param maxRxPktlen          largest frame the device receives
 * @param rxDescMax            most descriptors in a receive ring
 * @param rxDescMin            fewest descriptors in a receive ring
 * @param txDescMax            most descriptors in a transmit ring
 * @param txDescMin            fewest descriptors in a transmit ring
 */
public record DeviceInfo(String driverName, int maxRxQueues, int maxTxQueues, long rxOffloadCapa,
                         long txOffloadCapa, long flowTypeRssOffloads, int retaSize, int hashKeySize,
                         int minMtu, int maxMtu, int maxRxPktlen, int rxDescMax, int rxDescMin,
                         int txDescMax, int txDescMin) {

    static DeviceInfo query(int port) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = rte_eth_dev_info.allocate(arena);
            DpdkException.check(dpdk_h.rte_eth_dev_info_get((short) port, info), "rte_eth_dev_info_get(port " + port + ")");
            MemorySegment name = rte_eth_dev_info.driver_name(info);
            MemorySegment rxLim = rte_eth_dev_info.rx_desc_lim(info);
            MemorySegment txLim = rte_eth_dev_info.tx_desc_lim(info);
            return new DeviceInfo(
                    name.equals(MemorySegment.NULL) ? "?" : name.reinterpret(256).getString(0),
                    rte_eth_dev_info.max_rx_queues(info) & 0xffff,
                    rte_eth_dev_info.max_tx_queues(info) & 0xffff,
                    rte_eth_dev_info.rx_offload_capa(info),
                    rte_eth_dev_info.tx_offload_capa(info),
                    rte_eth_dev_info.flow_type_rss_offloads(info),
                    rte_eth_dev_info.reta_size(info) & 0xffff,
                    rte_eth_dev_info.hash_key_size(info) & 0xff,
                    rte_eth_dev_info.min_mtu(info) & 0xffff,
                    rte_eth_dev_info.max_mtu(info) & 0xffff,
                    rte_eth_dev_info.max_rx_pktlen(info),
                    rte_eth_desc_lim.nb_max(rxLim) & 0xffff,
                    rte_eth_desc_lim.nb_min(rxLim) & 0xffff,
                    rte_eth_desc_lim.nb_max(txLim) & 0xffff,
                    rte_eth_desc_lim.nb_min(txLim) & 0xffff);
        }
    }

    /** Whether every bit of {@code offloads} is among the device's receive offloads. */
    public boolean supportsRx(long offloads) {
        return (rxOffloadCapa & offloads) == offloads;
    }

    /** Whether every bit of {@code offloads} is among the device's transmit offloads. */
    public boolean supportsTx(long offloads) {
        return (txOffloadCapa & offloads) == offloads;
    }
}
