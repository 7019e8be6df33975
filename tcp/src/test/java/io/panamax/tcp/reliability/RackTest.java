package io.panamax.tcp.reliability;

import io.panamax.tcp.script.SackPeer;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.script.SackPeer.sends;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RACK, the time-based loss detection of RFC 8985 6: a segment is lost when one sent after it
 * has been delivered and a reordering window has passed since, whatever the count of duplicate
 * ACKs. It repairs a lost retransmission without the RTO, leaves reordering within the window
 * alone, and its reorder timer (6.3) fires when no further ACK comes.
 */
class RackTest {
    private static final int MSS = 536;
    /** The timer wheel's tick, twice. */
    private static final long TICK = 2 * 16_384;

    @Test
    void aLostRetransmissionIsResentAfterTheReorderingWindowWithoutTheRto() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.acceptMeasured(s, MSS, Duration.ofMillis(20));
            s.write(o.conn(), new byte[40 * MSS]);
            assertEquals(10, s.drain().size(), "IW");
            s.advance(Duration.ofMillis(20));
            // Segment 0 is lost; 1..9 arrive: the third duplicate ACK retransmits it (RFC 6675).
            List<SentSegment> sent = new ArrayList<>();
            for (int k = 2; k <= 10; k++) {
                o.sackAck(o.at(0), 1, k);
                sent.addAll(s.drain());
            }
            assertTrue(sends(sent, o.at(0)), "fast retransmit");
            int rtx = 0;
            while (sent.get(rtx).seq != o.at(0)) {
                rtx++;
            }
            // New data that left after the retransmission (limited transmit, then PRR).
            int highest = 0;
            for (SentSegment x : sent.subList(rtx + 1, sent.size())) {
                highest = Math.max(highest, (x.seq - o.base()) / MSS);
            }
            assertTrue(highest >= 11, "new data went after the retransmission: " + sent);
            // The retransmission is lost as well. 20 ms later the data sent after it is SACKed:
            // RACK.xmit_ts is now later than the retransmission's (RFC 8985 6.2 step 2); once
            // RACK.rtt + reo_wnd has passed since the retransmission went, it is lost (step 5),
            // and it goes again (a third time), long before the 200 ms RTO.
            s.advance(Duration.ofMillis(20));
            long t = s.nowNanos();
            o.sackAck(o.at(0), 1, highest + 1);
            assertTrue(!sends(s.drain(), o.at(0)), "not before reo_wnd has passed");
            SentSegment again = s.expectWithin(Duration.ofMillis(100));
            again.seq(o.at(0)).length(MSS);
            // In recovery with no reordering seen, reo_wnd is at its least (1 ms): the reorder
            // timer (6.3) sends it, reo_wnd after the ACK.
            assertEquals(Duration.ofMillis(1).toNanos(), again.timeNanos - t, TICK);
            var st = s.on(o.conn()::stats);
            assertEquals(0, st.timeouts(), "no RTO");
            assertEquals(1, st.fastRetransmits(), "one recovery episode");
            // The peer now has everything: SACKed data was never sent again.
            s.inject(s.seg().seq(o.rcv()).ack(o.at(highest + 1)).window(65535));
            List<SentSegment> after = s.drain();
            for (int i = 1; i <= highest; i++) {
                assertTrue(!sends(after, o.at(i)), "SACKed segment " + i + " resent");
            }
            assertEquals(2, s.on(o.conn()::stats).retransmits(), "segment 0 twice, nothing else");
        }
    }

    @Test
    void reorderingWithinTheReorderingWindowIsNotALoss() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.acceptMeasured(s, MSS, Duration.ofMillis(20));
            s.write(o.conn(), new byte[4 * MSS]);
            assertEquals(4, s.drain().size());
            // 20 ms later segment 1 arrives before segment 0: RACK.rtt = min_RTT = 20 ms, and
            // outside recovery with one segment SACKed reo_wnd = min_RTT / 4 = 5 ms (RFC 8985 6.2
            // step 4); segment 0 is not lost before 20 + 5 ms after it went.
            s.advance(Duration.ofMillis(20));
            o.sackAck(o.at(0), 1, 2);
            s.advance(Duration.ofMillis(3));
            s.expectNothing();
            // Segment 0 arrives 3 ms late, within the window: no retransmission, no recovery.
            s.inject(s.seg().seq(o.rcv()).ack(o.at(2)).window(65535));
            s.inject(s.seg().seq(o.rcv()).ack(o.at(4)).window(65535));
            s.advance(Duration.ofSeconds(1));
            s.expectNothing();
            var st = s.on(o.conn()::stats);
            assertEquals(0, st.retransmits());
            assertEquals(0, st.fastRetransmits());
            assertEquals(0, st.lostSegments());
        }
    }

    @Test
    void theReorderTimerFiresWhenNoFurtherAckComes() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.acceptMeasured(s, MSS, Duration.ofMillis(20));
            s.write(o.conn(), new byte[4 * MSS]);
            assertEquals(4, s.drain().size());
            s.advance(Duration.ofMillis(20));
            long t = s.nowNanos();
            // One duplicate ACK SACKs segment 1; nothing else comes. Neither three duplicate ACKs
            // nor IsLost (RFC 6675) will ever say segment 0 is lost; RACK's reorder timer (RFC
            // 8985 6.3) fires when its window has passed: RACK.rtt + reo_wnd - (now - xmit_ts) =
            // 20 + 5 - 20 = 5 ms after the ACK, before the tail loss probe (2·SRTT = 40 ms).
            o.sackAck(o.at(0), 1, 2);
            SentSegment rtx = s.expectWithin(Duration.ofMillis(100));
            rtx.seq(o.at(0)).length(MSS);
            assertEquals(Duration.ofMillis(5).toNanos(), rtx.timeNanos - t, TICK);
            var st = s.on(o.conn()::stats);
            assertEquals(0, st.timeouts());
            assertEquals(0, st.tailLossProbes());
            assertEquals(1, st.fastRetransmits(), "RACK began fast recovery");
            // Segments 2 and 3 are not lost: sent with segment 1, after segment 0.
            s.inject(s.seg().seq(o.rcv()).ack(o.at(4)).window(65535));
            assertEquals(1, s.on(o.conn()::stats).retransmits());
        }
    }
    @Test
    void afterATimeoutALostRetransmissionGoesAgainWithoutASecondTimeout() {
        // The conventional recovery after a timeout (go-back-N), without F-RTO's two new segments.
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().congestionControl("newreno").frto(false).build())) {
            SackPeer o = SackPeer.acceptMeasured(s, MSS, Duration.ofMillis(20));
            s.write(o.conn(), new byte[40 * MSS]);
            assertEquals(10, s.drain().size(), "IW");
            // Segments 0 and 1 arrive (RACK's min_RTT: 20 ms); the window grows by two.
            s.advance(Duration.ofMillis(20));
            s.inject(s.seg().seq(o.rcv()).ack(o.at(2)).window(65535));
            s.drain();
            // Everything else is lost, the tail loss probe too: the RTO fires and segment 2 goes
            // again with cwnd one segment (go-back-N from SND.UNA).
            List<SentSegment> sent = new ArrayList<>();
            for (int i = 0; i < 100 && !sends(sent, o.at(2)); i++) {
                s.advance(Duration.ofMillis(10));
                sent.addAll(s.drain());
            }
            assertTrue(sends(sent, o.at(2)), "the RTO resends segment 2: " + sent);
            assertEquals(1, s.on(o.conn()::stats).timeouts());
            // Its ACK comes 20 ms later: cwnd two segments, segments 3 and 4 go (RACK.xmit_ts is
            // the retransmission's now: every original segment is lost, RFC 8985 6.3).
            s.advance(Duration.ofMillis(20));
            s.inject(s.seg().seq(o.rcv()).ack(o.at(3)).window(65535));
            List<SentSegment> next = s.drain();
            assertTrue(sends(next, o.at(3)) && sends(next, o.at(4)), "go-back-N goes on: " + next);
            // The retransmission of segment 3 is lost, segment 4's arrives. RecoveryPoint (SND.MAX
            // at the timeout) is not acknowledged, so no fast recovery may begin; RACK still marks
            // segment 3 lost once RACK.rtt + reo_wnd has passed (5 ms: min_RTT / 4), and it goes
            // again at once, not after a second timeout.
            s.advance(Duration.ofMillis(20));
            long t = s.nowNanos();
            o.sackAck(o.at(3), 4, 5);
            List<SentSegment> after = new ArrayList<>();
            for (int i = 0; i < 10 && !sends(after, o.at(3)); i++) {
                s.advance(Duration.ofMillis(5));
                after.addAll(s.drain());
            }
            SentSegment again = after.stream().filter(x -> x.seq == o.at(3) && x.length() > 0).findFirst().orElseThrow(
                    () -> new AssertionError("segment 3 not resent within 50 ms: " + after));
            assertEquals(Duration.ofMillis(5).toNanos(), again.timeNanos - t, TICK);
            var st = s.on(o.conn()::stats);
            assertEquals(1, st.timeouts(), "no second timeout");
            assertEquals(0, st.fastRetransmits(), "no fast recovery within the timeout's window");
        }
    }

    @Test
    void onceReorderingIsSeenDupThreshNoLongerStartsRecoveryRackDoesAfterItsWindow() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.acceptMeasured(s, MSS, Duration.ofMillis(20));
            s.write(o.conn(), new byte[40 * MSS]);
            assertEquals(10, s.drain().size(), "IW");
            // 20 ms later segment 1 arrives before segment 0, which follows: it was never sent
            // again and is delivered below what an earlier ACK delivered, so the path reorders
            // (RFC 8985 6.2 step 3).
            s.advance(Duration.ofMillis(20));
            o.sackAck(o.at(0), 1, 2);
            s.inject(s.seg().seq(o.rcv()).ack(o.at(10)).window(65535));
            List<SentSegment> flight = s.drain();
            assertTrue(sends(flight, o.at(13)), "the window moved on: " + flight);
            // 20 ms later segment 10 is held back: segments 11, 12 and 13 arrive first. Three
            // duplicate ACKs, and DupThresh segments SACKed above segment 10, would start fast
            // recovery (RFC 6675 5); with reordering seen only RACK decides (RFC 8985 6.2 step 4:
            // reo_wnd = min_RTT / 4 = 5 ms), so nothing goes yet.
            s.advance(Duration.ofMillis(20));
            long t = s.nowNanos();
            for (int k = 12; k <= 14; k++) {
                o.sackAck(o.at(10), 11, k);
            }
            assertTrue(!sends(s.drain(), o.at(10)), "no fast retransmit on the third duplicate ACK");
            // Segment 10 does not come: RACK's reorder timer (6.3) marks it lost RACK.rtt +
            // reo_wnd after it went, 5 ms after the ACKs, and fast recovery begins then.
            SentSegment rtx = s.expectWithin(Duration.ofMillis(100));
            rtx.seq(o.at(10)).length(MSS);
            assertEquals(Duration.ofMillis(5).toNanos(), rtx.timeNanos - t, TICK);
            var st = s.on(o.conn()::stats);
            assertEquals(0, st.timeouts());
            assertEquals(1, st.fastRetransmits(), "one recovery, begun by RACK");
            assertEquals(1, st.retransmits());
        }
    }

    @Test
    void sackBlocksOfOneAckInTheirOrderAreNotReordering() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.acceptMeasured(s, MSS, Duration.ofMillis(20));
            s.write(o.conn(), new byte[40 * MSS]);
            assertEquals(10, s.drain().size(), "IW");
            // Segments 0 and 2 are lost. The ACK that SACKed segment 1 is lost too, so the next
            // one brings segment 3's block first and segment 1's after it (RFC 2018 4: the most
            // recently received block first). Segment 1 is newly delivered below segment 3, yet
            // it was sent before segment 3 and delivered in order: no reordering, so DupThresh
            // still applies (RFC 8985 6.2 step 3 takes the segments an ACK delivers in the order
            // they were sent).
            s.advance(Duration.ofMillis(20));
            o.sackAck(o.at(0), 3, 4, 1, 2);
            assertTrue(!sends(s.drain(), o.at(0)), "two segments SACKed: not lost yet");
            // Segment 4 arrives: three segments SACKed above segment 0, IsLost(0) (RFC 6675 4):
            // fast retransmit at once, not a reordering window later.
            long t = s.nowNanos();
            o.sackAck(o.at(0), 3, 5, 1, 2);
            List<SentSegment> sent = s.drain();
            assertTrue(sends(sent, o.at(0)), "fast retransmit on IsLost: " + sent);
            assertEquals(t, sent.stream().filter(x -> x.seq == o.at(0)).findFirst().orElseThrow().timeNanos);
            assertEquals(1, s.on(o.conn()::stats).fastRetransmits());
        }
    }
}
