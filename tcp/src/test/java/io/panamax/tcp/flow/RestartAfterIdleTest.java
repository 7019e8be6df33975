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
 * RW = min(IW, cwnd) instead of sending a whole old window in one burst; and RFC 7661 4.3: a
 * window the sender did not use does not grow.
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
}
