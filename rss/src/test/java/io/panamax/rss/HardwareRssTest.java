package io.panamax.rss;

import io.panamax.nic.RssControl;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HardwareRssTest {
    /** A device's RSS registers. */
    private static final class FakeRss implements RssControl {
        byte[] key = new byte[40];
        int[] table = new int[128];
        final Set<HashType> types;

        FakeRss(Set<HashType> types) {
            this.types = types;
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        @Override
        public void setKey(byte[] key) {
            this.key = key.clone();
        }

        @Override
        public int[] redirectionTable() {
            return table.clone();
        }

        @Override
        public void setRedirectionTable(int[] table) {
            this.table = table.clone();
        }

        @Override
        public Set<HashType> hashTypes() {
            return types;
        }
    }

    @Test
    void configureThenReadBackGivesTheSameSteering() {
        FakeRss device = new FakeRss(EnumSet.of(RssControl.HashType.IPV4, RssControl.HashType.IPV4_TCP));
        RedirectionTable table = RedirectionTable.spreading(128, 4);
        table.set(120, 2);
        FlowSteering steering = FlowSteering.hardware(Toeplitz.microsoft(), table, 4);
        HardwareRss.configure(device, steering);
        assertArrayEquals(RssKey.microsoft(), device.key);
        assertArrayEquals(table.toArray(), device.table);

        FlowSteering read = HardwareRss.steering(device, 4, 4);
        assertEquals(FlowSteering.Mode.HARDWARE, read.mode());
        // 66.9.149.187:2794 -> 161.142.100.80:1766 hashes to 0x51ccc178, entry 120, which now says queue 2.
        assertEquals(2, read.shardOfIpv4Tcp(0x420995bb, 0xa18e6450, 2794, 1766));
        assertEquals(steering.redirectionTable(), read.redirectionTable());
    }

    @Test
    void softwareSteeringIsNotInstalled() {
        FakeRss device = new FakeRss(EnumSet.allOf(RssControl.HashType.class));
        FlowSteering software = FlowSteering.forQueues(Toeplitz.microsoft(), 128, 1, 4);
        assertThrows(IllegalArgumentException.class, () -> HardwareRss.configure(device, software));
    }

    @Test
    void aDeviceThatDoesNotHashTcpPortsIsRefused() {
        FakeRss device = new FakeRss(EnumSet.of(RssControl.HashType.IPV4));
        FlowSteering steering = FlowSteering.forQueues(Toeplitz.microsoft(), 128, 4, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HardwareRss.configure(device, steering));
        assertEquals("the device does not hash IPv4/TCP by ports (hash types [IPV4]): replies could not be steered to the connecting shard",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HardwareRss.steering(device, 4, 4));
    }

    @Test
    void aTableNamingMissingQueuesIsRefused() {
        FakeRss device = new FakeRss(EnumSet.of(RssControl.HashType.IPV4_TCP));
        device.table = RedirectionTable.spreading(128, 8).toArray();
        assertThrows(IllegalArgumentException.class, () -> HardwareRss.steering(device, 4, 4));
        assertEquals(8, HardwareRss.steering(device, 8, 4).queues());
    }
}
