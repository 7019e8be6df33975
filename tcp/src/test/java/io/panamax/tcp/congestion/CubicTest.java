package io.panamax.tcp.congestion;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CUBIC against RFC 9438's formulas at chosen points, driven by a simulated ACK clock
 * ({@link AckClock}): SMSS 1000 bytes, windows compared in segments.
 */
class CubicTest {
    private static final int SMSS = 1000;
    private static final long RTT_100MS = 100_000_000L;
    private static final long RTT_10MS = 10_000_000L;

    /** A connection that slow-started to 100 segments and then saw a loss with a full window in flight. */
    private static AckClock afterLossAt100(long rtt) {
        AckClock a = new AckClock(new Cubic(), SMSS, 10, rtt);
        a.growTo(100);
        assertEquals(100, a.cwndSegments(), 0.0);
        a.loss();
        return a;
    }

    @Test
    void multiplicativeDecreaseIsBetaOfTheFlight() {
        // RFC 9438 4.6: ssthresh = flight_size·β_cubic, cwnd = ssthresh; W_max = the window before.
        AckClock a = afterLossAt100(RTT_100MS);
        Cubic c = (Cubic) a.cc;
        assertEquals(70 * SMSS, c.ssthresh(), 1);
        assertEquals(70 * SMSS, c.cwnd(), 1);
        assertEquals(100, c.wMaxSegments(), 1e-9);
        // An application-limited flight of 40 segments: β of the flight, not of cwnd (4.6).
        AckClock b = new AckClock(new Cubic(), SMSS, 10, RTT_100MS);
        b.growTo(100);
        b.cc.onCongestionEvent(40 * SMSS, b.now);
        assertEquals(28 * SMSS, b.cc.ssthresh(), 1);
        // Never below 2 segments (RFC 5681 eq. 4).
        AckClock small = new AckClock(new Cubic(), SMSS, 10, RTT_100MS);
        small.cc.onCongestionEvent(SMSS, small.now);
        assertEquals(2 * SMSS, small.cc.ssthresh());
    }

    @Test
    void kAndTheCubicCurveAfterALoss() {
        AckClock a = afterLossAt100(RTT_100MS);
        Cubic c = (Cubic) a.cc;
        a.round();
        // RFC 9438 figure 2: K = ∛((W_max − cwnd_epoch)/C) = ∛(30/0.4) = 4.217 s.
        double k = Math.cbrt((100 - 70) / Cubic.C);
        assertEquals(k, c.kSeconds(), 1e-3);
        long epoch = a.now - RTT_100MS;
        // Figure 1 at t = K/2 (concave region): W_cubic = C·(−K/2)³ + W_max = 96.25; one RTT's lag.
        while (a.now - epoch < k / 2 * 1e9) {
            a.round();
        }
        double t = (a.now - epoch) / 1e9;
        assertEquals(Cubic.C * Math.pow(t - k, 3) + 100, a.cwndSegments(), 1.0, "W_cubic(K/2)");
        // Under the RFC's Reno estimate at this RTT (W_est ≈ 70 + 0.53 per RTT < W_cubic): the cubic region.
        assertTrue(c.wEstSegments() < a.cwndSegments(), "W_est " + c.wEstSegments() + " below the cubic window");
        // At t = K the window is back at W_max (the plateau), and beyond it the convex region climbs.
        while (a.now - epoch < k * 1e9) {
            a.round();
        }
        assertEquals(100, a.cwndSegments(), 1.0, "W_cubic(K) = W_max");
        while (a.now - epoch < (k + 1) * 1e9) {
            a.round();
        }
        t = (a.now - epoch) / 1e9;
        assertEquals(Cubic.C * Math.pow(t - k, 3) + 100, a.cwndSegments(), 1.0, "W_cubic(K + 1 s), convex");
        assertTrue(c.wEstSegments() < a.cwndSegments(), "still the cubic region");
    }

    @Test
    void renoFriendlyRegionAtShortRtt() {
        // RFC 9438 4.3: at 10 ms W_est (figure 4) outgrows W_cubic; cwnd is W_est.
        AckClock a = afterLossAt100(RTT_10MS);
        Cubic c = (Cubic) a.cc;
        a.runFor(1.0);
        double k = Math.cbrt(30 / Cubic.C);
        double wCubic = Cubic.C * Math.pow(1.0 - k, 3) + 100;
        assertTrue(wCubic < c.wEstSegments(), "W_cubic(1 s) = " + wCubic + " < W_est " + c.wEstSegments());
        assertEquals(c.wEstSegments(), a.cwndSegments(), 0.01, "cwnd = W_est in the Reno-friendly region");
        // W_est grows α_cubic = 0.529 per RTT up to cwnd_prior = 100 (56.7 RTTs), then 1 per RTT: 143 after 100 RTTs.
        double rtts = 1.0 / 0.010;
        double toPrior = 30 / Cubic.ALPHA_CUBIC;
        assertEquals(100 + (rtts - toPrior), a.cwndSegments(), 3.0);
    }

    @Test
    void fastConvergence() {
        // RFC 9438 4.7: a loss before the window is back at W_max sets W_max = cwnd·(1 + β)/2.
        AckClock a = afterLossAt100(RTT_100MS);
        Cubic c = (Cubic) a.cc;
        a.runFor(1.0);
        double w = a.cwndSegments();
        assertTrue(w < 100, "still below the last W_max: " + w);
        a.loss();
        assertEquals(w * (1 + Cubic.BETA_CUBIC) / 2, c.wMaxSegments(), 1e-3);
        assertEquals(w * Cubic.BETA_CUBIC, a.cwndSegments(), 0.01);
        // A loss above the last W_max keeps W_max = cwnd.
        AckClock b = afterLossAt100(RTT_100MS);
        b.runFor(7.0);
        double w2 = b.cwndSegments();
        assertTrue(w2 > 100, "beyond K: " + w2);
        b.loss();
        assertEquals(w2, ((Cubic) b.cc).wMaxSegments(), 1e-3);
    }

