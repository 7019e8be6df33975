package io.panamax.tcp.reliability;

import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fast retransmit and NewReno fast recovery (RFC 5681 3.2, RFC 6582), slow start and congestion avoidance. */
class FastRecoveryTest {
    private static final int MSS = 536;

    private static boolean retransmits(List<SentSegment> sent, int seq) {
        return sent.stream().anyMatch(x -> x.seq == seq && x.length() > 0);
    }

    @Test
    void initialWindowIsTenSegments() {
        try (TcpScript s = TcpScript.newReno()) {
            var e = s.acceptPlain(1000);
            s.write(e.conn(), new byte[MSS * 20]);
            // RFC 6928: min(10·MSS, max(2·MSS, 14600)) = 10 segments of 536.
            assertEquals(10, s.drain().size());
        }
    }

    @Test
    void slowStartGrowsOneSegmentPerAck() {
        try (TcpScript s = TcpScript.newReno()) {
            var e = s.acceptPlain(1000);
            s.write(e.conn(), new byte[MSS * 40]);
            assertEquals(10, s.drain().size());
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + MSS));
            assertEquals(2, s.drain().size(), "one acknowledged, cwnd + 1: two new");
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 3 * MSS));
            // Appropriate byte counting caps the growth at one SMSS per ACK (RFC 5681 3.1).
            assertEquals(3, s.drain().size());
            assertEquals(12 * MSS, s.on(e.conn()::stats).cwnd());
        }
    }

    @Test
    void threeDuplicateAcksTriggerFastRetransmitAndNewRenoRecovery() {
        try (TcpScript s = TcpScript.newReno()) {
            var e = s.acceptPlain(1000);
            int base = e.sndNxt();
            s.write(e.conn(), new byte[MSS * 30]);
            assertEquals(10, s.drain().size());
            // Segments 2 and 5 (from 1) are lost. The ACK of segment 1 lets two more go.
            s.inject(s.seg().seq(e.rcvNxt()).ack(base + MSS));
            assertEquals(2, s.drain().size());
            int hole = base + MSS;
            s.inject(s.seg().seq(e.rcvNxt()).ack(hole));
            s.inject(s.seg().seq(e.rcvNxt()).ack(hole));
            assertFalse(retransmits(s.drain(), hole), "two duplicates are not enough");
            s.inject(s.seg().seq(e.rcvNxt()).ack(hole));
            List<SentSegment> fr = s.drain();
            assertTrue(retransmits(fr, hole), "the third duplicate ACK retransmits at once: " + fr);
            var st = s.on(e.conn()::stats);
            // FlightSize 11 segments (the 2 of limited transmit, RFC 3042, not counted, RFC 5681 3.2):
            // ssthresh = 5.5 segments, cwnd = ssthresh + 3 (RFC 6582 3.2 steps 2-3).
            assertEquals(11 * MSS / 2, st.ssthresh());
            assertEquals(11 * MSS / 2 + 3 * MSS, st.cwnd());
            assertEquals(1, st.fastRetransmits());
            // More duplicates inflate the window by one segment each (step 4).
            s.inject(s.seg().seq(e.rcvNxt()).ack(hole));
            assertEquals(11 * MSS / 2 + 4 * MSS, s.on(e.conn()::stats).cwnd());
            s.drain();
            // A partial ACK (up to the second hole): NewReno retransmits that hole at once (step 5).
            int hole2 = base + 4 * MSS;
            s.inject(s.seg().seq(e.rcvNxt()).ack(hole2));
            assertTrue(retransmits(s.drain(), hole2), "partial ACK retransmits the next hole");
            // A full ACK (everything sent when recovery began) ends recovery: cwnd = ssthresh-ish (step 5, option 1).
            s.inject(s.seg().seq(e.rcvNxt()).ack(base + 12 * MSS));
            var after = s.on(e.conn()::stats);
            assertTrue(after.cwnd() <= after.ssthresh(), "deflated to ssthresh: " + after);
            assertEquals(1, after.fastRetransmits(), "one fast retransmit per window");
        }
    }

    @Test
    void cubicTheDefaultReducesByBetaSevenTenths() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            assertEquals("cubic", s.on(e.conn()::stats).congestionControl());
            int base = e.sndNxt();
            s.write(e.conn(), new byte[MSS * 30]);
            assertEquals(10, s.drain().size());
            s.inject(s.seg().seq(e.rcvNxt()).ack(base + MSS));
            s.drain();
            int hole = base + MSS;
            for (int i = 0; i < 3; i++) {
                s.inject(s.seg().seq(e.rcvNxt()).ack(hole));
            }
            assertTrue(retransmits(s.drain(), hole), "the third duplicate ACK retransmits at once");
            // RFC 9438 4.6: ssthresh = cwnd_prior * beta_cubic (0.7), not NewReno's half of the
            // flight; cwnd before the loss was 11 segments (slow start: 10 + the one ACK).
            var st = s.on(e.conn()::stats);
            assertEquals((int) (11 * MSS * 0.7), st.ssthresh(), 1.0, "ssthresh: " + st);
            assertEquals(1, st.fastRetransmits());
        }
    }

    @Test
    void congestionAvoidanceGrowsOneSegmentPerWindow() {
        try (TcpScript s = TcpScript.newReno()) {
            var e = s.acceptPlain(1000);
            int base = e.sndNxt();
            s.write(e.conn(), new byte[MSS * 400]);
            s.drain();
            // Enter recovery and leave it: ssthresh = 5 segments, and with nothing in flight
            // cwnd = 2 segments (RFC 6582 step 5 option 1): slow start up to ssthresh again.
            for (int i = 0; i < 3; i++) {
                s.inject(s.seg().seq(e.rcvNxt()).ack(base));
            }
            int acked = base + 10 * MSS;
            s.inject(s.seg().seq(e.rcvNxt()).ack(acked));
            s.drain();
            assertEquals(5 * MSS, s.on(e.conn()::stats).ssthresh());
            assertEquals(2 * MSS, s.on(e.conn()::stats).cwnd());
            while (s.on(e.conn()::stats).cwnd() < s.on(e.conn()::stats).ssthresh()) {
                acked += MSS;
                s.inject(s.seg().seq(e.rcvNxt()).ack(acked));
                s.drain();
            }
            int cwnd = s.on(e.conn()::stats).cwnd();
            // Acknowledge one full window, a segment at a time: cwnd grows by exactly one SMSS (RFC 5681 3.1).
            for (int n = 0; n < cwnd; n += MSS) {
                acked += MSS;
                s.inject(s.seg().seq(e.rcvNxt()).ack(acked));
                s.drain();
                if (n + MSS < cwnd) {
                    assertEquals(cwnd, s.on(e.conn()::stats).cwnd(), "no growth before a full window is acknowledged");
                }
            }
            assertEquals(cwnd + MSS, s.on(e.conn()::stats).cwnd());
        }
    }
}
