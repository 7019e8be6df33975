package io.panamax.tcp.state;

import io.panamax.tcp.DropReason;
import io.panamax.tcp.SynCookieMode;
import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpListener;
import io.panamax.tcp.TcpState;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static io.panamax.tcp.script.TcpScript.LOCAL_PORT;
import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.RST;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SYN cookies (RFC 4987 3.6) and the SYN and accept queues bounded apart (RFC 4987 3.2-3.4 on
 * what a flood exhausts), encoded as Linux does: MSS table index in the cookie, window scale and
 * SACK-permitted in the SYN-ACK's TSval low bits.
 */
class SynCookieTest {

    private static TcpConfig.Builder config() {
        return TcpScript.baseConfig().synQueueSize(2);
    }

    /** Fills the SYN queue of 2 with half-open connections from ports 50000 and 50001. */
    private static void fillSynQueue(TcpScript s) {
        s.inject(s.seg().syn().seq(1).srcPort(50000));
        s.inject(s.seg().syn().seq(1).srcPort(50001));
        assertEquals(2, s.drain().size(), "two ordinary SYN-ACKs");
    }

    @Test
    void cookieSynAckWhenTheSynQueueIsFull() {
        try (TcpScript s = new TcpScript(config().build())) {
            TcpListener l = s.listen();
            fillSynQueue(s);
            // RFC 4987 3.6: the SYN queue is full, so the SYN-ACK's ISS is a cookie and nothing is kept.
            s.inject(s.seg().syn().seq(1000).window(29200).mss(1460).sackPermitted().ts(5000, 0).windowScale(7));
            SentSegment synAck = s.expect().flags(SYN | ACK).ack(1001).mss(1460).windowScale(7)
                    .sackPermitted(true).tsEcr(5000).window(65535);
            // TSval low 6 bits: | ECN 0 | SACK 1 | WScale 7 | (Linux's layout).
            assertEquals(0x10 | 7, synAck.options.tsVal & 0x3f);
            assertEquals(1, s.tcp.counters().synCookiesSent.get());
            assertEquals(2, s.tcp.connectionCount(), "no state for the cookie");
            assertEquals(2, s.on(l::halfOpenConnections));
        }
    }

