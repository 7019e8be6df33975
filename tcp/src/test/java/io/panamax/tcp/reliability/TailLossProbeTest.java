package io.panamax.tcp.reliability;

import io.panamax.tcp.script.SackPeer;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tail loss probe of RFC 8985 7: when the last segments of a flight (or their ACKs) are lost,
 * nothing sets off fast recovery; after a probe timeout of 2·SRTT, well before the RTO, one
 * segment goes to elicit an ACK with SACK information: new data if there is some (7.3 case 1),
 * otherwise the last segment again (case 2).
 */
class TailLossProbeTest {
    private static final int MSS = 536;
    private static final long TICK = 2 * 16_384;

    @Test
    void aLostTailIsProbedWithTheLastSegmentAfterTwoRtts() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.acceptMeasured(s, MSS, Duration.ofMillis(20));
            s.write(o.conn(), new byte[3 * MSS]);
            long t = s.nowNanos();
            assertEquals(3, s.drain().size());
            // No ACK comes. PTO = 2·SRTT = 40 ms (more than one segment in flight): the last
            // segment goes again, not the first, and long before the 200 ms RTO floor.
            SentSegment probe = s.expectWithin(Duration.ofSeconds(1)).seq(o.base() + 2 * MSS).length(MSS);
            assertEquals(Duration.ofMillis(40).toNanos(), probe.timeNanos - t, TICK);
            assertEquals(1, s.on(o.conn()::stats).tailLossProbes());
            assertEquals(0, s.on(o.conn()::stats).timeouts());
            // The peer had lost segment 2 only: its ACK of everything ends the episode; the
            // probe repaired a loss, so the window is reduced once (RFC 8985 7.4.2).
            s.inject(s.seg().seq(o.rcv()).ack(o.base() + 3 * MSS).window(65535));
            var st = s.on(o.conn()::stats);
            // ssthresh = max(FlightSize / 2, 2·SMSS) with 3 segments in flight at the probe.
            assertEquals(2 * MSS, st.ssthresh());
            s.advance(Duration.ofSeconds(2));
            s.expectNothing();
        }
    }

    @Test
    void aProbeTheDsackShowsSpuriousLeavesTheWindowAlone() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.acceptMeasured(s, MSS, Duration.ofMillis(20));
            s.write(o.conn(), new byte[3 * MSS]);
            assertEquals(3, s.drain().size());
            int cwnd = s.on(o.conn()::stats).cwnd();
            s.expectWithin(Duration.ofSeconds(1)).seq(o.base() + 2 * MSS).length(MSS);
            assertEquals(1, s.on(o.conn()::stats).tailLossProbes());
            // Nothing was lost, the ACKs were slow: the peer acknowledges everything and reports
            // the probe as a duplicate (D-SACK, RFC 2883 4.1.1). The probe repaired nothing: no
            // reduction (RFC 8985 7.4.1).
            s.inject(s.seg().seq(o.rcv()).ack(o.base() + 3 * MSS).window(65535)
                    .sack(o.base() + 2 * MSS, o.base() + 3 * MSS));
            var st = s.on(o.conn()::stats);
            assertEquals(Integer.MAX_VALUE, st.ssthresh(), "no reduction");
            assertTrue(st.cwnd() >= cwnd, "cwnd " + st.cwnd() + " < " + cwnd);
        }
    }

    @Test
    void theProbeIsNewDataWhenThereIsSome() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.acceptMeasured(s, MSS, Duration.ofMillis(20));
            s.write(o.conn(), new byte[20 * MSS]);
            assertEquals(10, s.drain().size(), "IW");
            // RFC 8985 7.3: a previously unsent segment is the probe (the window allows it).
            SentSegment probe = s.expectWithin(Duration.ofSeconds(1)).seq(o.base() + 10 * MSS).length(MSS);
            assertEquals(1, s.on(o.conn()::stats).tailLossProbes());
            // One probe per episode: what follows is the RTO's retransmission of the first segment.
            SentSegment rto = s.expectWithin(Duration.ofSeconds(2)).seq(o.base());
            assertEquals(1, s.on(o.conn()::stats).timeouts());
            assertEquals(true, rto.timeNanos > probe.timeNanos);
        }
    }

    @Test
    void aSingleSegmentWaitsForTheDelayedAckFirst() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.acceptMeasured(s, MSS, Duration.ofMillis(20));
            s.write(o.conn(), "request");
            long t = s.nowNanos();
            s.expect().payload("request");
            // One segment in flight: PTO = 2·SRTT + WCDelAckT (200 ms) = 240 ms; that is not
            // below the RTO (20 + 4·10 ms, floored at 200 ms), so the RTO alone fires, at 200 ms.
            SentSegment again = s.expectWithin(Duration.ofSeconds(1)).payload("request");
            assertEquals(Duration.ofMillis(200).toNanos(), again.timeNanos - t, TICK);
            assertEquals(0, s.on(o.conn()::stats).tailLossProbes());
        }
    }
}
