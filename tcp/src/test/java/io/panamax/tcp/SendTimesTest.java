package io.panamax.tcp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The send-time records behind the RTT samples: oldest newly acknowledged range, Karn, wrap-around and growth. */
class SendTimesTest {
    @Test
    void theOldestRangeAnAckNewlyCoversGivesTheSample() {
        SendTimes t = new SendTimes();
        t.onSent(1000, 100, false, 10_000);
        t.onSent(1100, 100, false, 20_000);
        // Linux's seq_rtt: the first (oldest) range acknowledged, here in part.
        assertEquals(90_000, t.onAck(1050, 100_000));
        assertEquals(2, t.size());
        // The rest of it and the next: still measured from the oldest newly covered, the first.
        assertEquals(100_000, t.onAck(1200, 110_000));
        assertEquals(0, t.size());
        assertEquals(SendTimes.UNTIMED, t.onAck(1300, 120_000), "nothing timed");
    }

    @Test
    void anyRangeSentAgainMakesTheAckAmbiguous() {
        SendTimes t = new SendTimes();
        t.onSent(0, 100, false, 0);
        t.onSent(100, 100, false, 0);
        t.onSent(200, 100, false, 0);
        t.onSent(150, 10, true, 5_000);           // inside the second range: all of it is marked
        assertEquals(1_000, t.onAck(100, 1_000));
        assertEquals(SendTimes.AMBIGUOUS, t.onAck(120, 2_000), "Karn (RFC 6298 3)");
        assertEquals(SendTimes.AMBIGUOUS, t.onAck(300, 3_000), "the third was sent once, the second twice");
        // A retransmission that runs past what was sent before: the new part is marked too.
        t.onSent(300, 100, false, 4_000);
        t.onSent(350, 100, true, 6_000);
        assertEquals(SendTimes.AMBIGUOUS, t.onAck(450, 7_000));
        assertEquals(0, t.size());
    }

    @Test
    void aLongFlightGrowsTheRingAndWrapsAround() {
        SendTimes t = new SendTimes();
        int seq = -5_000;   // across sequence zero
        for (int round = 0; round < 3; round++) {
            int first = seq;
            for (int i = 0; i < 1_000; i++) {
                t.onSent(seq, 10, false, round * 1_000_000L + i);
                seq += 10;
            }
            assertEquals(1_000, t.size());
            assertEquals(1_000_000, t.onAck(first + 5_000, round * 1_000_000L + 1_000_000));
            assertEquals(1_000_000 - 500, t.onAck(seq, round * 1_000_000L + 1_000_000));
            assertEquals(0, t.size());
        }
        for (int i = 0; i < SendTimes.CAPACITY + 10; i++) {
            t.onSent(seq + 10 * i, 10, false, 1);
        }
        assertEquals(SendTimes.CAPACITY, t.size(), "at most CAPACITY ranges are timed");
    }
}
