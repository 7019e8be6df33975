package io.panamax.tcp.congestion;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HyStart++ (RFC 9406) as CUBIC's first slow start, on a simulated ACK clock; SMSS 1000 bytes. */
class HyStartPlusPlusTest {
    private static final int SMSS = 1000;
    private static final long BASE_RTT = 100_000_000L;
    /** 115 ms: above 100 ms + RttThresh, where RttThresh = max(4, min(100/8, 16)) = 12.5 ms (RFC 9406 4.2). */
    private static final long HIGH_RTT = 115_000_000L;

    @Test
    void constantRttStaysInSlowStart() {
        AckClock a = new AckClock(new Cubic(), SMSS, 10, BASE_RTT);
        Cubic c = (Cubic) a.cc;
        for (int i = 0; i < 5; i++) {
            a.round();
        }
        // Doubling each round (RFC 5681): 10 → 320 segments, still in slow start.
        assertEquals(320, a.cwndSegments(), 0.0);
        assertFalse(c.hystart().inCss());
        assertEquals(Integer.MAX_VALUE, c.ssthresh());
    }

    @Test
    void rttIncreaseEntersConservativeSlowStart() {
        AckClock a = new AckClock(new Cubic(), SMSS, 10, BASE_RTT);
        Cubic c = (Cubic) a.cc;
        a.round();
        a.round();
        a.round();
        assertEquals(80, a.cwndSegments(), 0.0);
        // The next round's RTT rises by 15 ms ≥ RttThresh: after N_RTT_SAMPLE = 8 samples, CSS.
        a.rttNanos = HIGH_RTT;
        for (int i = 0; i < HyStartPlusPlus.N_RTT_SAMPLE - 1; i++) {
            a.now += 1_000_000L;
            c.onAck(SMSS, 0, HIGH_RTT, true, i == 0, a.now);
            assertFalse(c.hystart().inCss(), "fewer than 8 samples in the round");
        }
        int before = c.cwnd();
        a.now += 1_000_000L;
        c.onAck(SMSS, 0, HIGH_RTT, true, false, a.now);
        assertTrue(c.hystart().inCss(), "the 8th sample of a round 15 ms slower: CSS");
        // In CSS each ACK grows the window by a quarter of what slow start would (CSS_GROWTH_DIVISOR).
        assertEquals(SMSS / HyStartPlusPlus.CSS_GROWTH_DIVISOR, c.cwnd() - before);
        before = c.cwnd();
        a.now += 1_000_000L;
        c.onAck(SMSS, 0, HIGH_RTT, true, false, a.now);
        assertEquals(SMSS / 4, c.cwnd() - before);
        assertEquals(Integer.MAX_VALUE, c.ssthresh(), "still slow start (conservative)");
    }

    @Test
    void cssRoundsEndSlowStart() {
        AckClock a = inCss();
        Cubic c = (Cubic) a.cc;
        // CSS_ROUNDS = 5 rounds in CSS (the one it began in counts): then congestion avoidance, ssthresh = cwnd.
        for (int r = 1; r < HyStartPlusPlus.CSS_ROUNDS; r++) {
            a.round();
            assertTrue(c.hystart().inCss(), "CSS round " + (r + 1));
        }
        int w = c.cwnd();
        a.now += 1_000_000L;
        c.onAck(SMSS, 0, HIGH_RTT, true, true, a.now);
        assertFalse(c.hystart().inCss());
        assertTrue(c.hystart().finished());
        assertEquals(w, c.ssthresh(), "ssthresh = cwnd when CSS ends (RFC 9406 4.2)");
        // From here on: congestion avoidance, well under a segment per ACK.
        int before = c.cwnd();
        a.now += 1_000_000L;
        c.onAck(SMSS, 0, HIGH_RTT, true, false, a.now);
        assertTrue(c.cwnd() - before < SMSS / 4, "growth " + (c.cwnd() - before));
    }

    @Test
    void rttBackBelowBaselineResumesSlowStart() {
        AckClock a = inCss();
        Cubic c = (Cubic) a.cc;
        // A round whose minimum RTT is under the CSS baseline (115 ms): the exit was spurious (RFC 9406 4.2).
        a.rttNanos = BASE_RTT;
        a.round();
        assertFalse(c.hystart().inCss(), "back to slow start");
        int before = c.cwnd();
        a.now += 1_000_000L;
        c.onAck(SMSS, 0, BASE_RTT, true, false, a.now);
        assertEquals(SMSS, c.cwnd() - before, "full slow-start growth again");
    }

    /** Three rounds at 100 ms (10 → 80 segments), then a round at 115 ms: in CSS. */
    private static AckClock inCss() {
        AckClock a = new AckClock(new Cubic(), SMSS, 10, BASE_RTT);
        a.round();
        a.round();
        a.round();
        a.rttNanos = HIGH_RTT;
        a.round();
        assertTrue(((Cubic) a.cc).hystart().inCss());
        return a;
    }

    @Test
    void growthPerAckIsCappedAtLSegments() {
        // RFC 9406 4.3: L = 8 for a sender that does not pace; a stretch ACK of 20 segments grows cwnd by 8.
        Cubic c = new Cubic();
        c.init(SMSS, 10, 0);
        c.onAck(20 * SMSS, 0, BASE_RTT, true, true, 1_000_000L);
        assertEquals((10 + HyStartPlusPlus.L) * SMSS, c.cwnd());
    }

    @Test
    void lossInCssEndsHyStartAndUsesCubicReduction() {
        AckClock a = inCss();
        Cubic c = (Cubic) a.cc;
        int w = c.cwnd();
        a.loss();
        assertTrue(c.hystart().finished());
        assertEquals((int) (w * Cubic.BETA_CUBIC), c.ssthresh(), 1);
        // The slow start after a later timeout is the standard one (HyStart++ only runs first, RFC 9406 4.3).
        c.onRetransmissionTimeout(c.cwnd(), a.now);
        int before = c.cwnd();
        a.now += 1_000_000L;
        c.onAck(SMSS, 0, 3 * BASE_RTT, true, true, a.now);
        assertEquals(SMSS, c.cwnd() - before);
        assertEquals(1, c.hystart().cssEntries());
    }

    @Test
    void applicationLimitedSlowStartDoesNotGrow() {
        Cubic c = new Cubic();
        c.init(SMSS, 10, 0);
        c.onAck(SMSS, 0, BASE_RTT, false, true, 1_000_000L);
        assertEquals(10 * SMSS, c.cwnd(), "RFC 7661: no growth when not cwnd-limited");
    }
}
