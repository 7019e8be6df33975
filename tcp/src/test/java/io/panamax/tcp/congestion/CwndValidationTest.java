package io.panamax.tcp.congestion;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 7661's pipeACK (4.2), phases (4.3) and the two NVP rules (4.4.1, 4.4.3), without a connection. */
class CwndValidationTest {
    private static final long MS = 1_000_000L;
    private static final long RTT = 10 * MS;

    @Test
    void pipeAckIsUndefinedUntilARoundEndsThenTheLargestRoundOfTheSamplingPeriod() {
        CwndValidation v = new CwndValidation();
        v.init(0, 0);
        assertEquals(-1, v.pipeAck(0, RTT), "4.1: undefined at the start");
        // Round 1 ends at the first ACK (nothing was in flight at its start); it sent up to 10000.
        v.onAck(1000, 10_000, 20_000, true, RTT, RTT);
        assertEquals(1000, v.pipeAck(RTT, RTT));
        // Round 2 ends when SND.UNA reaches 10000: 9000 bytes acknowledged in that round.
        v.onAck(5000, 20_000, 20_000, true, 2 * RTT, RTT);
        v.onAck(10_000, 30_000, 20_000, true, 2 * RTT + 1, RTT);
        assertEquals(9000, v.pipeAck(2 * RTT + 1, RTT));
        // 4.2: the sampling period is max(3·SRTT, 1 s): a second later every sample has aged out.
        assertEquals(0, v.pipeAck(2 * RTT + 1 + 1000 * MS, RTT));
        v.reset(10_000, 0);
        assertEquals(-1, v.pipeAck(RTT, RTT), "undefined again after a reset");
    }

    @Test
    void aWindowUsedLessThanHalfIsNonValidatedUnlessTheSenderFillsItNow() {
        CwndValidation v = new CwndValidation();
        v.init(0, 0);
        v.onAck(1000, 1000, 20_000, false, RTT, RTT);
        assertTrue(v.nonValidated(), "4.3: pipeACK 1000 < cwnd/2");
        v.onAck(2000, 2000, 20_000, true, 2 * RTT, RTT);
        assertFalse(v.nonValidated(), "filling half its window now: validated");
        v.onAck(3000, 3000, 2000, false, 3 * RTT, RTT);
        assertFalse(v.nonValidated(), "pipeACK 1000 >= cwnd/2");
    }

    @Test
    void fiveMinutesNonValidatedReduceOnceEachTime() {
        CwndValidation v = new CwndValidation();
        v.init(0, 0);
        int una = 0;
        int reductions = 0;
        for (long t = 100 * MS; t <= 650_000 * MS; t += 100 * MS) {
            una += 100;
            if (v.onAck(una, una, 100_000, false, t, RTT)) {
                reductions++;
                assertTrue(t > CwndValidation.NVP_NANOS, "not before five minutes: " + t);
            }
        }
        assertEquals(2, reductions, "4.4.3 at 5 and at 10 minutes");
        assertEquals(50_000, CwndValidation.windowAfterNvp(100_000, 14_600));
        assertEquals(14_600, CwndValidation.windowAfterNvp(20_000, 14_600), "never below IW");
        assertEquals(75_000, CwndValidation.ssthreshAfterNvp(10_000, 100_000));
    }

    @Test
    void aLossInTheNonValidatedPhaseSetsTheWindowFromPipeAckAndFlightLessTheRetransmissions() {
        CwndValidation v = new CwndValidation();
        v.init(0, 0);
        v.onAck(30_000, 30_000, 200_000, false, RTT, RTT);
        assertTrue(v.nonValidated());
        v.onRecoveryStart(10_000, 500, RTT, RTT);
        // 4.4.1: (max(pipeACK 30000, LossFlightSize 10000) - R 2000) / 2.
        assertEquals(14_000, v.onRecoveryEnd(40_000, 2500, 2 * 1460, 2 * RTT));
        assertEquals(-1, v.pipeAck(2 * RTT, RTT), "the sender left the NVP: undefined");
        assertEquals(-1, v.onRecoveryEnd(40_000, 2500, 2 * 1460, 2 * RTT), "nothing for a validated sender");
    }
}
