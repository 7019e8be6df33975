package io.panamax.rss;

import io.panamax.nic.NicCapabilities;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowSteeringTest {
    private static final int MS_SRC = 0x420995bb;   // 66.9.149.187
    private static final int MS_DST = 0xa18e6450;   // 161.142.100.80
    private static final int MS_HASH_TCP = 0x51ccc178;

    @Test
    void hardwareWithAQueuePerShardIsIdentity() {
        FlowSteering s = FlowSteering.hardware(Toeplitz.microsoft(), RedirectionTable.spreading(128, 4), 4);
        assertEquals(FlowSteering.Mode.HARDWARE, s.mode());
        assertFalse(s.forwardsInSoftware());
        for (int q = 0; q < 4; q++) {
            assertEquals(q, s.receivingShard(q));
        }
        // entry 120 of a 4-queue spread is queue 0.
        assertEquals(0, s.shardOfIpv4Tcp(MS_SRC, MS_DST, 2794, 1766));
        assertEquals(120 % 4, s.shardOf(MS_HASH_TCP));
    }

    /**
     * The IPv6 rows of the shared vectors (the Microsoft / Intel 82599 IPv6 table): the owner of
     * each 4-tuple and 2-tuple is the table entry its published hash selects, in both modes.
     */
    @Test
    void ipv6TuplesSteerByTheirPublishedHashes() {
        int checked = 0;
        for (ToeplitzVectors.Row row : ToeplitzVectors.load().rows()) {
            if (row.ipVersion() != 6) {
                continue;
            }
            long[] src = longs(AddressText.parseIpv6(row.srcIp()));
            long[] dst = longs(AddressText.parseIpv6(row.dstIp()));
            RedirectionTable shards = RedirectionTable.spreading(128, 3);
            FlowSteering software = FlowSteering.software(Toeplitz.of(row.key()), shards, 1);
            FlowSteering hardware = FlowSteering.hardware(Toeplitz.of(row.key()), RedirectionTable.spreading(128, 4), 2);
            int index4 = row.hashIpTcp() & 127;
            int index2 = row.hashIpOnly() & 127;
            assertEquals(index4 % 3, software.shardOfIpv6Tcp(src[0], src[1], dst[0], dst[1], row.srcPort(), row.dstPort()), row.toString());
            assertEquals(index2 % 3, software.shardOfIpv6(src[0], src[1], dst[0], dst[1]), row.toString());
            assertEquals(index4 % 4 % 2, hardware.shardOfIpv6Tcp(src[0], src[1], dst[0], dst[1], row.srcPort(), row.dstPort()),
                    row.toString());
            assertEquals(index2 % 4 % 2, hardware.shardOfIpv6(src[0], src[1], dst[0], dst[1]), row.toString());
            checked++;
        }
        assertTrue(checked >= 3, "IPv6 rows in the vectors: " + checked);
    }

    private static long[] longs(byte[] address) {
        return new long[] {AddressText.longAt(address, 0), AddressText.longAt(address, 8)};
    }

    @Test
    void hardwareWithMoreQueuesThanShardsFoldsQueues() {
        FlowSteering s = FlowSteering.hardware(Toeplitz.microsoft(), RedirectionTable.spreading(128, 8), 4);
        assertEquals(2, s.receivingShard(6));
        assertEquals(7 % 4, s.shardOf(7));
    }

    @Test
    void hardwareNeedsAQueuePerShard() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FlowSteering.hardware(Toeplitz.microsoft(), RedirectionTable.spreading(128, 2), 4));
        assertEquals("hardware steering needs a receive queue per shard: 2 queues for 4 shards (steer in software instead)", e.getMessage());
    }

    @Test
    void softwareMapsHashesToShardsAndQueuesToPollers() {
        FlowSteering s = FlowSteering.software(Toeplitz.microsoft(), RedirectionTable.spreading(128, 6), 1);
        assertTrue(s.forwardsInSoftware());
        assertEquals(6, s.shards());
        assertEquals(0, s.receivingShard(0));
        assertThrows(IndexOutOfBoundsException.class, () -> s.receivingShard(1));
        assertEquals(120 % 6, s.shardOfIpv4Tcp(MS_SRC, MS_DST, 2794, 1766));
        assertEquals(0x2a % 6, s.shardOfIpv4(0xc75c6f02, 0x41458c53), "199.92.111.2 -> 65.69.140.83 hashes 0xd718262a");
    }

    @Test
    void forDeviceChoosesTheMode() {
        NicCapabilities rss = new NicCapabilities(16, true, true, true, true, true, true, 40, 512);
        FlowSteering hw = FlowSteering.forDevice(Toeplitz.microsoft(), rss, 4, 4);
        assertEquals(FlowSteering.Mode.HARDWARE, hw.mode());
        assertEquals(512, hw.redirectionTable().size());
        assertEquals(FlowSteering.Mode.SOFTWARE, FlowSteering.forDevice(Toeplitz.microsoft(), rss, 2, 4).mode());
        FlowSteering tap = FlowSteering.forDevice(Toeplitz.microsoft(), NicCapabilities.none(4), 4, 4);
        assertEquals(FlowSteering.Mode.SOFTWARE, tap.mode(), "a device without RSS steers in software even with a queue per shard");
        assertEquals(3, tap.receivingShard(3));
        assertEquals(128, tap.redirectionTable().size());
        assertEquals(256, FlowSteering.forDevice(Toeplitz.microsoft(), NicCapabilities.none(1), 1, 64).redirectionTable().size(),
                "at least four entries per shard");
    }

    @Test
    void everyShardGetsItsShareOfRandomFlows() {
        FlowSteering s = FlowSteering.forQueues(Toeplitz.microsoft(), 128, 1, 4);
        SplittableRandom random = new SplittableRandom(3);
        int[] perShard = new int[4];
        int flows = 100_000;
        for (int i = 0; i < flows; i++) {
            perShard[s.shardOfIpv4Tcp(random.nextInt(), random.nextInt(), random.nextInt(0x10000), random.nextInt(0x10000))]++;
        }
        for (int n : perShard) {
            assertTrue(Math.abs(n - flows / 4) < flows / 40, "within 10% of an even share: " + java.util.Arrays.toString(perShard));
        }
    }

    @Test
    void copiesAgreeAndAreIndependent() {
        FlowSteering s = FlowSteering.forQueues(Toeplitz.microsoft(), 128, 4, 4);
        FlowSteering copy = s.copy();
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 1000; i++) {
            int h = random.nextInt();
            assertEquals(s.shardOf(h), copy.shardOf(h));
        }
        RedirectionTable drained = RedirectionTable.spreading(128, 4);
        drained.setAll(2);
        copy.updateTable(drained);
        assertEquals(2, copy.shardOf(0));
        assertEquals(0, s.shardOf(0), "the original keeps its table");
        assertFalse(copy.ownsAnyEntry(0));
        assertTrue(copy.ownsAnyEntry(2));
    }

    @Test
    void updateTableChecksTheNewEntries() {
        FlowSteering s = FlowSteering.forQueues(Toeplitz.microsoft(), 128, 1, 4);
        assertThrows(IllegalArgumentException.class, () -> s.updateTable(RedirectionTable.spreading(64, 4)));
        assertEquals("redirection table entry 4 names shard 4 of only 4",
                assertThrows(IllegalArgumentException.class, () -> s.updateTable(RedirectionTable.spreading(128, 8))).getMessage());
        assertEquals(1, s.shardOf(1), "a rejected update changes nothing");
    }

    @Test
    void badCounts() {
        assertThrows(IllegalArgumentException.class, () -> FlowSteering.forQueues(Toeplitz.microsoft(), 128, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> FlowSteering.forQueues(Toeplitz.microsoft(), 128, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> FlowSteering.software(Toeplitz.microsoft(), RedirectionTable.spreading(128, 4), 0));
    }
}
