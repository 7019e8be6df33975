package io.panamax.rss;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedirectionTableTest {

    @Test
    void spreadsQueuesRoundRobin() {
        RedirectionTable t = RedirectionTable.spreading(128, 4);
        assertEquals(128, t.size());
        assertEquals(4, t.queueCount());
        for (int i = 0; i < 128; i++) {
            assertEquals(i % 4, t.entry(i));
        }
        for (int q = 0; q < 4; q++) {
            assertEquals(32, t.entriesFor(q));
        }
    }

    @Test
    void unevenSpreadDiffersByAtMostOneEntry() {
        RedirectionTable t = RedirectionTable.spreading(128, 3);
        assertEquals(43, t.entriesFor(0));
        assertEquals(43, t.entriesFor(1));
        assertEquals(42, t.entriesFor(2));
    }

    @Test
    void lowBitsOfTheHashSelectTheEntry() {
        RedirectionTable t = RedirectionTable.spreading(128, 128);
        // The Microsoft IPv4/TCP vector 0x51ccc178: its 7 low bits are 0x78 = 120.
        assertEquals(120, t.indexOf(0x51ccc178));
        assertEquals(120, t.queueOf(0x51ccc178));
        assertEquals(0x7f, t.indexOf(-1));
        assertEquals(0, t.indexOf(0x80));
        assertEquals(0x1ff & 0xdde51bbf, RedirectionTable.spreading(512, 512).queueOf(0xdde51bbf));
        // Index is hash mod size, the hash taken as unsigned.
        assertEquals((int) (Integer.toUnsignedLong(0xdde51bbf) % 512), RedirectionTable.spreading(512, 512).indexOf(0xdde51bbf));
    }

    @Test
    void setMovesOneEntry() {
        RedirectionTable t = RedirectionTable.spreading(128, 4);
        int hash = 0x51ccc178;
        assertEquals(0, t.queueOf(hash));
        t.set(120, 3);
        assertEquals(3, t.queueOf(hash));
        assertEquals(3, t.entry(120));
        assertEquals(31, t.entriesFor(0));
        assertEquals(33, t.entriesFor(3));
        assertEquals(1, t.entry(121), "neighbours unchanged");
    }

    @Test
    void setAllDrainsToOneQueue() {
        RedirectionTable t = RedirectionTable.spreading(64, 8);
        t.setAll(5);
        assertEquals(64, t.entriesFor(5));
        assertEquals(5, t.queueOf(12345));
    }

    @Test
    void spreadRebalancesForANewQueueCount() {
        RedirectionTable t = RedirectionTable.spreading(128, 2);
        t.setAll(1);
        t.spread(8);
        assertEquals(8, t.queueCount());
        for (int q = 0; q < 8; q++) {
            assertEquals(16, t.entriesFor(q));
        }
        t.set(0, 7);
        assertThrows(IllegalArgumentException.class, () -> t.set(0, 8));
        t.spread(1);
        assertEquals(128, t.entriesFor(0));
        assertThrows(IllegalArgumentException.class, () -> t.set(0, 1), "queue 1 is gone after spreading over one");
    }

    @Test
    void ofValidatesEntries() {
        RedirectionTable t = RedirectionTable.of(new int[] {0, 1, 1, 0}, 2);
        assertEquals(1, t.queueOf(5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedirectionTable.of(new int[] {0, 1, 2, 0}, 2));
        assertEquals("redirection table entry 2: queue 2 is not one of the 2 queues 0..1", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RedirectionTable.of(new int[] {0, -1}, 2));
        assertThrows(IllegalArgumentException.class, () -> RedirectionTable.of(new int[] {0, 0, 0}, 1), "3 is not a power of two");
        assertThrows(IllegalArgumentException.class, () -> RedirectionTable.of(new int[0], 1));
        assertThrows(IllegalArgumentException.class, () -> RedirectionTable.of(new int[] {0, 0}, 0));
    }

    @Test
    void badGeometryIsRejected() {
        assertEquals("a redirection table has a power-of-two number of entries, 1 to 65536 (NICs: 64, 128, 512), got 100",
                assertThrows(IllegalArgumentException.class, () -> RedirectionTable.spreading(100, 4)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> RedirectionTable.spreading(1 << 17, 4));
        assertThrows(IllegalArgumentException.class, () -> RedirectionTable.spreading(0, 1));
        assertThrows(IllegalArgumentException.class, () -> RedirectionTable.spreading(128, 0));
        assertEquals("129 queues do not fit a 128-entry redirection table: some would get no entry and no traffic",
                assertThrows(IllegalArgumentException.class, () -> RedirectionTable.spreading(128, 129)).getMessage());
        RedirectionTable t = RedirectionTable.spreading(128, 4);
        assertThrows(IndexOutOfBoundsException.class, () -> t.set(128, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> t.entry(-1));
        assertThrows(IllegalArgumentException.class, () -> t.setAll(4));
    }

    @Test
    void copiesAreIndependent() {
        RedirectionTable t = RedirectionTable.spreading(128, 4);
        RedirectionTable copy = t.copy();
        assertEquals(t, copy);
        copy.set(0, 3);
        assertEquals(0, t.entry(0));
        assertNotEquals(t, copy);
        int[] array = t.toArray();
        array[1] = 3;
        assertEquals(1, t.entry(1));
        assertArrayEquals(t.toArray(), RedirectionTable.of(t.toArray(), 4).toArray());
        assertTrue(t.toString().contains("128 entries"));
    }
}
