package io.panamax.tcp.recovery;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SACK scoreboard (RFC 6675 3): merging, clipping, acknowledgment and IsLost (4), across the sequence wrap. */
class SackScoreboardTest {
    private static final int UNA = -1000;          // 2^32 - 1000: the ranges below wrap through 0
    private static final int MAX = UNA + 100_000;

    @Test
    void blocksMergeAndAreClippedToWhatWasSent() {
        SackScoreboard b = new SackScoreboard();
        assertEquals(100, b.add(UNA + 200, UNA + 300, UNA, MAX));
        assertEquals(100, b.add(UNA + 400, UNA + 500, UNA, MAX));
        assertEquals(0, b.add(UNA + 200, UNA + 300, UNA, MAX), "nothing new");
        assertEquals(2, b.ranges());
        // A block bridging both (and touching their edges) makes one range.
        assertEquals(100, b.add(UNA + 250, UNA + 450, UNA, MAX));
        assertEquals(1, b.ranges());
        assertEquals(300, b.sackedBytes());
        // D-SACK below SND.UNA (RFC 2883) and anything beyond SND.MAX are ignored.
        assertEquals(0, b.add(UNA - 500, UNA - 100, UNA, MAX));
        assertEquals(50, b.add(MAX - 50, MAX + 5000, UNA, MAX));
        assertEquals(UNA + 500, b.skipSacked(UNA + 200));
        assertEquals(UNA + 100, b.skipSacked(UNA + 100));
        assertEquals(UNA + 200, b.nextSacked(UNA + 100, MAX));
        assertTrue(b.isSacked(UNA + 499));
        assertFalse(b.isSacked(UNA + 500));
        assertEquals(700, b.unsackedBetween(UNA, UNA + 1000));
    }

    @Test
    void aCumulativeAckDropsAndTrimsRanges() {
        SackScoreboard b = new SackScoreboard();
        b.add(UNA + 100, UNA + 200, UNA, MAX);
        b.add(UNA + 300, UNA + 400, UNA, MAX);
        assertEquals(150, b.acknowledge(UNA + 350));
        assertEquals(1, b.ranges());
        assertEquals(50, b.sackedBytes());
        assertEquals(UNA + 400, b.highestSacked(0));
    }

    @Test
    void isLostByRangesOrBytes() {
        int mss = 100;
        SackScoreboard b = new SackScoreboard();
        // One range of 2 SMSS above: not lost (more than (DupThresh - 1)·SMSS is needed).
        b.add(UNA + 100, UNA + 300, UNA, MAX);
        assertEquals(UNA, b.lostBoundary(UNA, 3, mss));
        // 201 bytes above: the hole below is lost.
        b.add(UNA + 300, UNA + 301, UNA, MAX);
        assertEquals(UNA + 100, b.lostBoundary(UNA, 3, mss));
        // Three small discontiguous ranges: everything below the lowest is lost.
        SackScoreboard c = new SackScoreboard();
        c.add(UNA + 100, UNA + 101, UNA, MAX);
        c.add(UNA + 200, UNA + 201, UNA, MAX);
        assertEquals(UNA, c.lostBoundary(UNA, 3, mss));
        c.add(UNA + 300, UNA + 301, UNA, MAX);
        assertEquals(UNA + 100, c.lostBoundary(UNA, 3, mss));
    }

    @Test
    void aFullScoreboardIgnoresNewRangesButStillMerges() {
        SackScoreboard b = new SackScoreboard();
        for (int i = 0; i < SackScoreboard.CAPACITY; i++) {
            b.add(UNA + 10 * i, UNA + 10 * i + 5, UNA, MAX);
        }
        assertEquals(0, b.add(UNA + 50_000, UNA + 50_010, UNA, MAX));
        assertEquals(5, b.add(UNA + 5, UNA + 10, UNA, MAX), "joining two ranges still works");
        assertEquals(SackScoreboard.CAPACITY - 1, b.ranges());
    }
}
