package io.panamax.tcp.reliability;

import io.panamax.tcp.script.SackPeer;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.panamax.tcp.script.SackPeer.sends;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * F-RTO (RFC 5682): after a timeout's retransmission, the first ACK that advances SND.UNA lets
 * two new segments go instead of the go-back-N (2.b); when the next ACK acknowledges data that
 * was never retransmitted the timeout was spurious, its reduction is undone and no segment is sent
 * twice (3.b); a duplicate ACK says the loss was real and the go-back-N resumes (3.a). With SACK,
 * the SACK-enhanced variant (RFC 5682 3): a SACK block for never-retransmitted data below
 * "recover" is such an acknowledgment, one that covers only the new segments is not.
 */
class FrtoTest {
    private static final int MSS = 536;
    /** RFC 6928 for MSS 536: min(10·MSS, max(2·MSS, 14600)). */
    private static final int IW = 10 * MSS;

    /** The peer without SACK, 14 segments written, 10 sent, the RTO's retransmission of the first; returns the first's seq. */
    private static int timeOut(TcpScript s, TcpScript.Established e) {
        int base = e.sndNxt();
        s.write(e.conn(), new byte[14 * MSS]);
        assertEquals(10, s.drain().size(), "IW");
        s.expectWithin(Duration.ofSeconds(2)).seq(base).length(MSS);
        assertEquals(1, s.on(e.conn()::stats).timeouts());
        assertEquals(MSS, s.on(e.conn()::stats).cwnd(), "RFC 5681: the loss window");
        return base;
    }

    @Test
    void aSpuriousTimeoutIsUndoneAndNothingIsSentTwice() {
        try (TcpScript s = TcpScript.newReno()) {
            var e = s.acceptPlain(1000);
            int base = timeOut(s, e);
            // Step 2.b: the first ACK advances SND.UNA, not to "recover" (segment 10): two new
            // segments, not segments 1 and 2 again.
            s.inject(s.seg().seq(e.rcvNxt()).ack(base + MSS));
            List<SentSegment> step2 = s.drain();
            assertEquals(2, step2.size(), "two new segments: " + step2);
            step2.get(0).seq(base + 10 * MSS);
            step2.get(1).seq(base + 11 * MSS);
            // Step 3.b: the next ACK covers segments 1-4, never retransmitted: the original
            // flight arrived, the timeout was spurious.
            s.inject(s.seg().seq(e.rcvNxt()).ack(base + 5 * MSS));
            var st = s.on(e.conn()::stats);
            assertEquals(1, st.spuriousRecoveries());
            assertTrue(st.cwnd() >= IW, "RFC 4015: the window before the timeout: " + st.cwnd());
            List<SentSegment> after = s.drain();
            assertTrue(sends(after, base + 12 * MSS) && sends(after, base + 13 * MSS), "new data goes on: " + after);
            for (SentSegment x : after) {
                assertTrue(x.seq - (base + 12 * MSS) >= 0, "nothing below SND.MAX again: " + x);
            }
            assertEquals(1, s.on(e.conn()::stats).retransmits(), "only the timeout's retransmission");
        }
    }

    @Test
    void aDuplicateAckAfterTheNewSegmentsMeansTheLossWasReal() {
        try (TcpScript s = TcpScript.newReno()) {
            var e = s.acceptPlain(1000);
            int base = timeOut(s, e);
            s.inject(s.seg().seq(e.rcvNxt()).ack(base + MSS));
            assertEquals(2, s.drain().size());
            // Step 3.a: a duplicate ACK (a new segment arrived, segment 1 did not): go-back-N.
            s.inject(s.seg().seq(e.rcvNxt()).ack(base + MSS));
            List<SentSegment> after = s.drain();
            assertTrue(sends(after, base + MSS), "segment 1 goes again: " + after);
            var st = s.on(e.conn()::stats);
            assertEquals(0, st.spuriousRecoveries());
            assertTrue(st.cwnd() <= 3 * MSS, "RFC 5682 2 step 3.a: cwnd at most 3 SMSS: " + st.cwnd());
        }
    }

    @Test
    void withoutF_RtoTheTimeoutGoesBackN() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().congestionControl("newreno").frto(false).build())) {
            var e = s.acceptPlain(1000);
            int base = timeOut(s, e);
            s.inject(s.seg().seq(e.rcvNxt()).ack(base + MSS));
            List<SentSegment> after = s.drain();
            assertTrue(sends(after, base + MSS) && sends(after, base + 2 * MSS), "go-back-N: " + after);
        }
    }

    /** The SACK peer: the timeout's retransmission of segment 0, then the two new segments of step 2.b. */
    private static List<SentSegment> sackTimeoutAndStep2(TcpScript s, SackPeer o) {
        s.write(o.conn(), new byte[20 * MSS]);
        s.drain();
        // Nothing is acknowledged: a tail loss probe may go first (RFC 8985 7), then the RTO.
        SentSegment rtx = null;
        for (int i = 0; i < 40 && rtx == null; i++) {
            s.advance(Duration.ofMillis(50));
            rtx = s.drain().stream().filter(x -> x.seq == o.at(0)).findFirst().orElse(null);
        }
        assertTrue(rtx != null, "the RTO resends segment 0");
        o.sackAck(o.at(1));
        List<SentSegment> step2 = s.drain();
        assertEquals(2, step2.size(), "two new segments: " + step2);
        for (SentSegment x : step2) {
            assertTrue(x.seq - o.at(10) >= 0, "new data, above the first window: " + x);
        }
        return step2;
    }

    @Test
    void withSackABlockOfNeverRetransmittedDataProvesTheTimeoutSpurious() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.accept(s, MSS);
            sackTimeoutAndStep2(s, o);
            // Step 3.b (RFC 5682 3): segments 2-4, below "recover" and never resent, are SACKed.
            o.sackAck(o.at(1), 2, 5);
            var st = s.on(o.conn()::stats);
            assertEquals(1, st.spuriousRecoveries());
            assertTrue(st.cwnd() >= IW, "undone: " + st.cwnd());
            List<SentSegment> after = s.drain();
            for (int i = 2; i < 10; i++) {
                assertTrue(!sends(after, o.at(i)), "segment " + i + " is not sent again: " + after);
            }
        }
    }

    @Test
    void withSackABlockOfOnlyTheNewSegmentsMeansTheLossWasReal() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.accept(s, MSS);
            List<SentSegment> step2 = sackTimeoutAndStep2(s, o);
            int left = step2.get(0).seq;
            int right = step2.get(1).seq + step2.get(1).length();
            s.inject(s.seg().seq(o.rcv()).ack(o.at(1)).window(65535).sack(left, right));
            List<SentSegment> after = s.drain();
            assertTrue(sends(after, o.at(1)), "go-back-N from segment 1: " + after);
            assertEquals(0, s.on(o.conn()::stats).spuriousRecoveries());
        }
    }
}
