package io.panamax.nic.dpdk;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the configuration infers from a device's arguments, without opening it. */
class DpdkNicConfigTest {

    /**
     * An idle af_xdp shard spins before sleeping on its socket only where an empty receive makes no
     * system call: with busy_budget=0. The driver's default budget (64) makes it call recvfrom.
     */
    @Test
    void anAfXdpEmptyPollIsCheapOnlyWithoutABusyPollBudget() {
        assertTrue(DpdkNicConfig.vdev("net_af_xdp_pmx0,iface=veth0x,queue_count=1,busy_budget=0").build().afXdpEmptyPollIsCheap());
        assertTrue(DpdkNicConfig.vdev("net_af_xdp0,busy_budget=0,iface=v").build().afXdpEmptyPollIsCheap());
        assertFalse(DpdkNicConfig.vdev("net_af_xdp0,iface=v").build().afXdpEmptyPollIsCheap(), "the default budget, 64");
        assertFalse(DpdkNicConfig.vdev("net_af_xdp0,iface=v,busy_budget=64").build().afXdpEmptyPollIsCheap());
        assertFalse(DpdkNicConfig.port("net_af_xdp0").build().afXdpEmptyPollIsCheap(), "devargs unknown: assume a budget");
    }
}
