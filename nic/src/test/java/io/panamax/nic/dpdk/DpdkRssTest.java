package io.panamax.nic.dpdk;

import io.panamax.reactor.testing.SharedData;
import io.panamax.nic.RssControl;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.EnumSet;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RSS control through DPDK's {@code net_null} driver, which implements the RSS key and
 * redirection-table calls: what is written is read back from the driver.
 */
@Tag("dpdk")
class DpdkRssTest {

    /** The Toeplitz key of the shared test vectors (Microsoft's verification key). */
    private static byte[] vectorKey() throws IOException {
        String line = Files.readAllLines(SharedData.file("rss/toeplitz-vectors.tsv")).get(1);
        return HexFormat.of().parseHex(line.split("\t")[0]);
    }

    @Test
    void keyAndRedirectionTableAreWrittenAndReadBack() throws IOException {
        DpdkTests.requireEal();
        byte[] key = vectorKey();
        try (DpdkNic nic = DpdkNic.open(DpdkNicConfig.vdev(DpdkTests.uniqueVdev("net_null")).queues(2)
                .descriptors(64, 64).spareMbufs(64).rssKey(key).build())) {
            RssControl rss = nic.rss().orElseThrow(() -> new AssertionError("two queues on a device with RSS"));
            assertEquals(128, nic.capabilities().retaSize());
            assertEquals(40, nic.capabilities().rssKeyBytes());
            assertArrayEquals(key, rss.key(), "the configured key was programmed");
            assertEquals(EnumSet.allOf(RssControl.HashType.class), rss.hashTypes());

            int[] table = rss.redirectionTable();
            assertEquals(128, table.length);
            for (int q : table) {
                assertTrue(q == 0 || q == 1, "entry " + q);
            }
            int[] mine = new int[128];
            for (int i = 0; i < mine.length; i++) {
                mine[i] = (i / 3) % 2;
            }
            rss.setRedirectionTable(mine);
            assertArrayEquals(mine, rss.redirectionTable());

            byte[] other = key.clone();
            other[0] ^= 0x5a;
            rss.setKey(other);
            assertArrayEquals(other, rss.key());

            assertThrows(IllegalArgumentException.class, () -> rss.setKey(new byte[52]));
            int[] bad = mine.clone();
            bad[7] = 2;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rss.setRedirectionTable(bad));
            assertTrue(e.getMessage().contains("queue 2"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> rss.setRedirectionTable(new int[64]));
        }
    }

    @Test
    void oneQueueMeansNoRss() {
        DpdkTests.requireEal();
        try (DpdkNic nic = DpdkNic.open(DpdkNicConfig.vdev(DpdkTests.uniqueVdev("net_null")).descriptors(64, 64)
                .spareMbufs(64).build())) {
            assertTrue(nic.rss().isEmpty());
            assertEquals(0, nic.capabilities().retaSize());
        }
    }
}
