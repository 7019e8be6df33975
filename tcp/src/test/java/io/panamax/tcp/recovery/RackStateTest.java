package io.panamax.tcp.recovery;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** RACK's per-segment records and its reordering window (RFC 8985 6.2 steps 2, 4, 5), without a connection. */
class RackStateTest {
    private static final long MS = 1_000_000;
    private static final int SEG = 100;

    /** Ten segments of 100 bytes sent at time 0 from sequence 0; segment 1 SACKed 20 ms later. */
    /** The sender's part: it records each send in the ring RACK reads (below SND.MAX means sent again). */
    static void send(Rack r, int seq, int len, long now) {
        r.records().onSent(seq, len, false, now);
    }

    static Rack tenSentOneSacked() {
        Rack r = new Rack(new SentRanges());
        r.init(0);
        for (int i = 0; i < 10; i++) {
            send(r, i * SEG, SEG, 0);
        }
        r.onSacked(SEG, 2 * SEG, 20 * MS);
        return r;
    }

    @Test
    void theReorderingWindowGrowsWithEachRoundThatSeesADsackAndResetsAfterSixteenRecoveries() {
        Rack r = tenSentOneSacked();
        long srtt = 40 * MS;
        // Step 4: min_RTT / 4 outside recovery with fewer than DupThresh segments SACKed.
        assertEquals(5 * MS, r.reorderingWindow(0, 1000, false, false, srtt));
        // No reordering seen: in recovery, or with DupThresh SACKed, the window is at its least.
        assertEquals(Rack.MIN_REO_WND_NANOS, r.reorderingWindow(0, 1000, true, false, srtt));
        assertEquals(Rack.MIN_REO_WND_NANOS, r.reorderingWindow(0, 1000, false, true, srtt));
        // A D-SACK: the multiplier grows once for the round (until SND.UNA passes SND.NXT then).
        r.onDsack();
        assertEquals(10 * MS, r.reorderingWindow(0, 1000, false, false, srtt));
        r.onDsack();
        assertEquals(10 * MS, r.reorderingWindow(500, 1000, false, false, srtt), "same round");
        r.onDsack();
        assertEquals(15 * MS, r.reorderingWindow(1000, 2000, false, false, srtt), "next round");
        r.onDsack();
        assertEquals(20 * MS, r.reorderingWindow(2000, 3000, false, false, srtt));
        r.onDsack();
        assertEquals(22 * MS, r.reorderingWindow(3000, 4000, false, false, 22 * MS), "never above SRTT");
        for (int i = 0; i < 15; i++) {
            r.onRecoveryExit();
        }
        assertEquals(25 * MS, r.reorderingWindow(4000, 5000, false, false, srtt));
        r.onRecoveryExit();
        assertEquals(5 * MS, r.reorderingWindow(4000, 5000, false, false, srtt), "16 recoveries without D-SACK");
    }

    @Test
    void aSegmentIsLostOnceTheWindowHasPassedSinceItWent() {
        Rack r = tenSentOneSacked();
        // Segment 0 went with segment 1, before it in sequence: RACK.rtt (20 ms) + reo_wnd (5 ms)
        // after it went it is lost; at 20 ms there are 5 ms to wait, the reorder timer's delay.
        assertEquals(5 * MS, r.detectLoss(5 * MS, 20 * MS));
        assertFalse(r.hasLost());
        assertEquals(0, r.detectLoss(5 * MS, 25 * MS));
        assertTrue(r.hasLost());
        assertEquals(0, r.firstLost(-1));
        assertEquals(SEG, r.lostBytes());
        // Segments 2..9 went after segment 1 (same instant, higher sequence): not lost.
        assertEquals(1, r.markedLost());
    }

    @Test
    void aCumulativeAckInsideALostSegmentLeavesOnlyItsRestLost() {
        Rack r = tenSentOneSacked();
        r.detectLoss(5 * MS, 25 * MS);
        assertEquals(0, r.firstLost(-1));
        // The receiver ACKs 40 of segment 0's 100 bytes (an MSS inside a TSO super-segment): the
        // repair starts at SND.UNA, never below it (once it started at 0 and slicing the send
        // buffer at -40 threw).
        r.onCumulativeAck(40, 30 * MS, Long.MAX_VALUE);
        assertTrue(r.hasLost());
        assertEquals(40, r.firstLost(-1));
        assertEquals(SEG - 40, r.lostBytes());
        assertEquals(SEG - 40, r.lostBytesBelow(SEG));
        assertEquals(SEG, r.segmentEnd(40));
        // The rest of it arrives: nothing is lost any more.
        r.onCumulativeAck(SEG, 31 * MS, Long.MAX_VALUE);
        assertFalse(r.hasLost());
        assertEquals(0, r.lostBytes());
    }

