package io.panamax.tcp.reliability;

import io.panamax.tcp.script.SackPeer;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.script.SackPeer.sends;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sender's SACK scoreboard (RFC 2018) and SACK-based loss recovery (RFC 6675): every lost hole
 * is retransmitted within the round, SACKed data is never sent again (not even after a timeout),
 * limited transmit (RFC 3042) and proportional rate reduction (RFC 6937).
 */
class SackRecoveryTest {
    private static final int MSS = 536;

    /** The peer SACKs segments 1 to 8 one ACK at a time, segment 0 missing; returns what the stack sent meanwhile. */
    private static List<SentSegment> segmentsOneToEightArrive(TcpScript s, SackPeer o) {
        List<SentSegment> sent = new java.util.ArrayList<>();
        for (int k = 2; k <= 9; k++) {
            o.sackAck(o.at(0), 1, k);
            sent.addAll(s.drain());
        }
        return sent;
    }

    /** NewReno's window arithmetic, with RFC 6675's rescue retransmission on. */
    private static TcpScript rescueScript() {
        return new TcpScript(TcpScript.baseConfig().congestionControl("newreno").rescueRetransmission(true).build());
    }

    @Test
    void everyHoleIsRetransmittedInOneRoundAndSackedDataNever() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.accept(s, MSS);
            s.write(o.conn(), new byte[40 * MSS]);
            assertEquals(10, s.drain().size(), "IW 10 segments");
            // Segments 1 and 4 are lost; 0 arrives, then 2, 3, 5, 6, 7 one by one.
            s.inject(s.seg().seq(o.rcv()).ack(o.at(1)).window(65535));
            List<SentSegment> sent = new java.util.ArrayList<>(s.drain());
            o.sackAck(o.at(1), 2, 3);
            sent.addAll(s.drain());
            o.sackAck(o.at(1), 2, 4);
            sent.addAll(s.drain());
            assertFalse(sends(sent, o.at(1)), "two duplicate ACKs do not retransmit");
            o.sackAck(o.at(1), 2, 4, 5, 6);
            sent.addAll(s.drain());
            assertTrue(sends(sent, o.at(1)), "the third duplicate ACK retransmits the first hole (RFC 6675 5 (4.3))");
            int fastRetransmit = sent.size() - 1;
            // The rest of the window arrives (segments 6 to 13: the first window, the two that the
            // first ACK released and the two of limited transmit).
            for (int k = 7; k <= 14; k++) {
                o.sackAck(o.at(1), 2, 4, 5, k);
                sent.addAll(s.drain());
            }
            // Three SACKed segments above segment 4 make it lost (IsLost): it goes within the
            // round, without waiting for the partial ACK that NewReno would need a round trip
            // later, and before any new data (NextSeg rule 1 before rule 2).
            assertTrue(sends(sent, o.at(4)), "the second hole goes in the same round: " + sent);
            for (int i = fastRetransmit + 1; sent.get(i).seq != o.at(4); i++) {
                assertTrue(sent.get(i).seq < o.at(14), "new data went before the lost hole: " + sent.get(i));
            }
            for (int i : new int[] {2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13}) {
                assertFalse(sends(sent.subList(fastRetransmit, sent.size()), o.at(i)),
                        "SACKed segment " + i + " is never sent again");
            }
            var st = s.on(o.conn()::stats);
            assertEquals(1, st.fastRetransmits(), "one recovery episode");
            assertEquals(2, st.lostSegments());
            assertEquals(11 * MSS, st.sackedBytes());
            assertEquals("sack", st.lossRecovery());
            // The per-ACK window statistic (what Linux's tcp_probe gives per ACK): the 8 ACKs after
            // the third duplicate one came in recovery; every one counted the window in force.
            assertEquals(8, st.acksInRecovery(), "ACKs in recovery");
            assertTrue(st.acksProcessed() >= 12, "ACKs processed: " + st.acksProcessed());
            assertTrue(st.meanCwndAtAck() >= 2 * MSS && st.meanCwndAtAck() <= 20 * MSS, "mean cwnd " + st.meanCwndAtAck());
            // Both holes arrive: the ACK covers everything up to segment 14, recovery ends.
            s.inject(s.seg().seq(o.rcv()).ack(o.at(14)).window(65535));
            assertEquals(0, s.on(o.conn()::stats).sackedBytes());
            assertEquals(2, s.on(o.conn()::stats).retransmits(), "only the two holes were resent");
        }
    }

    /**
     * RFC 6675 4, NextSeg rule 4: the first and the last segment of a window are lost and there
     * is nothing new to send. No SACK lies above the last one, so IsLost never marks it (rules 1
     * and 3 do not reach it); once per recovery, the rescue retransmission sends it as soon as
     * the window allows, instead of a round trip later (RACK, after the first hole's repair is
     * acknowledged) or after a timeout.
     */
    @Test
    void aLostTailIsRescuedOncePerRecovery() {
        try (TcpScript s = rescueScript()) {
            SackPeer o = SackPeer.accept(s, MSS);
            s.write(o.conn(), new byte[10 * MSS]);
            assertEquals(10, s.drain().size(), "IW 10 segments, all the data there is");
            // Segments 0 and 9 are lost; 1 to 8 arrive one by one.
            List<SentSegment> sent = segmentsOneToEightArrive(s, o);
            assertTrue(sends(sent, o.at(0)), "the third duplicate ACK retransmitted segment 0: " + sent);
            long tail = sent.stream().filter(x -> x.seq == o.at(9)).count();
            assertEquals(1L, tail, "segment 9, the highest unSACKed, rescued once within the recovery: " + sent);
            SentSegment rescue = sent.stream().filter(x -> x.seq == o.at(9)).findFirst().orElseThrow();
            assertEquals(MSS, rescue.payload.length);
            for (int i = 1; i <= 8; i++) {
                assertFalse(sends(sent, o.at(i)), "SACKed segment " + i + " is not resent");
            }
            assertEquals(2, s.on(o.conn()::stats).retransmits(), "segment 0 and the rescue, nothing else");
            // The repairs arrive: everything is acknowledged without a timeout.
            s.inject(s.seg().seq(o.rcv()).ack(o.at(10)).window(65535));
            var st = s.on(o.conn()::stats);
            assertEquals(0L, st.timeouts());
            assertEquals(1L, st.fastRetransmits(), "one recovery episode");
            s.expectNothing();
        }
    }

    /**
     * Off (the default, as Linux), the same lost tail waits for the partial ACK of segment 0's
     * retransmission, a round trip later: RACK then finds it lost (segment 0's retransmission,
     * sent after it, was delivered, RFC 8985 6.2). With a 10 ms round trip: the rescue would
     * have sent it at 10 ms, with segment 0's repair; here it goes at 20 ms.
     */
    @Test
    void withoutTheRescueALostTailWaitsARoundTripForRack() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.acceptMeasured(s, MSS, Duration.ofMillis(10));   // SRTT 10 ms: the probe timeout (2 SRTT) is later than the ACKs
            long t0 = s.nowNanos();
            s.write(o.conn(), new byte[10 * MSS]);
            assertEquals(10, s.drain().size());
            s.advance(Duration.ofMillis(10));
            List<SentSegment> sent = segmentsOneToEightArrive(s, o);
            assertTrue(sends(sent, o.at(0)));
            assertFalse(sends(sent, o.at(9)), "no rescue: " + sent);
            s.advance(Duration.ofMillis(10));
            s.inject(s.seg().seq(o.rcv()).ack(o.at(9)).window(65535).sack(o.at(0), o.at(0)));
            SentSegment tail = s.expectWithin(Duration.ofMillis(5)).seq(o.at(9));
            assertEquals(20, (tail.timeNanos - t0) / 1_000_000, "at the partial ACK, a round trip after the rescue's moment");
            assertEquals(0L, s.on(o.conn()::stats).timeouts());
        }
    }

    /** Rule 4 only when rule 2 has nothing to send: with new data waiting, new data goes instead. */
    @Test
    void noRescueWhileNewDataWaits() {
        try (TcpScript s = rescueScript()) {
            SackPeer o = SackPeer.accept(s, MSS);
            s.write(o.conn(), new byte[30 * MSS]);
            assertEquals(10, s.drain().size());
            List<SentSegment> sent = segmentsOneToEightArrive(s, o);
            assertTrue(sends(sent, o.at(0)), "segment 0 retransmitted");
            assertFalse(sends(sent, o.at(9)), "segment 9 not rescued: " + sent);
            assertTrue(sends(sent, o.at(10)), "new data went instead (rule 2)");
        }
    }

    @Test
    void limitedTransmitSendsNewDataOnTheFirstTwoDuplicateAcks() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.accept(s, MSS);
            s.write(o.conn(), new byte[40 * MSS]);
            assertEquals(10, s.drain().size());
            // RFC 3042 2: each of the first two duplicate ACKs releases one previously unsent segment.
            o.sackAck(o.at(0), 1, 2);
            List<SentSegment> one = s.drain();
            assertEquals(1, one.size());
            one.getFirst().seq(o.at(10)).length(MSS);
            o.sackAck(o.at(0), 1, 3);
            List<SentSegment> two = s.drain();
            assertEquals(1, two.size());
            two.getFirst().seq(o.at(11)).length(MSS);
        }
    }

    @Test
    void proportionalRateReductionSpreadsTheReductionOverTheRecovery() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.accept(s, MSS);
            s.write(o.conn(), new byte[60 * MSS]);
            assertEquals(10, s.drain().size());
            // Segment 0 is lost; 1..9 arrive, then the two segments of limited transmit.
            o.sackAck(o.at(0), 1, 2);
            o.sackAck(o.at(0), 1, 3);
            assertEquals(2, s.drain().size(), "limited transmit");
            o.sackAck(o.at(0), 1, 4);
            List<SentSegment> entry = s.drain();
            assertTrue(sends(entry, o.at(0)), "fast retransmit");
            // PRR sends ssthresh/RecoverFS of what is delivered (RFC 6937 3), spread over the
            // recovery, not a burst after half a window of silence.
            int newSegments = 0;
            for (int k = 5; k <= 12; k++) {
                o.sackAck(o.at(0), 1, k);
                int released = s.drain().size();
                assertTrue(released <= 1, "one segment per ACK at most, no burst: " + released + " at " + k);
                newSegments += released;
            }
            // FlightSize 10 segments when the duplicate ACKs began (limited transmit not counted,
            // RFC 5681 3.2): ssthresh 5; RecoverFS 12. While the pipe is above ssthresh PRR sends
            // 5/12 of what is delivered; once SACKs bring it below, PRR-SSRB lets it climb back
            // to ssthresh at most one segment beyond what is delivered (RFC 6937 3.1): 4 new
            // segments for the 8 delivered, where NewReno sends nothing for half a window, then
            // one per duplicate ACK.
            assertEquals(5 * MSS, s.on(o.conn()::stats).ssthresh());
            assertEquals(4, newSegments);
        }
    }

    @Test
    void afterATimeoutSackedDataIsNotSentAgain() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.accept(s, MSS);
            s.write(o.conn(), new byte[10 * MSS]);
            assertEquals(10, s.drain().size());
            // The ACKs take 1 ms (less than the 2 ms least PTO): the fast retransmission leaves
            // after the segments SACKed, so RACK (RFC 8985 6.2) cannot call it lost, having no
            // later delivery to compare it with; only the timer can.
            s.advance(Duration.ofMillis(1));
            // Everything but segment 0 arrives; its fast retransmission is lost too.
            for (int k = 2; k <= 10; k++) {
                o.sackAck(o.at(0), 1, k);
            }
            assertTrue(sends(s.drain(), o.at(0)));
            // RFC 6298 5.4: the timer goes off; go-back-N from SND.UNA skips the SACKed segments.
            SentSegment again = s.expectWithin(Duration.ofSeconds(5));
            again.seq(o.at(0)).length(MSS);
            s.advance(Duration.ofMillis(10));
            s.expectNothing();
            s.inject(s.seg().seq(o.rcv()).ack(o.at(10)).window(65535));
            assertEquals(1, s.on(o.conn()::stats).timeouts());
            assertEquals(2, s.on(o.conn()::stats).retransmits(), "segment 0 twice, nothing else");
        }
    }

    @Test
    void aLossOfTheSegmentAtTheRecoveryPointStartsTheNextRecovery() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.accept(s, MSS);
            s.write(o.conn(), new byte[80 * MSS]);
            assertEquals(10, s.drain().size(), "IW 10 segments");
            // Segment 0 is lost, 1..9 arrive: fast recovery begins at the third duplicate ACK.
            List<SentSegment> sent = new java.util.ArrayList<>();
            for (int k = 2; k <= 10; k++) {
                o.sackAck(o.at(0), 1, k);
                sent.addAll(s.drain());
            }
            int rtx = 0;
            while (sent.get(rtx).seq != o.at(0)) {
                rtx++;
            }
            // RecoveryPoint: SND.MAX when it began (after limited transmit's two new segments).
            int rp = 10;
            for (SentSegment x : sent.subList(0, rtx)) {
                rp = Math.max(rp, (x.seq - o.base()) / MSS + 1);
            }
            // The retransmission arrives: the ACK covers everything up to RecoveryPoint and ends
            // the recovery; the window lets more new data go.
            s.inject(s.seg().seq(o.rcv()).ack(o.at(rp)).window(65535));
            sent.addAll(s.drain());
            int highest = 0;
            for (SentSegment x : sent) {
                highest = Math.max(highest, (x.seq - o.base()) / MSS);
            }
            assertTrue(highest >= rp + 2, "new data beyond RecoveryPoint " + rp + ": " + sent);
            // Segment rp, the first sent after the reduction, is lost: its duplicate ACKs all
            // carry ack = RecoveryPoint (and SACK what follows it, limited transmit's segments
            // included). That ACK covers all that was outstanding when the last recovery began
            // (RFC 6582 3.2 step 2: "more than recover", recover being the highest sequence number
            // then sent, RecoveryPoint - 1), so a new one begins (RFC 6675 5 (4)), rather than the
            // RTO repairing it 200 ms later.
            List<SentSegment> second = new java.util.ArrayList<>();
            for (int k = rp + 2; k <= rp + 4; k++) {
                o.sackAck(o.at(rp), rp + 1, k);
                second.addAll(s.drain());
            }
            assertTrue(sends(second, o.at(rp)), "the hole at RecoveryPoint is fast-retransmitted: " + second);
            var st = s.on(o.conn()::stats);
            assertEquals(2, st.fastRetransmits(), "two recoveries");
            assertEquals(0, st.timeouts());
        }
    }
}
