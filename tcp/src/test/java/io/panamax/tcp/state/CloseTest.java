package io.panamax.tcp.state;

import io.panamax.tcp.ConnectionAbortedException;
import io.panamax.tcp.DropReason;
import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.TcpState;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.FIN;
import static io.panamax.tcp.wire.TcpHeader.RST;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Closing: RFC 9293 3.6 (figures 12-14), 3.10.4, TIME-WAIT (3.10.7.4, RFC 6191), RFC 1122 4.2.2.13. */
class CloseTest {

    @Test
    void activeCloseThroughTimeWait() {
        try (TcpScript s = new TcpScript()) {
            States c = States.open(s);
            CompletableFuture<Void> closed = s.close(c.conn);
            s.expect().flags(FIN | ACK).seq(c.snd).ack(c.rcv);
            c.snd++;
            assertEquals(TcpState.FIN_WAIT_1, c.state());
            assertFalse(closed.isDone(), "close completes when the FIN is acknowledged");
            c.peerAcksOurFin();
            assertEquals(TcpState.FIN_WAIT_2, c.state());
            assertTrue(closed.isDone());
            c.peerFin(c.snd);
            assertEquals(TcpState.TIME_WAIT, c.state());
            // 2·MSL = 60 s by default.
            s.advance(Duration.ofSeconds(59));
            assertEquals(TcpState.TIME_WAIT, c.state());
            s.advance(Duration.ofSeconds(2));
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(0, s.tcp.connectionCount());
            s.expectNothing();
        }
    }

    @Test
    void passiveCloseThroughLastAck() {
        try (TcpScript s = new TcpScript()) {
            States c = States.open(s);
            CompletableFuture<byte[]> read = s.read(c.conn);
            c.peerFin(c.snd);
            assertEquals(TcpState.CLOSE_WAIT, c.state());
            assertEquals(0, read.join().length, "end of stream is an empty packet");
            assertEquals(0, s.read(c.conn).join().length, "and stays so");
            s.write(c.conn, "bye");
            s.expect().flags(ACK).payload("bye");
            c.snd += 3;
            CompletableFuture<Void> closed = s.close(c.conn);
            s.expect().flags(FIN | ACK).seq(c.snd);
            assertEquals(TcpState.LAST_ACK, c.state());
            s.inject(s.seg().seq(c.rcv).ack(c.snd + 1));
            assertEquals(TcpState.CLOSED, c.state());
            assertTrue(closed.isDone() && !closed.isCompletedExceptionally());
            assertEquals(0, s.tcp.connectionCount());
        }
    }

    @Test
    void simultaneousCloseThroughClosing() {
        try (TcpScript s = new TcpScript()) {
            States c = States.in(s, TcpState.CLOSING);
            s.inject(s.seg().seq(c.rcv).ack(c.snd));
            assertEquals(TcpState.TIME_WAIT, c.state());
            s.advance(Duration.ofSeconds(61));
            assertEquals(TcpState.CLOSED, c.state());
        }
    }

    @Test
    void finAndAckOfOurFinTogetherGoStraightToTimeWait() {
        try (TcpScript s = new TcpScript()) {
            States c = States.in(s, TcpState.FIN_WAIT_1);
            s.inject(s.seg().fin().seq(c.rcv).ack(c.snd));
            s.expect().flags(ACK).ack(c.rcv + 1);
            assertEquals(TcpState.TIME_WAIT, c.state());
        }
    }

    @Test
    void halfCloseKeepsReceiving() {
        try (TcpScript s = new TcpScript()) {
            States c = States.open(s);
            CompletableFuture<Void> shut = s.shutdownOutput(c.conn);
            s.expect().flags(FIN | ACK).seq(c.snd);
            c.snd++;
            c.peerAcksOurFin();
            assertTrue(shut.isDone());
            assertEquals(TcpState.FIN_WAIT_2, c.state());
            CompletableFuture<Void> w = s.write(c.conn, "late");
            assertTrue(w.isCompletedExceptionally(), "no writes after shutdownOutput");
            s.inject(s.seg().seq(c.rcv).ack(c.snd).payload("still here"));
            assertArrayEquals("still here".getBytes(), s.read(c.conn).join());
            c.rcv += 10;
            s.inject(s.seg().fin().seq(c.rcv).ack(c.snd));
            s.expect().flags(ACK).ack(c.rcv + 1);
            assertEquals(0, s.read(c.conn).join().length);
            assertEquals(TcpState.TIME_WAIT, c.state());
        }
    }

    @Test
    void retransmittedFinInTimeWaitIsAcknowledgedAndRestartsTheTimer() {
        try (TcpScript s = new TcpScript()) {
            States c = States.in(s, TcpState.TIME_WAIT);
            s.advance(Duration.ofSeconds(30));
            s.inject(s.seg().fin().seq(c.rcv - 1).ack(c.snd));
            s.expect().flags(ACK).seq(c.snd).ack(c.rcv);
            s.advance(Duration.ofSeconds(50));
            assertEquals(TcpState.TIME_WAIT, c.state(), "2 MSL counts again from the retransmitted FIN");
            s.advance(Duration.ofSeconds(11));
            assertEquals(TcpState.CLOSED, c.state());
        }
    }

