package io.panamax.nic.dpdk;

import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.nic.Nic;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The multicast filter of a DPDK port through a driver that has none: DPDK's {@code net_null}
 * refuses {@code rte_eth_dev_set_mc_addr_list} ({@code -ENOTSUP}), so the port falls back to
 * all-multicast, which the device then reports as on. (DPDK's {@code net_tap} takes any list: the
 * stack's test over it, KernelPeerIcmpUdpTest.DpdkNetTap, sees {@code FILTERED}.)
 */
@Tag("dpdk")
class DpdkMulticastTest {

    @Test
    void aDriverWithoutAFilterFallsBackToAllMulticast() {
        DpdkTests.requireEal();
        try (DpdkNic nic = DpdkNic.open(DpdkNicConfig.vdev(DpdkTests.uniqueVdev("net_null")).descriptors(64, 64)
                .spareMbufs(64).build())) {
            long[] groups = {0x3333_0000_0001L, 0x3333_ff00_0702L};
            Nic.MulticastDelivery delivery = nic.setMulticastGroups(groups);
            int all = nic.control(() -> dpdk_h.rte_eth_allmulticast_get((short) nic.portId()));
            switch (delivery) {
                case ALL_MULTICAST -> assertEquals(1, all, "all-multicast is on");
                case REFUSED -> assertTrue(all != 1, "neither a list nor all-multicast: " + all);
                default -> throw new AssertionError("net_null has no multicast filter, yet: " + delivery);
            }
            assertEquals(delivery, nic.setMulticastGroups(new long[0]), "the same answer for an empty list");
        }
    }
}
