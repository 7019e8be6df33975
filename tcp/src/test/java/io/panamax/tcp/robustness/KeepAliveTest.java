package io.panamax.tcp.robustness;

import io.panamax.tcp.ConnectionTimeoutException;
import io.panamax.tcp.TcpState;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletionException;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.RST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Keep-alive (RFC 1122 4.2.3.6): off by default; probes after idle; gives up after unanswered probes. */
class KeepAliveTest {
    private static final long TICK = 2 * 16_384;

    @Test
    void offByDefault() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.advance(Duration.ofHours(3));
            s.expectNothing();
            assertEquals(TcpState.ESTABLISHED, s.on(e.conn()::state));
        }
    }

    @Test
    void probesAfterIdleAndGivesUp() {
        var cfg = TcpScript.baseConfig().keepAlive(true)
                .keepAlive(Duration.ofSeconds(10), Duration.ofSeconds(2), 3).build();
        try (TcpScript s = new TcpScript(cfg)) {
            var e = s.acceptPlain(1000);
            var read = s.read(e.conn());
            long t = s.nowNanos();
            SentSegment p1 = s.expectWithin(Duration.ofSeconds(11)).flags(ACK).seq(e.sndNxt() - 1).ack(e.rcvNxt()).length(0);
            assertEquals(Duration.ofSeconds(10).toNanos(), p1.timeNanos - t, TICK);
            // An answer resets the idle clock.
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()));
            t = s.nowNanos();
            SentSegment p2 = s.expectWithin(Duration.ofSeconds(11)).seq(e.sndNxt() - 1);
            assertEquals(Duration.ofSeconds(10).toNanos(), p2.timeNanos - t, TICK);
            s.expectWithin(Duration.ofSeconds(3)).seq(e.sndNxt() - 1);
            s.expectWithin(Duration.ofSeconds(3)).seq(e.sndNxt() - 1);
            s.expectWithin(Duration.ofSeconds(3)).flags(RST);
            CompletionException x = assertThrows(CompletionException.class, read::join);
            assertInstanceOf(ConnectionTimeoutException.class, x.getCause());
            assertEquals(3, s.tcp.counters().keepAliveProbes.get() - 1);
        }
    }

    @Test
    void perConnectionSwitch() {
        var cfg = TcpScript.baseConfig().keepAlive(Duration.ofSeconds(5), Duration.ofSeconds(1), 2).build();
        try (TcpScript s = new TcpScript(cfg)) {
            var e = s.acceptPlain(1000);
            s.run(() -> e.conn().setKeepAlive(true));
            s.expectWithin(Duration.ofSeconds(6)).seq(e.sndNxt() - 1);
            s.run(() -> e.conn().setKeepAlive(false));
            s.advance(Duration.ofMinutes(1));
            s.expectNothing();
        }
    }
}