    @Test
    void timeWaitLengthIsTwiceTheConfiguredMsl() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().msl(Duration.ofSeconds(2)).build())) {
            States c = States.in(s, TcpState.TIME_WAIT);
            s.advance(Duration.ofMillis(3900));
            assertEquals(TcpState.TIME_WAIT, c.state());
            s.advance(Duration.ofMillis(200));
            assertEquals(TcpState.CLOSED, c.state());
        }
    }

    @Test
    void newSynWithHigherSequenceReopensTimeWait() {
        try (TcpScript s = new TcpScript()) {
            States c = States.in(s, TcpState.TIME_WAIT);
            s.inject(s.seg().syn().seq(c.rcv + 100_000));
            SentSegment synAck = s.expect().flags(SYN | ACK).ack(c.rcv + 100_001);
            // The new incarnation starts above everything the old one sent (RFC 1122 4.2.2.13).
            assertEquals(c.snd + 65535 + 2, synAck.seq);
            s.inject(s.seg().seq(c.rcv + 100_001).ack(synAck.seq + 1));
            assertEquals(1, s.accepted.size());
            assertEquals(TcpState.CLOSED, c.state(), "the old incarnation is gone");
        }
    }

    @Test
    void oldSynInTimeWaitIsDroppedSilently() {
        try (TcpScript s = new TcpScript()) {
            States c = States.in(s, TcpState.TIME_WAIT);
            s.inject(s.seg().syn().seq(c.rcv - 50));
            s.expectNothing();
            assertEquals(TcpState.TIME_WAIT, c.state());
            assertEquals(1, s.tcp.counters().drops(DropReason.TIME_WAIT_SYN));
        }
    }

    @Test
    void timeWaitWithTimestampsAcceptsANewerTimestampWhateverTheSequence() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).ts(100, 0));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            int tsv = synAck.options.tsVal;
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).ts(101, tsv));
            var conn = s.accepted.removeFirst();
            s.close(conn);
            s.expect().flags(FIN | ACK);
            s.inject(s.seg().fin().seq(1001).ack(synAck.seq + 2).ts(102, tsv));
            s.expect().flags(ACK).ack(1002);
            assertEquals(TcpState.TIME_WAIT, s.on(conn::state));
            // RFC 6191: a SYN with an older timestamp is dropped, a newer one opens, even with a lower sequence number.
            s.inject(s.seg().syn().seq(5).ts(90, 0));
            s.expectNothing();
            s.inject(s.seg().syn().seq(5).ts(200, 0));
            s.expect().flags(SYN | ACK).ack(6);
        }
    }

    @Test
    void closingWithUnreadDataResets() {
        try (TcpScript s = new TcpScript()) {
            States c = States.open(s);
            s.inject(s.seg().seq(c.rcv).ack(c.snd).payload("unread"));
            s.advance(Duration.ofMillis(100));
            s.expect().flags(ACK).ack(c.rcv + 6);
            CompletableFuture<Void> closed = s.close(c.conn);
            // RFC 1122 4.2.2.13: a RST tells the peer its data was lost.
            s.expect().flags(RST).seq(c.snd);
            CompletionException e = assertThrows(CompletionException.class, closed::join);
            assertInstanceOf(ConnectionAbortedException.class, e.getCause());
            assertEquals(TcpState.CLOSED, c.state());
        }
    }

    @Test
    void dataAfterCloseResets() {
        try (TcpScript s = new TcpScript()) {
            States c = States.in(s, TcpState.FIN_WAIT_2);
            s.inject(s.seg().seq(c.rcv).ack(c.snd).payload("too late"));
            s.expect().flags(RST).seq(c.snd);
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(1, s.tcp.counters().drops(DropReason.AFTER_CLOSE));
        }
    }

    @Test
    void orphanedFinWait2GivesUp() {
        TcpConfig cfg = TcpScript.baseConfig().finWait2Timeout(Duration.ofSeconds(10)).build();
        try (TcpScript s = new TcpScript(cfg)) {
            States c = States.in(s, TcpState.FIN_WAIT_2);
            s.advance(Duration.ofSeconds(9));
            assertEquals(TcpState.FIN_WAIT_2, c.state());
            s.advance(Duration.ofSeconds(2));
            assertEquals(TcpState.CLOSED, c.state());
        }
    }

    @Test
    void finIsRetransmittedUntilAcknowledged() {
        try (TcpScript s = new TcpScript()) {
            States c = States.in(s, TcpState.FIN_WAIT_1);
            long sent = s.nowNanos();
            // The handshake's RTT sample was 0 in virtual time: the RTO is its 200 ms floor.
            SentSegment again = s.expectWithin(Duration.ofSeconds(2)).flags(FIN | ACK).seq(c.snd - 1);
            assertEquals(Duration.ofMillis(200).toNanos(), again.timeNanos - sent, 40_000);
            SentSegment third = s.expectWithin(Duration.ofSeconds(2)).flags(FIN | ACK).seq(c.snd - 1);
            assertEquals(Duration.ofMillis(400).toNanos(), third.timeNanos - again.timeNanos, 40_000);
            c.peerAcksOurFin();
            assertEquals(TcpState.FIN_WAIT_2, c.state());
        }
    }

    @Test
    void finWaitsForQueuedData() {
        try (TcpScript s = new TcpScript()) {
            States c = States.open(s);
            s.run(() -> {
                c.conn.write("a".repeat(536 * 3).getBytes());
                c.conn.close();
            });
            // Initial window 10·536 (RFC 6928) lets all three go, the FIN on the last.
            s.expect().flags(ACK).seq(c.snd).length(536);
            s.expect().flags(ACK).seq(c.snd + 536).length(536);
            s.expect().flags(FIN | ACK).seq(c.snd + 1072).length(536);
            assertEquals(TcpState.FIN_WAIT_1, c.state());
        }
    }
}
