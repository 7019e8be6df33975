package io.panamax.tcp.reliability;

import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RTT samples from the sender's own send times (as Linux takes them from its skb timestamps; RFC
 * 7323 4 allows any RTTM method), not from the millisecond ticks of TSecr: on a 300 µs path
 * with timestamps on, every TSecr sample would read 0 or 1 ms. SRTT reads the path, so the tail
 * loss probe fires at 2·SRTT (RFC 8985 7.2), not milliseconds later; data sent again gives no
 * sample, timestamps or not (Karn, RFC 6298 3). In virtual time.
 */
class RttFromSendTimesTest {
    private static final int MSS = 536;
    /** A full segment's payload: the MSS less the 12 bytes of the timestamp option every segment carries (RFC 6691). */
    private static final int SEG = MSS - 12;
    private static final long TICK = 2 * 16_384;
    private static final Duration PATH = Duration.ofNanos(300_000);
    private static final int PEER_ISN = 5000;

    /** A peer with timestamps and SACK whose every answer takes {@link #PATH}; tsVal ticks on our side's behalf. */
    private static final class Peer {
        final TcpScript s;
        final TcpConnection conn;
        final int base;
        int tsVal = 100;

        Peer(TcpScript s) {
            this.s = s;
            s.listen();
            s.inject(s.seg().syn().seq(PEER_ISN).mss(MSS).sackPermitted().ts(tsVal, 0).window(65535));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            s.advance(PATH);
            s.inject(s.seg().seq(PEER_ISN + 1).ack(synAck.seq + 1).ts(++tsVal, synAck.options.tsVal).window(65535));
            conn = s.accepted.getFirst();
            s.run(() -> conn.setNoDelay(true));
            base = synAck.seq + 1;
        }

        /** The peer acknowledges {@code ack}, echoing {@code echo}'s timestamp (RFC 7323 4.3). */
        void ack(int ack, SentSegment echo) {
            s.inject(s.seg().seq(PEER_ISN + 1).ack(ack).ts(++tsVal, echo.options.tsVal).window(65535));
        }
    }

    @Test
    void aPathOf300MicrosecondsReadsAsOneAndTheProbeFollowsAtTwoRtts() {
        try (TcpScript s = TcpScript.newReno()) {
            Peer p = new Peer(s);
            int seq = p.base;
            for (int round = 0; round < 20; round++) {
                s.write(p.conn, new byte[2 * SEG]);
                var sent = s.drain();
                assertEquals(2, sent.size());
                s.advance(PATH);
                seq += 2 * SEG;
                p.ack(seq, sent.getFirst());
            }
            var st = s.on(p.conn::stats);
            // Every sample is 300 us (the handshake's too), so SRTT is exactly that and RTTVAR
            // has decayed from 150 us (RFC 6298 2.2, 2.3); from TSecr each would be 0 or 1 ms.
            assertEquals(PATH.toNanos(), st.srttNanos());
            assertEquals(300, st.srttMicros());
            assertTrue(st.rttvarNanos() < 1_000, "rttvar " + st.rttvarNanos());
            // RFC 6298 2.4: the RTO keeps its floor (200 ms here).
            assertEquals(Duration.ofMillis(200).toNanos(), st.rtoNanos());

            // A tail of three segments whose ACKs never come: PTO = 2·SRTT = 600 us (RFC 8985
            // 7.2; more than one segment in flight, so no delayed-ACK allowance), raised to the
            // stack's 2 ms floor (Linux's TCP_TIMEOUT_MIN); the last segment goes again.
            s.write(p.conn, new byte[3 * SEG]);
            long t = s.nowNanos();
            assertEquals(3, s.drain().size());
            SentSegment probe = s.expectWithin(Duration.ofMillis(100)).seq(seq + 2 * SEG).length(SEG);
            assertEquals(Math.max(2 * PATH.toNanos(), Duration.ofMillis(2).toNanos()), probe.timeNanos - t, TICK);
            assertEquals(1, s.on(p.conn::stats).tailLossProbes());
        }
    }

    @Test
    void aLoneSegmentWaitsForTheDelayedAckAllowanceBeforeItsProbe() {
        try (TcpScript s = TcpScript.newReno()) {
            Peer p = new Peer(s);
            // One segment in flight: PTO = 2·SRTT + WCDelAckT (200 ms) = 200.6 ms (RFC 8985 7.2),
            // not below the RTO (200 ms floor, RFC 6298 2.4), so the RTO alone fires, at 200 ms.
            s.write(p.conn, "request");
            long t = s.nowNanos();
            s.expect().payload("request");
            SentSegment again = s.expectWithin(Duration.ofSeconds(1)).payload("request");
            assertEquals(Duration.ofMillis(200).toNanos(), again.timeNanos - t, TICK);
            assertEquals(0, s.on(p.conn::stats).tailLossProbes());
            assertEquals(1, s.on(p.conn::stats).timeouts());
        }
    }

    @Test
    void anAckOfDataSentAgainGivesNoSampleEvenWithTimestamps() {
        try (TcpScript s = TcpScript.newReno()) {
            Peer p = new Peer(s);
            long srtt = s.on(p.conn::stats).srttNanos();
            assertEquals(PATH.toNanos(), srtt, "the handshake's sample");
            s.write(p.conn, new byte[3 * SEG]);
            var sent = s.drain();
            assertEquals(3, sent.size());
            // The tail probe resends the last segment at 2 ms (the PTO's floor); the ACK of all three comes
            // 5 ms later. It covers a segment sent twice: which transmission it answers is
            // ambiguous (Karn), though its TSecr would make a sample of the first's 5 ms.
            SentSegment probe = s.expectWithin(Duration.ofMillis(100)).seq(p.base + 2 * SEG);
            s.advance(Duration.ofMillis(5));
            p.ack(p.base + 3 * SEG, sent.getFirst());
            assertEquals(1, s.on(p.conn::stats).tailLossProbes());
            assertEquals(srtt, s.on(p.conn::stats).srttNanos(), "no sample");
            // The next segment, sent once, is measured again.
            s.write(p.conn, new byte[SEG]);
            SentSegment next = s.expect();
            s.advance(Duration.ofNanos(700_000));
            p.ack(p.base + 4 * SEG, next);
            assertEquals(srtt - (srtt >> 3) + (700_000 >> 3), s.on(p.conn::stats).srttNanos());
            assertTrue(probe.timeNanos > 0);
        }
    }
}
