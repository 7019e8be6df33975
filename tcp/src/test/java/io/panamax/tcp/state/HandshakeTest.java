package io.panamax.tcp.state;

import io.panamax.tcp.ConnectionRefusedException;
import io.panamax.tcp.ConnectionTimeoutException;
import io.panamax.tcp.DropReason;
import io.panamax.tcp.LocalPortPolicy;
import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpState;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static io.panamax.tcp.script.TcpScript.LOCAL_PORT;
import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.RST;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opening: RFC 9293 3.5 (figures 6-9), 3.10.7.1-3, option negotiation (RFC 7323, 2018, 6691). */
class HandshakeTest {

    @Test
    void passiveOpenWithAllOptions() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).window(29200).mss(1460).sackPermitted().ts(5000, 0).windowScale(7));
            SentSegment synAck = s.expect().flags(SYN | ACK).ack(1001).mss(1460).windowScale(7)
                    .sackPermitted(true).tsEcr(5000).window(65535);
            assertEquals(0, s.accepted.size(), "not accepted before the handshake completes");
            s.inject(s.seg().ack(synAck.seq + 1).seq(1001).window(1000).ts(5001, synAck.options.tsVal));
            s.expectNothing();
            TcpConnection c = s.accepted.getFirst();
            assertEquals(TcpState.ESTABLISHED, s.on(c::state));
            // MSS 1460 less the 12 bytes of timestamps every segment carries (RFC 6691).
            assertEquals(1448, s.on(c::maxSegmentSize));
            // The peer's window field is scaled by its shift 7 once synchronized (RFC 7323 2.3).
            assertEquals(1000L << 7, s.on(c::stats).sendWindow());
            s.write(c, "x");
            s.expect().flags(ACK).seq(synAck.seq + 1).ack(1001).timestamps(true).tsEcr(5001).payload("x");
        }
    }

    @Test
    void passiveOpenPeerOffersNoOptions() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).window(8192));
            // Only MSS: window scale, timestamps and SACK-permitted only answer an offer (RFC 7323 1.3, RFC 2018 2).
            SentSegment synAck = s.expect().flags(SYN | ACK).ack(1001).mss(1460).noWindowScale()
                    .sackPermitted(false).timestamps(false);
            s.inject(s.seg().ack(synAck.seq + 1).seq(1001).window(8192));
            TcpConnection c = s.accepted.getFirst();
            // No MSS option: 536 (RFC 9293 3.7.1); no scaling: the window is the field as is.
            assertEquals(536, s.on(c::maxSegmentSize));
            assertEquals(8192, s.on(c::stats).sendWindow());
            s.write(c, "y".repeat(1000));
            s.expect().seq(synAck.seq + 1).length(536).noOptions();
            // Nagle holds the short tail while the first segment is unacknowledged.
            s.expectNothing();
            s.inject(s.seg().ack(synAck.seq + 1 + 536).seq(1001).window(8192));
            s.expect().seq(synAck.seq + 1 + 536).length(464).noOptions();
            // Without scaling the advertised window never exceeds 65535.
            s.inject(s.seg().ack(synAck.seq + 1 + 1000).seq(1001).payload("z".repeat(100)));
            s.advance(Duration.ofMillis(50));
            SentSegment ack = s.expect().ack(1101);
            assertTrue(ack.window <= 65535 && ack.window > 0);
        }
    }

    @Test
    void mssIsClampedToThePathMtu() {
        try (TcpScript s = new TcpScript()) {
            s.ip.setMtu(1000);
            s.listen();
            s.inject(s.seg().syn().seq(1000).mss(1460));
            SentSegment synAck = s.expect().flags(SYN | ACK).mss(960);
            s.inject(s.seg().ack(synAck.seq + 1).seq(1001));
            TcpConnection c = s.accepted.getFirst();
            assertEquals(960, s.on(c::maxSegmentSize), "min(peer MSS 1460, MTU 1000 - 40)");
        }
    }

    @Test
    void activeOpenOffersOptionsAndSettlesForNone() {
        try (TcpScript s = new TcpScript()) {
            CompletableFuture<TcpConnection> f = s.connect();
            SentSegment syn = s.expect().flags(SYN).mss(1460).windowScale(7).sackPermitted(true).timestamps(true).tsEcr(0);
            assertTrue(syn.srcPort >= 32768 && syn.srcPort <= 60999, "an ephemeral port");
            assertEquals(TcpScript.REMOTE_PORT, syn.dstPort);
            assertFalse(f.isDone());
            s.localPort = syn.srcPort;
            s.inject(s.seg().syn().seq(7000).ack(syn.seq + 1).window(4000));
            s.expect().flags(ACK).seq(syn.seq + 1).ack(7001).noOptions();
            TcpConnection c = f.join();
            assertEquals(TcpState.ESTABLISHED, s.on(c::state));
            assertEquals(536, s.on(c::maxSegmentSize));
            assertEquals(4000, s.on(c::stats).sendWindow(), "no scaling: the peer did not offer it");
        }
    }

    @Test
    void activeOpenWithWindowScaling() {
        try (TcpScript s = new TcpScript()) {
            CompletableFuture<TcpConnection> f = s.connect();
            SentSegment syn = s.expect().flags(SYN);
            s.localPort = syn.srcPort;
            s.inject(s.seg().syn().seq(7000).ack(syn.seq + 1).window(65535).mss(1400).windowScale(2));
            // The default 4 MiB maximum (autotuning's bound) sets shift 7: 256 KiB >> 7.
            s.expect().flags(ACK).ack(7001).window(262144 >> 7);
            TcpConnection c = f.join();
            // The window of the SYN-ACK itself is not scaled (RFC 7323 2.2).
            assertEquals(65535, s.on(c::stats).sendWindow());
            s.inject(s.seg().seq(7001).ack(syn.seq + 1).window(30000));
            assertEquals(30000L << 2, s.on(c::stats).sendWindow());
            assertEquals(1400, s.on(c::maxSegmentSize));
        }
    }

    @Test
    void windowScaleAbove14IsUsedAs14() {
        try (TcpScript s = new TcpScript()) {
            CompletableFuture<TcpConnection> f = s.connect();
            SentSegment syn = s.expect().flags(SYN);
            s.localPort = syn.srcPort;
            s.inject(s.seg().syn().seq(7000).ack(syn.seq + 1).windowScale(20));
            s.expect().flags(ACK);
            s.inject(s.seg().seq(7001).ack(syn.seq + 1).window(1));
            assertEquals(1L << 14, s.on(() -> f.join().stats().sendWindow()));
        }
    }

    @Test
    void synRetransmissionBacksOffThenTimesOut() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().synRetries(3).build())) {
            CompletableFuture<TcpConnection> f = s.connect();
            SentSegment first = s.expect().flags(SYN);
            long t = first.timeNanos;
            // RFC 6298 2.1/5.5: 1 s before any sample, doubling each time.
            for (long gap : new long[] {1, 2, 4}) {
                SentSegment again = s.expectWithin(Duration.ofSeconds(10)).flags(SYN).seq(first.seq);
                assertEquals(Duration.ofSeconds(gap).toNanos(), again.timeNanos - t, 16_384 * 2, "SYN retransmission gap");
                t = again.timeNanos;
            }
            s.advance(Duration.ofSeconds(9));
            CompletionException e = assertThrows(CompletionException.class, f::join);
            assertInstanceOf(ConnectionTimeoutException.class, e.getCause());
            assertEquals(0, s.tcp.connectionCount());
        }
    }

    @Test
    void connectRefusedByRst() {
        try (TcpScript s = new TcpScript()) {
            CompletableFuture<TcpConnection> f = s.connect();
            SentSegment syn = s.expect().flags(SYN);
            s.localPort = syn.srcPort;
            s.inject(s.seg().rst().seq(0).ack(syn.seq + 1));
            CompletionException e = assertThrows(CompletionException.class, f::join);
            assertInstanceOf(ConnectionRefusedException.class, e.getCause());
            s.expectNothing();
            assertEquals(0, s.tcp.connectionCount());
        }
    }

    @Test
    void synSentIgnoresRstWithoutAcceptableAck() {
        try (TcpScript s = new TcpScript()) {
            CompletableFuture<TcpConnection> f = s.connect();
            SentSegment syn = s.expect().flags(SYN);
            s.localPort = syn.srcPort;
            s.inject(s.seg().rst().seq(0));
            s.inject(s.seg().rst().seq(0).ack(syn.seq + 5));
            assertFalse(f.isDone(), "a RST must acknowledge our SYN to refuse (RFC 5961 3.2)");
            // The unacceptable ACK with RST gets no reply; one without RST gets a RST (RFC 9293 3.10.7.3).
            s.inject(s.seg().seq(0).ack(syn.seq + 5));
            s.expect().flags(RST).seq(syn.seq + 5);
            s.expectNothing();
        }
    }

    @Test
    void simultaneousOpen() {
        try (TcpScript s = new TcpScript()) {
            CompletableFuture<TcpConnection> f = s.connect();
            SentSegment syn = s.expect().flags(SYN);
            s.localPort = syn.srcPort;
            // The peer's SYN crosses ours (RFC 9293 figure 8).
            s.inject(s.seg().syn().seq(3000).mss(1460));
            s.expect().flags(SYN | ACK).seq(syn.seq).ack(3001);
            assertFalse(f.isDone());
            s.inject(s.seg().syn().seq(3000).ack(syn.seq + 1).mss(1460));
            s.expect().flags(ACK).seq(syn.seq + 1).ack(3001);
            TcpConnection c = f.join();
            assertEquals(TcpState.ESTABLISHED, s.on(c::state));
        }
    }

    @Test
    void duplicateSynInSynReceivedResendsSynAck() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1000));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            s.inject(s.seg().syn().seq(1000));
            s.expect().flags(SYN | ACK).seq(synAck.seq).ack(1001);
        }
    }

    @Test
    void synAckRetransmittedThenHalfOpenConnectionGivesUp() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().synRetries(2).build())) {
            s.listen();
            s.inject(s.seg().syn().seq(1000));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            s.expectWithin(Duration.ofSeconds(2)).flags(SYN | ACK).seq(synAck.seq);
            s.expectWithin(Duration.ofSeconds(3)).flags(SYN | ACK).seq(synAck.seq);
            s.advance(Duration.ofSeconds(10));
            s.expectNothing();
            assertEquals(0, s.tcp.connectionCount());
            assertEquals(0, s.accepted.size());
        }
    }

    @Test
    void segmentsForNoConnectionAreAnsweredWithRst() {
        try (TcpScript s = new TcpScript()) {
            // RFC 9293 3.10.7.1: ACK off → <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
            s.inject(s.seg().syn().seq(500));
            s.expect().flags(RST | ACK).seq(0).ack(501).noOptions();
            s.inject(s.seg().seq(500).payload("abc"));
            s.expect().flags(RST | ACK).seq(0).ack(503);
            // ACK on → <SEQ=SEG.ACK><CTL=RST>.
            s.inject(s.seg().seq(500).ack(9999));
            s.expect().flags(RST).seq(9999);
            // A RST is never answered.
            s.inject(s.seg().rst().seq(500));
            s.expectNothing();
            assertEquals(4, s.tcp.counters().drops(DropReason.NO_CONNECTION));
        }
    }

    @Test
    void listenerRules() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            // RFC 9293 3.10.7.2: RST ignored; ACK answered with <SEQ=SEG.ACK><CTL=RST>; no SYN dropped.
            s.inject(s.seg().rst().seq(1));
            s.expectNothing();
            s.inject(s.seg().seq(1).ack(777));
            s.expect().flags(RST).seq(777);
            s.inject(s.seg().seq(1).payload("x"));
            s.expectNothing();
            assertEquals(3, s.tcp.counters().drops(DropReason.LISTEN_INVALID));
            // SYN with FIN is not a real connection request.
            s.inject(s.seg().syn().fin().seq(1));
            s.expectNothing();
            assertEquals(1, s.tcp.counters().drops(DropReason.BAD_FLAGS));
        }
    }

    @Test
    void isnsDependOnTheFourTupleAndTheClock() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1));
            SentSegment a = s.expect();
            s.inject(s.seg().syn().seq(1).srcPort(40001));
            SentSegment b = s.expect();
            assertTrue(a.seq != b.seq, "different 4-tuples, different ISNs (RFC 6528)");
            assertEquals(LOCAL_PORT, a.srcPort);
        }
    }

    @Test
    void localPortsAreChosenInOrderSkippingUsedOnes() {
        TcpConfig cfg = TcpScript.baseConfig().ephemeralPorts(50000, 50002).build();
        try (TcpScript s = new TcpScript(cfg)) {
            s.on(() -> s.tcp.listen(50001, c -> { }));
            s.connect();
            assertEquals(50000, s.expect().srcPort);
            s.connect();
            assertEquals(50002, s.expect().srcPort, "50001 has a listener");
            CompletableFuture<TcpConnection> third = s.connect();
            assertTrue(third.isCompletedExceptionally(), "range exhausted towards this peer");
            // Another peer can reuse the same local port (the 4-tuple is what must be unique).
            s.connect(TcpScript.REMOTE_IP + 1, TcpScript.REMOTE_PORT);
            assertEquals(50000, s.expect().srcPort);
        }
    }

    @Test
    void thePortPolicyHearsWhenItsPortIsFreeAgainAfterTimeWait() {
        List<Integer> released = new ArrayList<>();
        LocalPortPolicy policy = new LocalPortPolicy() {
            @Override
            public int choose(int localIp, int remoteIp, int remotePort, PortUsage ports) {
                return 44444;
            }

            @Override
            public void release(int localIp, int localPort, int remoteIp, int remotePort) {
                released.add(localPort);
            }
        };
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().build(), policy)) {
            var e = s.connectPlain(9000);
            assertEquals(44444, s.localPort);
            s.close(e.conn());
            s.expect().flags(io.panamax.tcp.wire.TcpHeader.FIN | ACK);
            s.inject(s.seg().fin().seq(e.rcvNxt()).ack(e.sndNxt() + 1));
            s.expect().flags(ACK);
            assertEquals(TcpState.TIME_WAIT, s.on(e.conn()::state));
            assertTrue(released.isEmpty(), "the 4-tuple is still taken in TIME-WAIT");
            s.advance(Duration.ofSeconds(61));
            assertEquals(List.of(44444), released);
        }
    }
}
