package io.panamax.tcp.state;

import io.panamax.tcp.ConnectionAbortedException;
import io.panamax.tcp.ConnectionResetException;
import io.panamax.tcp.DropReason;
import io.panamax.tcp.TcpState;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.RST;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RST processing in every state (RFC 9293 3.10.7.4 second check, RFC 5961 3) and RST generation. */
class ResetTest {

    @ParameterizedTest
    @EnumSource(value = TcpState.class, names = {"ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"})
    void exactRstClosesInEverySynchronizedState(TcpState state) {
        try (TcpScript s = new TcpScript()) {
            States c = States.in(s, state);
            s.inject(s.seg().rst().seq(c.rcv));
            s.expectNothing();
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(0, s.tcp.connectionCount());
        }
    }

    @ParameterizedTest
    @EnumSource(value = TcpState.class, names = {"ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"})
    void inWindowRstIsChallenged(TcpState state) {
        try (TcpScript s = new TcpScript()) {
            States c = States.in(s, state);
            s.inject(s.seg().rst().seq(c.rcv + 100));
            // RFC 5961 3.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, and the connection stays.
            s.expect().flags(ACK).seq(c.snd).ack(c.rcv);
            assertEquals(state, c.state());
            assertEquals(1, s.tcp.counters().challengeAcks.get());
        }
    }

    @ParameterizedTest
    @EnumSource(value = TcpState.class, names = {"ESTABLISHED", "FIN_WAIT_2", "CLOSE_WAIT", "TIME_WAIT"})
    void outOfWindowRstIsDroppedSilently(TcpState state) {
        try (TcpScript s = new TcpScript()) {
            States c = States.in(s, state);
            s.inject(s.seg().rst().seq(c.rcv + 10_000_000));
            s.inject(s.seg().rst().seq(c.rcv - 1));
            s.expectNothing();
            assertEquals(state, c.state());
            assertEquals(2, s.tcp.counters().drops(DropReason.OUT_OF_WINDOW));
        }
    }

    @Test
    void resetFailsPendingReadsAndLaterWrites() {
        try (TcpScript s = new TcpScript()) {
            States c = States.open(s);
            CompletableFuture<byte[]> read = s.read(c.conn);
            s.inject(s.seg().rst().seq(c.rcv));
            CompletionException e = assertThrows(CompletionException.class, read::join);
            assertInstanceOf(ConnectionResetException.class, e.getCause());
            assertTrue(s.write(c.conn, "x").isCompletedExceptionally());
            assertTrue(s.read(c.conn).isCompletedExceptionally());
            assertEquals(1, s.tcp.counters().resets.get());
        }
    }

    /**
     * Data and the RST after it in one receive burst (a peer that writes, then closes with
     * SO_LINGER 0): the waiting read gets the data, the next read the reset, as from Linux.
     */
    @Test
    void dataArrivingWithTheResetGoesToTheWaitingRead() {
        try (TcpScript s = new TcpScript()) {
            States c = States.open(s);
            CompletableFuture<byte[]> read = s.read(c.conn);
            s.injectTogether(s.seg().seq(c.rcv).ack(c.snd).payload("answer"), s.seg().rst().seq(c.rcv + 6));
            assertEquals("answer", new String(read.join(), java.nio.charset.StandardCharsets.ISO_8859_1));
            CompletionException e = assertThrows(CompletionException.class, s.read(c.conn)::join);
            assertInstanceOf(ConnectionResetException.class, e.getCause());
            assertEquals(TcpState.CLOSED, c.state());
        }
    }

    /** Without a read waiting, what the reset finds unread is dropped (and its buffers freed). */
    @Test
    void unreadDataIsDroppedByTheReset() {
        try (TcpScript s = new TcpScript()) {
            States c = States.open(s);
            s.injectTogether(s.seg().seq(c.rcv).ack(c.snd).payload("unread"), s.seg().rst().seq(c.rcv + 6));
            CompletionException e = assertThrows(CompletionException.class, s.read(c.conn)::join);
            assertInstanceOf(ConnectionResetException.class, e.getCause());
        }
    }

    @Test
    void rstInPassiveSynReceivedForgetsTheHandshake() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1000));
            s.expect().flags(SYN | ACK);
            s.inject(s.seg().rst().seq(1001));
            s.expectNothing();
            assertEquals(0, s.tcp.connectionCount());
            assertEquals(0, s.accepted.size());
            // The listener is still there (RFC 9293: "return to LISTEN").
            s.inject(s.seg().syn().seq(5000));
            s.expect().flags(SYN | ACK).ack(5001);
        }
    }

    @Test
    void badAckInSynReceivedIsAnsweredWithRst() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1000));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1000));
            s.expect().flags(RST).seq(synAck.seq + 1000);
        }
    }

    @Test
    void abortSendsRstAndFailsPendingRead() {
        try (TcpScript s = new TcpScript()) {
            States c = States.open(s);
            CompletableFuture<byte[]> read = s.read(c.conn);
            s.run(c.conn::abort);
            s.expect().flags(RST).seq(c.snd);
            CompletionException e = assertThrows(CompletionException.class, read::join);
            assertInstanceOf(ConnectionAbortedException.class, e.getCause());
            assertEquals(TcpState.CLOSED, c.state());
        }
    }

    @Test
    void synInASynchronizedStateIsChallenged() {
        try (TcpScript s = new TcpScript()) {
            States c = States.open(s);
            // RFC 5961 4.2: whatever its sequence number, in the window or not.
            s.inject(s.seg().syn().seq(c.rcv + 5));
            s.expect().flags(ACK).seq(c.snd).ack(c.rcv);
            assertEquals(TcpState.ESTABLISHED, c.state());
        }
    }

    @Test
    void challengeAcksAreRateLimitedPerShard() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().challengeAckPerSecond(2).build())) {
            States c = States.open(s);
            for (int i = 0; i < 5; i++) {
                s.inject(s.seg().rst().seq(c.rcv + 1 + i));
            }
            s.expect().flags(ACK);
            s.expect().flags(ACK);
            s.expectNothing();
            assertEquals(3, s.tcp.counters().challengeAcksSuppressed.get());
            s.advance(Duration.ofMillis(1001));
            s.inject(s.seg().rst().seq(c.rcv + 9));
            s.expect().flags(ACK);
            assertEquals(TcpState.ESTABLISHED, c.state());
        }
    }

    @Test
    void ackOfUnsentDataIsAnsweredAndDropped() {
        try (TcpScript s = new TcpScript()) {
            States c = States.open(s);
            s.inject(s.seg().seq(c.rcv).ack(c.snd + 1000).payload("data"));
            s.expect().flags(ACK).seq(c.snd).ack(c.rcv);
            assertEquals(1, s.tcp.counters().drops(DropReason.BAD_ACK));
            // The data was not taken.
            s.inject(s.seg().seq(c.rcv).ack(c.snd).payload("data"));
            s.advance(Duration.ofMillis(50));
            s.expect().ack(c.rcv + 4);
        }
    }

    @Test
    void tooOldAckIsChallenged() {
        try (TcpScript s = new TcpScript()) {
            States c = States.open(s);
            // RFC 5961 5.2: SEG.ACK below SND.UNA - MAX.SND.WND (65535 here).
            s.inject(s.seg().seq(c.rcv).ack(c.snd - 70_000).payload("data"));
            s.expect().flags(ACK).ack(c.rcv);
            assertEquals(1, s.tcp.counters().drops(DropReason.BAD_ACK));
        }
    }
}
