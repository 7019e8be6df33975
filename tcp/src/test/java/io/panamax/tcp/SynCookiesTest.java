package io.panamax.tcp;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cookie codec on its own (RFC 4987 3.6, Linux's layout). */
class SynCookiesTest {
    private static final int LOCAL = 0x0a000001;
    private static final int REMOTE = 0x0a000002;
    private static final long MINUTE = SynCookies.MINUTE_NANOS;

    @Test
    void mssRoundsDownToTheTable() {
        assertEquals(0, SynCookies.mssIndex(100));
        assertEquals(0, SynCookies.mssIndex(536));
        assertEquals(0, SynCookies.mssIndex(1299));
        assertEquals(1, SynCookies.mssIndex(1300));
        assertEquals(2, SynCookies.mssIndex(1452), "PPPoE's 1452 becomes 1440");
        assertEquals(3, SynCookies.mssIndex(1460));
        assertEquals(3, SynCookies.mssIndex(8960));
    }

    @Test
    void cookiesCheckForTwoMinutesAndOnlyForTheirSyn() {
        SynCookies c = new SynCookies(1, 2);
        Random r = new Random(4987);
        for (int i = 0; i < 10_000; i++) {
            int seq = r.nextInt();
            int port = 1024 + r.nextInt(60000);
            int mssIndex = r.nextInt(4);
            long t = 10 * MINUTE + (long) (r.nextDouble() * MINUTE);
            int cookie = c.cookie(LOCAL, 80, REMOTE, port, seq, mssIndex, t);
            assertEquals(mssIndex, c.check(cookie, LOCAL, 80, REMOTE, port, seq, t));
            assertEquals(mssIndex, c.check(cookie, LOCAL, 80, REMOTE, port, seq, t + MINUTE), "next minute: valid");
            assertEquals(-1, c.check(cookie, LOCAL, 80, REMOTE, port, seq, t + 2 * MINUTE), "two counter values later: stale");
            // SEG.SEQ enters the cookie linearly (as in Linux): an ACK whose sequence number is
            // off by k ≤ mssIndex decodes to a smaller MSS index, anything further fails.
            assertEquals(-1, c.check(cookie, LOCAL, 80, REMOTE, port, seq + 4 + r.nextInt(1 << 20), t), "another SYN");
            assertEquals(-1, c.check(cookie, LOCAL, 80, REMOTE, port + 1, seq, t), "another 4-tuple");
        }
        // Under another secret the same cookie means nothing.
        int a = c.cookie(LOCAL, 80, REMOTE, 5000, 7, 3, MINUTE);
        assertEquals(-1, new SynCookies(3, 4).check(a, LOCAL, 80, REMOTE, 5000, 7, MINUTE));
    }

    @Test
    void forgedCookiesAlmostNeverPass() {
        SynCookies c = new SynCookies(1, 2);
        Random r = new Random(1);
        int passed = 0;
        for (int i = 0; i < 1_000_000; i++) {
            if (c.check(r.nextInt(), LOCAL, 80, REMOTE, 40000, 1000, 5 * MINUTE) >= 0) {
                passed++;
            }
        }
        // A random guess passes with probability 2 ages · 4 indexes / 2^32 ≈ 2e-9 per try.
        assertTrue(passed <= 1, passed + " of 10^6 random cookies passed");
    }

    @Test
    void timestampCarriesTheOptionsAndIsNeverAheadOfTheClock() {
        for (int now : new int[] {0x12345678, 0x12345640, 0x1234567f, -1, 0, 63, 64}) {
            for (int ws = -1; ws <= 14; ws++) {
                for (boolean sack : new boolean[] {false, true}) {
                    int ts = SynCookies.timestamp(now, ws, sack, false);
                    assertEquals(ws, SynCookies.windowScale(ts));
                    assertEquals(sack, SynCookies.sack(ts));
                    assertTrue(now - ts >= 0 && now - ts < 64, "TSval " + ts + " within 63 ms behind " + now);
                }
            }
        }
    }
}
