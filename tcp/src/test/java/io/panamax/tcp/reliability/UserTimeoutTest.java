package io.panamax.tcp.reliability;

import io.panamax.tcp.ConnectionTimeoutException;
import io.panamax.tcp.TcpState;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.RST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The user timeout (RFC 9293 3.10.1's USER TIMEOUT with RFC 5482 2's semantics, as Linux's
 * TCP_USER_TIMEOUT): data that stays unacknowledged, or waits on a closed window, for longer
 * aborts the connection at that moment, whatever the retransmission count.
 */
class UserTimeoutTest {
    /** Timer wheel ticks, accumulated over a few re-arms. */
    private static final long TICK = 8 * 16_384;

    private static ConnectionTimeoutException failure(CompletableFuture<byte[]> read) {
        CompletionException x = assertThrows(CompletionException.class, read::join);
        return assertInstanceOf(ConnectionTimeoutException.class, x.getCause());
    }

    /** RFC 5482 2: retransmissions at 200, 600 and 1400 ms; the fourth would be at 3 s, the RST comes at 1.5 s. */
    @Test
    void dataUnacknowledgedForTheUserTimeoutAbortsAtThatMoment() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.run(() -> e.conn().setUserTimeout(Duration.ofMillis(1500)));
            assertEquals(Duration.ofMillis(1500), s.on(e.conn()::userTimeout));
            CompletableFuture<byte[]> read = s.read(e.conn());
            s.write(e.conn(), "data");
            long t0 = s.expect().seq(e.sndNxt()).payload("data").timeNanos;
            for (long ms : new long[] {200, 600, 1400}) {
                SentSegment again = s.expectWithin(Duration.ofSeconds(5)).flags(ACK).payload("data");
                assertEquals(Duration.ofMillis(ms).toNanos(), again.timeNanos - t0, TICK);
            }
            SentSegment rst = s.expectWithin(Duration.ofSeconds(5)).flags(RST);
            assertEquals(Duration.ofMillis(1500).toNanos(), rst.timeNanos - t0, TICK, "aborted at the user timeout");
            ConnectionTimeoutException x = failure(read);
            assertTrue(x.getMessage().contains("user timeout 1500 ms"), x.getMessage());
            assertEquals(TcpState.CLOSED, s.on(e.conn()::state));
            assertEquals(3, s.on(e.conn()::stats).retransmits(), "far fewer than maxRetransmits (15)");
        }
    }

    /** The default from TcpConfig; an ACK of new data restarts the wait for what remains outstanding. */
    @Test
    void anAcknowledgmentOfNewDataRestartsTheUserTimeout() {
        var cfg = TcpScript.baseConfig().userTimeout(Duration.ofSeconds(1)).build();
        try (TcpScript s = new TcpScript(cfg)) {
            var e = s.acceptPlain(1000);
            assertEquals(Duration.ofSeconds(1), s.on(e.conn()::userTimeout));
            CompletableFuture<byte[]> read = s.read(e.conn());
            s.run(() -> e.conn().setNoDelay(true));
            s.write(e.conn(), "a");
            s.write(e.conn(), "b");
            long t0 = s.nowNanos();
            s.advance(Duration.ofMillis(800));
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 1));
            assertEquals(TcpState.ESTABLISHED, s.on(e.conn()::state), "1 s after the first send, but 'a' was acknowledged");
            s.advance(Duration.ofSeconds(5));
            List<SentSegment> sent = s.drain();
            SentSegment rst = sent.getLast();
            assertTrue(rst.has(RST), "the connection is reset: " + sent);
            assertEquals(Duration.ofMillis(1800).toNanos(), rst.timeNanos - t0, TICK, "1 s after the ACK at 800 ms");
            failure(read);
        }
    }

    /**
     * A peer that answers every zero-window probe but keeps its window closed (RFC 9293 3.8.6.1:
     * probing goes on while it answers) is given the user timeout from the first probe, as Linux
     * does; without one it is probed for ever.
     */
    @Test
    void aWindowClosedForTheUserTimeoutAbortsTheConnection() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.run(() -> e.conn().setUserTimeout(Duration.ofSeconds(3)));
            CompletableFuture<byte[]> read = s.read(e.conn());
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).window(0));
            s.write(e.conn(), "zero window");
            long firstProbe = -1;
            while (true) {
                SentSegment x = s.expectWithin(Duration.ofSeconds(10));
                if (x.has(RST)) {
                    assertEquals(Duration.ofSeconds(3).toNanos(), x.timeNanos - firstProbe, TICK);
                    break;
                }
                x.seq(e.sndNxt()).payload("z");
                if (firstProbe < 0) {
                    firstProbe = x.timeNanos;
                }
                s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).window(0));
            }
            assertTrue(failure(read).getMessage().contains("stayed closed"));
        }
    }
}