    @Test
    void applicationLimitedTimeDoesNotCount() {
        // RFC 9438 4.2 / RFC 7661: no growth while application limited, and t stops.
        AckClock continuous = afterLossAt100(RTT_100MS);
        AckClock limited = afterLossAt100(RTT_100MS);
        for (int i = 0; i < 20; i++) {
            continuous.round();
        }
        for (int i = 0; i < 10; i++) {
            limited.round();
        }
        int before = limited.cc.cwnd();
        for (int i = 0; i < 500; i++) {
            limited.now += 10_000_000L;
            limited.cc.onAck(SMSS, SMSS, RTT_100MS, false, i % 10 == 0, limited.now);
        }
        assertEquals(before, limited.cc.cwnd(), "no growth over 5 s of application-limited ACKs");
        for (int i = 0; i < 10; i++) {
            limited.round();
        }
        assertEquals(continuous.cwndSegments(), limited.cwndSegments(), 0.05,
                "the same window as without the 5 s pause: t did not run while limited");
    }

    @Test
    void timeoutIsOneSegmentThenKZero() {
        AckClock a = new AckClock(new Cubic(), SMSS, 10, RTT_100MS);
        Cubic c = (Cubic) a.cc;
        a.growTo(100);
        c.onRetransmissionTimeout(100 * SMSS, a.now);
        // RFC 9438 4.8: cwnd = 1 SMSS (RFC 5681 eq. 4), ssthresh = flight·β_cubic.
        assertEquals(SMSS, c.cwnd());
        assertEquals(70 * SMSS, c.ssthresh(), 1);
        while (c.cwnd() < c.ssthresh()) {
            a.round();
        }
        a.round();
        // The first stage after a timeout: K = 0, W_max = cwnd_epoch.
        assertEquals(0.0, c.kSeconds(), 0.0);
        double epochWindow = a.cwndSegments();
        a.runFor(1.0);
        assertTrue(a.cwndSegments() > epochWindow, "grows from cwnd_epoch at once (convex from K = 0)");
    }

    @Test
    void undoRestoresTheStateBeforeTheReduction() {
        AckClock a = afterLossAt100(RTT_100MS);
        Cubic c = (Cubic) a.cc;
        a.runFor(1.0);
        int cwndBefore = c.cwnd();
        int ssthreshBefore = c.ssthresh();
        double wMaxBefore = c.wMaxSegments();
        double kBefore = c.kSeconds();
        a.loss();
        assertTrue(c.cwnd() < cwndBefore);
        // RFC 9438 4.9 (a DSACK said the loss was spurious, RFC 3708).
        c.undoLastReduction(a.now);
        assertEquals(cwndBefore, c.cwnd());
        assertEquals(ssthreshBefore, c.ssthresh());
        assertEquals(wMaxBefore, c.wMaxSegments(), 0.0);
        assertEquals(kBefore, c.kSeconds(), 0.0);
        // The same growth as if the loss had never been.
        AckClock b = afterLossAt100(RTT_100MS);
        b.runFor(1.0);
        a.runFor(1.0);
        b.runFor(1.0);
        assertEquals(b.cwndSegments(), a.cwndSegments(), 1.0);
        // Only the last reduction: a second undo does nothing.
        int now = c.cwnd();
        c.undoLastReduction(a.now);
        assertEquals(now, c.cwnd());
    }

    @Test
    void idleRestartFallsBackToTheInitialWindow() {
        AckClock a = afterLossAt100(RTT_100MS);
        a.runFor(1.0);
        int w = a.cc.cwnd();
        int ssthresh = a.cc.ssthresh();
        a.cc.onIdleRestart(a.now + 5_000_000_000L);
        // RFC 5681 4.1: cwnd = min(RW, cwnd), RW = IW = 10 segments; ssthresh ≥ 3/4 of the old window.
        assertEquals(10 * SMSS, a.cc.cwnd());
        assertEquals(Math.max(ssthresh, w / 4 * 3), a.cc.ssthresh());
        assertTrue(w > 10 * SMSS);
    }

    @Test
    void noAllocationPerCall() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        Cubic c = new Cubic();
        // Warm up every path so that the JIT's own work is done before measuring.
        exercise(c, 200_000);
        mx.getThreadAllocatedBytes(tid);
        // The least of three rounds: a round can catch the runtime's own one-off work on this
        // thread (a deoptimisation, a class initialised late), never a per-call allocation,
        // which would show in every round.
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 3 && least != 0; round++) {
            long before = mx.getThreadAllocatedBytes(tid);
            exercise(c, 100_000);
            least = Math.min(least, mx.getThreadAllocatedBytes(tid) - before);
        }
        assertEquals(0, least, "bytes allocated by 100,000 rounds of calls");
    }

    private static void exercise(CongestionControl c, int n) {
        long now = 0;
        c.init(SMSS, 10, now);
        for (int i = 0; i < n; i++) {
            now += 1_000_000L;
            c.onAck(SMSS, c.cwnd(), 50_000_000L + (i & 7) * 1_000_000L, (i & 15) != 0, (i & 31) == 0, now);
            switch (i % 997) {
                case 100 -> c.onCongestionEvent(c.cwnd(), now);
                case 200 -> c.onRecoveryExit(c.cwnd(), now);
                case 300 -> c.undoLastReduction(now);
                case 500 -> c.onRetransmissionTimeout(c.cwnd(), now);
                case 700 -> c.onIdleRestart(now);
                default -> {
                }
            }
        }
        assertFalse(c.cwnd() <= 0);
    }
}
