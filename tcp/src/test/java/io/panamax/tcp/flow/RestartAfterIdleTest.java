package io.panamax.tcp.flow;

import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RFC 5681 4.1: a sender that has sent nothing for longer than the RTO restarts from
 * RW = min(IW, cwnd) instead of sending a whole old window in one burst; and RFC 7661: a window
 * the sender did not use does not grow (4.3), is halved when a non-validated period of five
 * minutes runs out (4.4.3), and a loss in the non-validated phase sets it from pipeACK (4.4.1).
 */
class RestartAfterIdleTest {
    private static final int MSS = 536;

    /** Opens, sends 30 segments acknowledged one by one, so cwnd grows well beyond IW. */
    private static int grow(TcpScript s, TcpScript.Established e) {
        int base = e.sndNxt();
        s.write(e.conn(), new byte[30 * MSS]);
        int acked = base;
        List<SentSegment> sent = s.drain();
        assertEquals(10, sent.size(), "IW: 10 segments (RFC 6928)");
        while (acked != base + 30 * MSS) {
            acked += MSS;
            s.inject(s.seg().seq(e.rcvNxt()).ack(acked));
            s.drain();
        }
        int cwnd = s.on(e.conn()::stats).cwnd();
        assertTrue(cwnd >= 20 * MSS, "cwnd grew in slow start: " + cwnd);
        return acked;
    }

    @Test
    void afterAnIdleRtoTheWindowRestartsAtTheInitialWindow() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            grow(s, e);
            s.advance(Duration.ofSeconds(2));
            s.write(e.conn(), new byte[40 * MSS]);
            assertEquals(10, s.drain().size(), "restart window min(IW, cwnd) = 10 segments");
            assertEquals(10 * MSS, s.on(e.conn()::stats).cwnd());
        }
    }

    @Test
    void withinAnRtoTheWindowIsKept() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            grow(s, e);
            int cwnd = s.on(e.conn()::stats).cwnd();
            // The RTO is at least 200 ms (RFC 6298 2.4 as configured): 50 ms is not idle.
            s.advance(Duration.ofMillis(50));
            s.write(e.conn(), new byte[60 * MSS]);
            assertEquals(cwnd / MSS, s.drain().size());
        }
    }

    @Test
    void anApplicationLimitedSenderDoesNotGrowTheWindow() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.run(() -> e.conn().setNoDelay(true));
            int seq = e.sndNxt();
            // One small request at a time, each acknowledged: at most 1 of 10 segments in flight.
            for (int i = 0; i < 20; i++) {
                s.write(e.conn(), "x");
                s.expect().seq(seq).length(1);
                seq++;
                s.inject(s.seg().seq(e.rcvNxt()).ack(seq));
            }
            assertEquals(10 * MSS, s.on(e.conn()::stats).cwnd(), "RFC 7661 4.3: not validated, not grown");
        }
    }

    /**
     * RFC 7661 4.4.3: a sender that keeps far less than half its window in flight (pipeACK <
     * cwnd/2, the non-validated phase, 4.3) keeps cwnd for the non-validated period of five
     * minutes (5), then: cwnd = max(cwnd/2, IW), ssthresh = max(ssthresh, 3/4 cwnd).
     */
    @Test
    void aWindowNotValidatedForFiveMinutesIsHalved() {
        try (TcpScript s = TcpScript.newReno()) {
            var e = s.acceptPlain(1000);
            s.run(() -> e.conn().setNoDelay(true));
            int seq = grow(s, e);
            int cwnd = s.on(e.conn()::stats).cwnd();
            // One byte every 150 ms, acknowledged after 10 ms: never idle for an RTO (at least
            // 200 ms), so RFC 5681 4.1 does not apply; pipeACK is one byte.
            long start = s.nowNanos();
            boolean checkedBefore = false;
            while (s.nowNanos() - start < Duration.ofSeconds(302).toNanos()) {
                s.write(e.conn(), "x");
                s.expect().seq(seq).length(1);
                seq++;
                s.advance(Duration.ofMillis(10));
                s.inject(s.seg().seq(e.rcvNxt()).ack(seq));
                s.advance(Duration.ofMillis(140));
                if (!checkedBefore && s.nowNanos() - start > Duration.ofSeconds(295).toNanos()) {
                    checkedBefore = true;
                    assertEquals(cwnd, s.on(e.conn()::stats).cwnd(), "kept within the NVP");
                }
            }
            var stats = s.on(e.conn()::stats);
            assertEquals(cwnd / 2, stats.cwnd(), "4.4.3: cwnd = max(cwnd/2, IW)");
            assertTrue(stats.ssthresh() >= cwnd * 3 / 4, "4.4.3: ssthresh >= 3/4 cwnd: " + stats.ssthresh());
            assertEquals(0, stats.idleRestarts());
        }
    }

    /**
     * RFC 7661 4.4.1: a loss while the sender is in the non-validated phase ends its recovery
     * with cwnd = ssthresh = (max(pipeACK, LossFlightSize) − R) / 2: here pipeACK is the 10
     * segments acknowledged per round trip, LossFlightSize 4 segments, R the one segment sent
     * again, so 4.5 segments, not NewReno's 2 (RFC 6582 3.2 step 5 from a flight of 4).
     */
    @Test
    void aLossInTheNonValidatedPhaseSetsTheWindowFromPipeAck() {
        try (TcpScript s = TcpScript.newReno()) {
            var e = s.acceptPlain(1000);
            int seq = grow(s, e);
            assertTrue(s.on(e.conn()::stats).cwnd() > 20 * MSS);
            // 10 segments per 100 ms round for 1.5 s: pipeACK = 10 segments, under cwnd/2.
            for (int round = 0; round < 15; round++) {
                s.write(e.conn(), new byte[10 * MSS]);
                assertEquals(10, s.drain().size());
                seq += 10 * MSS;
                s.advance(Duration.ofMillis(50));
                s.inject(s.seg().seq(e.rcvNxt()).ack(seq));
                s.advance(Duration.ofMillis(50));
            }
            s.write(e.conn(), new byte[4 * MSS]);
            assertEquals(4, s.drain().size());
            s.advance(Duration.ofMillis(50));
            // The first of the four is lost: three duplicate ACKs, a fast retransmit.
            for (int i = 0; i < 3; i++) {
                s.inject(s.seg().seq(e.rcvNxt()).ack(seq));
            }
            s.expect().seq(seq).length(MSS);
            s.inject(s.seg().seq(e.rcvNxt()).ack(seq + 4 * MSS));
            var stats = s.on(e.conn()::stats);
            assertEquals(MSS * 9 / 2, stats.cwnd(), "(max(10, 4) - 1) / 2 segments");
            assertEquals(MSS * 9 / 2, stats.ssthresh());
        }
    }
}
