package io.panamax.tcp.recovery;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The sent ranges behind the RTT samples (RACK has its own tests): oldest newly acknowledged range, Karn, wrap-around and growth. */
class SentRangesTest {
    /** What the sender does with an ACK that moves SND.UNA: the sample, then the covered records go. */
    private static long ack(SentRanges t, int ack, long now) {
        long sample = t.rttSample(ack, now);
        t.acknowledge(ack);
        return sample;
    }

    @Test
    void theOldestRangeAnAckNewlyCoversGivesTheSample() {
        SentRanges t = new SentRanges();
        t.onSent(1000, 100, false, 10_000);
        t.onSent(1100, 100, false, 20_000);
        // Linux's seq_rtt: the first (oldest) range acknowledged, here in part.
        assertEquals(90_000, ack(t, 1050, 100_000));
        assertEquals(2, t.size());
        // The rest of it and the next: still measured from the oldest newly covered, the first.
        assertEquals(100_000, ack(t, 1200, 110_000));
        assertEquals(0, t.size());
        assertEquals(SentRanges.UNTIMED, ack(t, 1300, 120_000), "nothing timed");
    }

    @Test
    void anyRangeSentAgainMakesTheAckAmbiguous() {
        SentRanges t = new SentRanges();
        t.onSent(0, 100, false, 0);
        t.onSent(100, 100, false, 0);
        t.onSent(200, 100, false, 0);
        // Inside the second range: it is split (as RACK needs), and only [150, 160) is marked.
        t.onSent(150, 10, true, 5_000);
        assertEquals(5, t.size());
        assertEquals(1_000, ack(t, 100, 1_000));
        assertEquals(2_000, ack(t, 120, 2_000), "[100, 150) went once");
        assertEquals(SentRanges.AMBIGUOUS, ack(t, 300, 3_000), "Karn (RFC 6298 3): [150, 160) went twice");
        // A retransmission that runs past what was sent before: the new part is marked too.
        t.onSent(300, 100, false, 4_000);
        t.onSent(350, 100, true, 6_000);
        assertEquals(SentRanges.AMBIGUOUS, ack(t, 450, 7_000));
        assertEquals(0, t.size());
    }

    @Test
    void aLongFlightGrowsTheRingAndWrapsAround() {
        SentRanges t = new SentRanges();
        int seq = -5_000;   // across sequence zero
        for (int round = 0; round < 3; round++) {
            int first = seq;
            for (int i = 0; i < 1_000; i++) {
                t.onSent(seq, 10, false, round * 1_000_000L + i);
                seq += 10;
            }
            assertEquals(1_000, t.size());
            assertEquals(1_000_000, ack(t, first + 5_000, round * 1_000_000L + 1_000_000));
            assertEquals(1_000_000 - 500, ack(t, seq, round * 1_000_000L + 1_000_000));
            assertEquals(0, t.size());
        }
        for (int i = 0; i < SentRanges.CAPACITY + 10; i++) {
            t.onSent(seq + 10 * i, 10, false, 1);
        }
        assertEquals(SentRanges.CAPACITY, t.size(), "at most CAPACITY ranges are timed");
    }
}
