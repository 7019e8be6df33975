package io.panamax.tcp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RttEstimatorTest {
    private static final long MS = 1_000_000;

    @Test
    void rfc6298Formulas() {
        RttEstimator e = new RttEstimator(1000 * MS, 200 * MS, 60_000 * MS);
        assertFalse(e.hasSample());
        assertEquals(1000 * MS, e.rto(), "1 s before the first sample (2.1)");
        e.sample(100 * MS);
        assertTrue(e.hasSample());
        assertEquals(100 * MS, e.srtt());
        assertEquals(50 * MS, e.rttvar());
        assertEquals(300 * MS, e.rto(), "SRTT + 4·RTTVAR (2.2)");
        e.sample(200 * MS);
        // RTTVAR = 3/4·50 + 1/4·|100 - 200| = 62.5; SRTT = 7/8·100 + 1/8·200 = 112.5 (2.3).
        assertEquals(62_500_000, e.rttvar());
        assertEquals(112_500_000, e.srtt());
        assertEquals(362_500_000, e.rto());
    }

    @Test
    void boundsAndBackOff() {
        RttEstimator e = new RttEstimator(1000 * MS, 200 * MS, 5_000 * MS);
        e.sample(1 * MS);
        assertEquals(200 * MS, e.rto(), "never below the minimum (2.4)");
        assertEquals(400 * MS, e.rto(1));
        assertEquals(3200 * MS, e.rto(4));
        assertEquals(5000 * MS, e.rto(5), "never above the maximum (2.5)");
        assertEquals(5000 * MS, e.rto(100));
    }
}