    @Test
    void validCookieAckMakesTheConnectionWithItsOptions() {
        try (TcpScript s = new TcpScript(config().build())) {
            s.listen();
            fillSynQueue(s);
            // MSS 1400 goes down to 1300, the next value of the cookie's table.
            s.inject(s.seg().syn().seq(1000).window(29200).mss(1400).sackPermitted().ts(5000, 0).windowScale(7));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).window(1000).ts(5001, synAck.options.tsVal).payload("hello"));
            assertEquals(1, s.accepted.size(), "the cookie ACK completed the handshake");
            TcpConnection c = s.accepted.getFirst();
            assertEquals(TcpState.ESTABLISHED, s.on(c::state));
            assertEquals(1, s.tcp.counters().synCookiesValid.get());
            assertEquals(1300 - 12, s.on(c::maxSegmentSize), "MSS from the cookie, less the timestamps");
            assertEquals(1000L << 7, s.on(c::stats).sendWindow(), "window scale 7 from the TSecr bits");
            assertEquals("hello", new String(s.read(c).join()), "the data on the cookie ACK was kept");
            // Timestamps on: the stack's next TSval does not go back before the cookie's.
            // Its first segment is the (delayed) ACK of the data, not a second SYN-ACK.
            SentSegment ack = s.expectWithin(Duration.ofSeconds(1)).flags(ACK).ack(1006).tsEcr(5001);
            assertTrue(ack.options.tsVal - synAck.options.tsVal >= 0);
            // SACK on: a gap is reported in SACK blocks (RFC 2018).
            s.inject(s.seg().seq(1016).ack(synAck.seq + 1).ts(5002, ack.options.tsVal).payload("later"));
            s.expect().flags(ACK).ack(1006).sack(1016, 1021);
            // The SYN-ACK the rebuilt connection would have sent is not sent again.
            s.expectNothing();
        }
    }

    @Test
    void withoutTimestampsOnlyMssIsRemembered() {
        try (TcpScript s = new TcpScript(config().build())) {
            s.listen();
            fillSynQueue(s);
            s.inject(s.seg().syn().seq(1000).mss(1460).sackPermitted().windowScale(7));
            // No TSval to hold them: window scale and SACK-permitted are not offered (as Linux).
            SentSegment synAck = s.expect().flags(SYN | ACK).mss(1460).noWindowScale().sackPermitted(false).timestamps(false);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).window(5000));
            TcpConnection c = s.accepted.getFirst();
            assertEquals(1460, s.on(c::maxSegmentSize));
            assertEquals(5000, s.on(c::stats).sendWindow(), "no scaling");
        }
    }

    @Test
    void forgedCookieIsRejectedAndCounted() {
        try (TcpScript s = new TcpScript(config().build())) {
            s.listen();
            fillSynQueue(s);
            s.inject(s.seg().syn().seq(1000).mss(1460).srcPort(41000));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            // Off by one in the cookie, or an ACK for another SYN sequence number: not our cookie.
            // Dropped and counted, not answered (a later segment of a real cookie connection whose
            // first segments were lost looks the same, and its retransmission will check).
            s.inject(s.seg().seq(1001).ack(synAck.seq + 2).srcPort(41000));
            s.inject(s.seg().seq(2001).ack(synAck.seq + 1).srcPort(41000));
            s.expectNothing();
            assertEquals(2, s.tcp.counters().synCookiesFailed.get());
            assertEquals(2, s.tcp.counters().drops(DropReason.BAD_SYN_COOKIE));
            assertEquals(0, s.accepted.size());
            assertEquals(2, s.tcp.connectionCount());
            // The right one still works, and so does the first data segment's retransmission
            // after a later segment was dropped.
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).srcPort(41000));
            assertEquals(1, s.accepted.size());
            s.inject(s.seg().syn().seq(7000).mss(1460).srcPort(41001));
            SentSegment other = s.expect().flags(SYN | ACK);
            s.inject(s.seg().seq(7001 + 100).ack(other.seq + 1).srcPort(41001).payload("later"));
            s.expectNothing();
            s.inject(s.seg().seq(7001).ack(other.seq + 1).srcPort(41001).payload("first"));
            assertEquals(2, s.accepted.size());
        }
    }

    @Test
    void retransmittedSynThatFindsRoomKeepsTheCookieAsIss() {
        try (TcpScript s = new TcpScript(config().build())) {
            s.listen();
            s.inject(s.seg().syn().seq(1).srcPort(50000));
            SentSegment first = s.expect().flags(SYN | ACK);
            s.inject(s.seg().syn().seq(1).srcPort(50001));
            s.expect().flags(SYN | ACK);
            s.inject(s.seg().syn().seq(1000).mss(1460).srcPort(41000));
            SentSegment cookie = s.expect().flags(SYN | ACK);
            // A half-open connection goes (reset by its client): there is room again.
            s.inject(s.seg().rst().seq(2).srcPort(50000));
            assertEquals(1, s.tcp.connectionCount());
            // The client's SYN again (its timer ran out while the cookie SYN-ACK was on its way):
            // the half-open connection now made takes the cookie as its ISS, so whichever SYN-ACK
            // the client answers, its ACK fits.
            s.inject(s.seg().syn().seq(1000).mss(1460).srcPort(41000));
            SentSegment again = s.expect().flags(SYN | ACK).ack(1001);
            assertEquals(cookie.seq, again.seq);
            s.inject(s.seg().seq(1001).ack(cookie.seq + 1).srcPort(41000));
            assertEquals(1, s.accepted.size());
            assertEquals(41000, s.accepted.getFirst().remotePort());
            assertTrue(first.seq != cookie.seq);
        }
    }

    @Test
    void staleCookieIsRejected() {
        try (TcpScript s = new TcpScript(config().synCookies(SynCookieMode.ALWAYS).build())) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).srcPort(41000));
            SentSegment old = s.expect().flags(SYN | ACK);
            s.inject(s.seg().syn().seq(3000).srcPort(41001));
            SentSegment recent = s.expect().flags(SYN | ACK);
            assertEquals(0, s.tcp.connectionCount(), "ALWAYS: no SYN keeps state");
            // A cookie lives for two values of the minute counter (Linux's MAX_SYNCOOKIE_AGE).
            s.advance(Duration.ofSeconds(61));
            s.inject(s.seg().seq(3001).ack(recent.seq + 1).srcPort(41001));
            assertEquals(1, s.accepted.size(), "one minute later: still valid");
            s.advance(Duration.ofSeconds(120));
            // Another SYN keeps the listener's cookies recent; the three-minute-old one is stale.
            s.inject(s.seg().syn().seq(5000).srcPort(41002));
            s.expect().flags(SYN | ACK);
            s.inject(s.seg().seq(1001).ack(old.seq + 1).srcPort(41000));
            s.expectNothing();
            assertEquals(1, s.tcp.counters().drops(DropReason.BAD_SYN_COOKIE));
            assertEquals(1, s.accepted.size());
        }
    }

    @Test
    void strayAckWithoutRecentCookiesIsAnOrdinaryReset() {
        try (TcpScript s = new TcpScript(config().build())) {
            s.listen();
            // No cookie was ever sent: the ACK is not looked at as one (Linux's recent-overflow rule).
            s.inject(s.seg().seq(1001).ack(12345));
            s.expect().flags(RST).seq(12345);
            assertEquals(1, s.tcp.counters().drops(DropReason.LISTEN_INVALID));
            assertEquals(0, s.tcp.counters().synCookiesFailed.get());
        }
    }

    @Test
    void cookiesOffDropsTheSynBeyondTheQueue() {
        try (TcpScript s = new TcpScript(config().synCookies(SynCookieMode.OFF).build())) {
            s.listen();
            fillSynQueue(s);
            s.inject(s.seg().syn().seq(1000));
            s.expectNothing();
            assertEquals(1, s.tcp.counters().drops(DropReason.LISTEN_OVERFLOW));
        }
    }

    @Test
    void fullAcceptQueueHoldsHandshakesBack() {
        try (TcpScript s = new TcpScript(config().build())) {
            TcpListener l = s.on(() -> s.tcp.listen(LOCAL_PORT, 1, null));
            s.inject(s.seg().syn().seq(1000).srcPort(41000));
            SentSegment a = s.expect().flags(SYN | ACK);
            s.inject(s.seg().syn().seq(2000).srcPort(41001));
            SentSegment b = s.expect().flags(SYN | ACK);
            s.inject(s.seg().seq(1001).ack(a.seq + 1).srcPort(41000));
            assertEquals(1, s.on(l::acceptQueueLength));
            assertEquals(1, s.on(l::halfOpenConnections));
            // The accept queue (1) is full: a new SYN is dropped unanswered, and so is the other
            // handshake's ACK, which leaves that connection in SYN-RECEIVED.
            s.inject(s.seg().syn().seq(3000).srcPort(41002));
            s.inject(s.seg().seq(2001).ack(b.seq + 1).srcPort(41001));
            s.expectNothing();
            assertEquals(2, s.tcp.counters().drops(DropReason.ACCEPT_QUEUE_FULL));
            assertEquals(1, s.on(l::halfOpenConnections));
            // The application accepts: room again; the client's retransmitted ACK gets in.
            CompletableFuture<TcpConnection> first = s.on(() -> l.accept().toCompletableFuture());
            assertEquals(41000, first.join().remotePort());
            s.inject(s.seg().seq(2001).ack(b.seq + 1).srcPort(41001));
            CompletableFuture<TcpConnection> second = s.on(() -> l.accept().toCompletableFuture());
            assertTrue(second.isDone());
            assertEquals(41001, second.join().remotePort());
            assertEquals(0, s.on(l::pendingConnections));
            assertFalse(s.tcp.counters().synCookiesSent.get() > 0, "the SYN queue never filled");
        }
    }
}
