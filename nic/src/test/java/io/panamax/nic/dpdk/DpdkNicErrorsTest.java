package io.panamax.nic.dpdk;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Devices that do not exist or cannot be configured fail with messages that say so, and leave nothing behind. */
@Tag("dpdk")
class DpdkNicErrorsTest {

    @Test
    void anUnknownPortIsNamed() {
        Eal eal = DpdkTests.requireEal();
        int ports = eal.portCount();
        DpdkException e = assertThrows(DpdkException.class, () -> DpdkNic.open(DpdkNicConfig.port("0000:99:00.0").build()));
        assertTrue(e.getMessage().contains("no DPDK port named '0000:99:00.0'"), e.getMessage());
        assertEquals(ports, eal.portCount());
    }

    @Test
    void anUnknownDriverIsAProbeError() {
        DpdkTests.requireEal();
        DpdkException e = assertThrows(DpdkException.class, () -> DpdkNic.open(DpdkNicConfig.vdev("net_nonesuch0").build()));
        assertTrue(e.getMessage().contains("rte_dev_probe(\"net_nonesuch0\")"), e.getMessage());
    }

    @Test
    void moreQueuesThanTheDeviceHasIsRefusedAndTheDeviceRemoved() {
        Eal eal = DpdkTests.requireEal();
        String vdev = DpdkTests.uniqueVdev("net_ring");
        DpdkException e = assertThrows(DpdkException.class,
                () -> DpdkNic.open(DpdkNicConfig.vdev(vdev).queues(64).descriptors(64, 64).spareMbufs(0).build()));
        assertTrue(e.getMessage().contains("at most 16 queue pair(s), not the 64 asked for"), e.getMessage());
        assertFalse(eal.findPort(vdev).isPresent(), "the hot-plugged device was removed again");
    }

    @Test
    void aDeviceCanBeOpenedAgainAfterClose() {
        DpdkTests.requireEal();
        String vdev = DpdkTests.uniqueVdev("net_ring");
        for (int i = 0; i < 3; i++) {
            try (DpdkNic nic = DpdkNic.open(DpdkNicConfig.vdev(vdev).descriptors(64, 64).spareMbufs(64).build())) {
                assertTrue(nic.linkUp());
            }
        }
    }

    @Test
    void theEalRunsOnceAndRefusesOtherArguments() {
        Eal eal = DpdkTests.requireEal();
        assertTrue(Eal.isInitialized());
        assertEquals(eal, Eal.get());
        assertEquals(eal, Eal.initialize(eal.arguments()));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Eal.initialize(List.of("x", "--no-pci")));
        assertTrue(e.getMessage().contains("once per process"), e.getMessage());
    }

    @Test
    void badPoolSizingIsRefusedBeforeAnythingIsMade() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DpdkNicConfig.vdev("net_ring9").mbufsPerQueue(100).build());
        assertTrue(e.getMessage().contains("receive ring"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DpdkNicConfig.vdev("net_ring9").queues(0).build());
        assertThrows(IllegalArgumentException.class, () -> DpdkNicConfig.vdev("net_ring9").dataRoomSize(100).build());
    }

    @Test
    void deviceNamesComeFromTheDevargs() {
        assertEquals("net_tap3", Eal.deviceName("net_tap3,iface=x,mac=fixed"));
        assertEquals("net_ring0", Eal.deviceName("vdev:net_ring0"));
        assertEquals("0000:01:00.0", Eal.deviceName("0000:01:00.0"));
        assertEquals("pci", Eal.busOf("0000:01:00.0"));
        assertEquals("pci", Eal.busOf("82:00.1"));
        assertEquals("vdev", Eal.busOf("net_tap3"));
    }
}