    @Test
    void aRetransmissionCoveringPartOfASegmentLeavesTheRestMarkedLost() {
        Rack r = tenSentOneSacked();
        r.detectLoss(5 * MS, 25 * MS);
        // 60 of segment 0's 100 bytes go again (less room beside SACK blocks).
        send(r, 0, 60, 25 * MS);
        assertTrue(r.hasLost());
        assertEquals(60, r.firstLost(-1));
        assertEquals(40, r.lostBytes());
        assertEquals(100, r.segmentEnd(60));
        assertTrue(r.resentSince(0, 25 * MS));
        send(r, 60, 40, 26 * MS);
        assertFalse(r.hasLost());
        assertEquals(0, r.lostBytes());
    }

    @Test
    void aLostRetransmissionIsFoundFromASegmentSentAfterIt() {
        Rack r = tenSentOneSacked();
        r.detectLoss(5 * MS, 25 * MS);
        send(r, 0, SEG, 25 * MS);              // the retransmission, lost as well
        long half = MS / 2;
        send(r, 10 * SEG, SEG, 25 * MS + half);           // new data 0.5 ms after it
        r.onSacked(10 * SEG, 11 * SEG, 45 * MS + half);     // delivered: RACK.rtt = 20 ms
        assertFalse(r.hasLost());
        // In recovery, no reordering seen: the least window (1 ms). The retransmission went
        // 0.5 ms before RACK.xmit_ts: lost 0.5 ms from now (25 + 20 + 1 - 45.5).
        assertEquals(half, r.detectLoss(Rack.MIN_REO_WND_NANOS, 45 * MS + half));
        assertEquals(2 * SEG, r.firstLost(-1), "segments 2..9, sent at 0, are lost; the retransmission not yet");
        assertEquals(0, r.detectLoss(Rack.MIN_REO_WND_NANOS, 46 * MS));
        assertTrue(r.hasLost());
        assertEquals(0, r.firstLost(-1));
    }

    @Test
    void theRingGrowsBeyondItsFirstSizeAndKeepsItsOrder() {
        Rack r = new Rack(new SentRanges());
        r.init(0);
        for (int i = 0; i < 100; i++) {
            send(r, i * SEG, SEG, 0);
        }
        // The ring wraps: the first 50 acknowledged, 150 more sent (more than the first 64 slots).
        r.onCumulativeAck(50 * SEG, 20 * MS, Long.MAX_VALUE);
        for (int i = 100; i < 250; i++) {
            send(r, i * SEG, SEG, 1 * MS);
        }
        r.onSacked(240 * SEG, 241 * SEG, 21 * MS);
        r.detectLoss(0, 100 * MS);
        // Everything sent before segment 240 and not delivered is lost: 50..239.
        assertEquals(50 * SEG, r.firstLost(-1));
        assertEquals(190 * SEG, r.lostBytes());
        assertEquals(250 * SEG, r.segmentEnd(249 * SEG));
        r.onCumulativeAck(100 * SEG, 101 * MS, Long.MAX_VALUE);
        assertEquals(140 * SEG, r.lostBytes());
        assertEquals(100 * SEG, r.firstLost(-1));
    }

    @Test
    void aSteadyFlowAllocatesNothing() {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        Rack r = new Rack(new SentRanges());
        r.init(0);
        // Warm up (the ring grows to its size for this flight, the JIT compiles) before measuring.
        exercise(r, 0, 200_000);
        mx.getThreadAllocatedBytes(tid);
        // On a loaded machine the JIT may still be compiling (or deoptimising, which puts objects
        // that escape analysis had removed back on the heap) during the first measured window: a
        // few bytes once, 120 in one CI run. Per-segment garbage would show in every window
        // (100,000 segments x at least 16 bytes), so the steady state is a window with none.
        long[] windows = new long[5];
        for (int w = 0; w < windows.length; w++) {
            long before = mx.getThreadAllocatedBytes(tid);
            exercise(r, 200_000 + w * 100_000, 100_000);
            windows[w] = mx.getThreadAllocatedBytes(tid) - before;
            if (windows[w] == 0) {
                return;
            }
        }
        fail("bytes allocated by each window of 100,000 segments sent, SACKed, lost, resent, acknowledged: "
                + Arrays.toString(windows) + " (a steady flow allocates none)");
    }

    /** A flight of 100 segments: each round sends one, SACKs the one 3 behind, loses and resends every 50th. */
    private static void exercise(Rack r, int from, int n) {
        for (int i = from; i < from + n; i++) {
            long now = i * 100_000L;
            send(r, i * SEG, SEG, now);
            if (i >= 100) {
                int una = (i - 100) * SEG;
                if (i % 50 == 0) {
                    send(r, una + SEG, SEG / 2, now);
                }
                r.onSacked((i - 3) * SEG, (i - 2) * SEG, now);
                r.reorderingWindow(una, i * SEG, false, false, 10 * MS);
                r.detectLoss(MS, now);
                r.firstLost(-1);
                r.onCumulativeAck(una, now, Long.MAX_VALUE);
            }
        }
    }
}
