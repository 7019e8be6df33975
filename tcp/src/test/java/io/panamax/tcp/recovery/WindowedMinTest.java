package io.panamax.tcp.recovery;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The windowed minimum behind RACK.min_RTT (RFC 8985 6.1; Linux's win_minmax, Nichols' filter), alone and in RACK. */
class WindowedMinTest {
    private static final long W = 1000;
    private static final long MS = 1_000_000;
    private static final int SEG = 100;

    @Test
    void aLowerSampleIsTheMinimumAtOnce() {
        WindowedMin m = new WindowedMin(W);
        assertEquals(Long.MAX_VALUE, m.get());
        assertEquals(50, m.update(0, 50));
        assertEquals(50, m.update(10, 70));
        assertEquals(20, m.update(20, 20));
        assertEquals(20, m.update(900, 90));
    }

    @Test
    void whenTheMinimumAgesOutTheBestOfTheRestOfTheWindowTakesItsPlace() {
        WindowedMin m = new WindowedMin(W);
        m.update(0, 10);
        // A path whose RTT rose: samples of 40 after a quarter of the window, then 60, 50.
        m.update(300, 40);
        m.update(600, 60);
        m.update(700, 50);
        assertEquals(10, m.get(), "the window still holds 10");
        // 10 is older than the window: the best sample since, 40, not the newest, 70.
        assertEquals(40, m.update(1001, 70));
        // 40 ages out too: the best of what is left of the window.
        assertEquals(50, m.update(1301, 80));
    }

    @Test
    void nothingLeftInTheWindowStartsOverFromTheSample() {
        WindowedMin m = new WindowedMin(W);
        m.update(0, 10);
        assertEquals(90, m.update(5000, 90));
    }

    @Test
    void minRttIsWindowedSoTheReorderingWindowFollowsAPathWhoseRttRose() {
        Rack r = RackStateTest.tenSentOneSacked();
        long srtt = 400 * MS;
        assertEquals(5 * MS, r.reorderingWindow(0, 1000, false, false, srtt), "min_RTT 20 ms");
        // The path changes: every RTT is 200 ms from now on. After the 5 minutes of Linux's
        // tcp_min_rtt_wlen the 20 ms sample is gone and min_RTT / 4 is 50 ms.
        long t = Rack.MIN_RTT_WINDOW_NANOS + 40 * MS;
        RackStateTest.send(r, 10 * SEG, SEG, t - 200 * MS);
        r.onSacked(10 * SEG, 11 * SEG, t);
        assertEquals(50 * MS, r.reorderingWindow(0, 2000, false, false, srtt));
    }
}
