package io.panamax.tcp.congestion;

import io.panamax.ip.wire.Ipv4Header;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpConnectionStats;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.CWR;
import static io.panamax.tcp.wire.TcpHeader.ECE;
import static io.panamax.tcp.wire.TcpHeader.FIN;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Explicit Congestion Notification in TCP (RFC 3168 6.1), as packet scripts. */
class EcnTest {
    private static final int PEER_ISN = 5000;
    /** The peer sends no MSS option: the stack sends segments of 536 bytes (RFC 9293 3.7.1). */
    private static final int MSS = 536;

    private static TcpScript ecnScript() {
        return new TcpScript(TcpScript.baseConfig().ecn(true).build());
    }

    /** RFC 3168 6.1.1: an ECN-setup SYN (ECE and CWR) answered by an ECN-setup SYN-ACK (ECE only). */
    private static TcpScript.Established acceptEcn(TcpScript s) {
        s.listen();
        s.inject(s.seg().syn().ece().cwr().seq(PEER_ISN));
        SentSegment synAck = s.expect().flags(SYN | ACK | ECE).ipEcn(Ipv4Header.ECN_NOT_ECT);
        s.inject(s.seg().seq(PEER_ISN + 1).ack(synAck.seq + 1));
        s.expectNothing();
        TcpConnection c = s.accepted.removeFirst();
        assertTrue(s.on(c::ecn), "ECN negotiated");
        return new TcpScript.Established(c, synAck.seq, PEER_ISN);
    }

    @Test
    void anActiveOpenOffersEcnAndUsesItWhenTheSynAckAgrees() {
        try (TcpScript s = ecnScript()) {
            CompletableFuture<TcpConnection> f = s.connect();
            // 6.1.1: SYN with ECE and CWR; 6.1.1: a SYN is never ECN-capable itself.
            SentSegment syn = s.expect().flags(SYN | ECE | CWR).ipEcn(Ipv4Header.ECN_NOT_ECT);
            s.localPort = syn.srcPort;
            s.inject(s.seg().syn().ece().ack(syn.seq + 1).seq(PEER_ISN));
            s.expect().flags(ACK).ipEcn(Ipv4Header.ECN_NOT_ECT);
            TcpConnection c = f.join();
            assertTrue(s.on(c::ecn));
            // 6.1.2: data is sent ECT(0); 6.1.4: a pure ACK is not.
            s.write(c, "data");
            s.expect().flags(ACK).payload("data").ipEcn(Ipv4Header.ECN_ECT0);
            s.inject(s.seg().seq(PEER_ISN + 1).ack(syn.seq + 5).payload("reply"));
            s.expectWithin(Duration.ofSeconds(1)).flags(ACK).length(0).ipEcn(Ipv4Header.ECN_NOT_ECT);
        }
    }

    @Test
    void aSynAckWithoutEceOrWithCwrLeavesEcnOff() {
        for (boolean withCwr : new boolean[] {false, true}) {
            try (TcpScript s = ecnScript()) {
                CompletableFuture<TcpConnection> f = s.connect();
                SentSegment syn = s.expect().flags(SYN | ECE | CWR);
                s.localPort = syn.srcPort;
                var synAck = s.seg().syn().ack(syn.seq + 1).seq(PEER_ISN);
                // ECE and CWR both set is what a peer that reflects the flags sends: not ECN-setup (6.1.1).
                s.inject(withCwr ? synAck.ece().cwr() : synAck);
                s.expect().flags(ACK);
                TcpConnection c = f.join();
                assertFalse(s.on(c::ecn));
                s.write(c, "data");
                s.expect().payload("data").ipEcn(Ipv4Header.ECN_NOT_ECT);
            }
        }
    }

    @Test
    void aRetransmittedSynNoLongerOffersEcn() {
        try (TcpScript s = ecnScript()) {
            CompletableFuture<TcpConnection> f = s.connect();
            SentSegment syn = s.expect().flags(SYN | ECE | CWR);
            s.localPort = syn.srcPort;
            // 6.1.1.1: the ECN-setup SYN may have been dropped by a middlebox; try without.
            s.expectWithin(Duration.ofSeconds(5)).flags(SYN).seq(syn.seq);
            s.inject(s.seg().syn().ece().ack(syn.seq + 1).seq(PEER_ISN));
            s.expect().flags(ACK);
            assertFalse(s.on(f.join()::ecn), "the SYN that was answered did not offer ECN");
        }
    }

    @Test
    void aListenerWithEcnOffAnswersAnEcnSetupSynWithoutIt() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().ece().cwr().seq(PEER_ISN));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            s.inject(s.seg().seq(PEER_ISN + 1).ack(synAck.seq + 1));
            TcpConnection c = s.accepted.removeFirst();
            assertFalse(s.on(c::ecn));
            s.write(c, "data");
            s.expect().payload("data").ipEcn(Ipv4Header.ECN_NOT_ECT);
        }
    }

    @Test
    void ceIsEchoedOnEveryAckUntilCwr() {
        try (TcpScript s = ecnScript()) {
            var e = acceptEcn(s);
            int rcv = e.rcvNxt();
            // 6.1.3: CE on arrival: ECE on the ACK, sent at once (not delayed).
            s.inject(s.seg().seq(rcv).ack(e.sndNxt()).payload("aaaa").ce());
            s.expect().flags(ACK | ECE).ack(rcv + 4);
            // Later data without CE: still ECE, until the sender says it reduced (CWR).
            s.inject(s.seg().seq(rcv + 4).ack(e.sndNxt()).payload("bbbb"));
            s.expectWithin(Duration.ofSeconds(1)).flags(ACK | ECE).ack(rcv + 8);
            s.inject(s.seg().seq(rcv + 8).ack(e.sndNxt()).cwr().payload("cccc"));
            s.expectWithin(Duration.ofSeconds(1)).flags(ACK).ack(rcv + 12);
            assertEquals(1L, metric(s, "tcp_ecn_ce_received_total"));
            assertEquals(2L, metric(s, "tcp_ecn_ece_sent_total"), "the two ACKs before CWR");
            assertEquals(1L, metric(s, "tcp_ecn_connections_total"));
            // As /metrics shows them: per shard and summed.
            String text = s.reactor.metrics().toPrometheusText();
            assertTrue(text.contains("tcp_ecn_ece_sent_total{shard=\"all\"} 2\n"), text);
            assertTrue(text.contains("tcp_ecn_ce_received_total{shard=\"0\"} 1\n"), text);
        }
    }

    @Test
    void anEcnEchoReducesTheWindowOncePerWindowWithoutRetransmittingAndCwrFollows() {
        try (TcpScript s = ecnScript()) {
            var e = acceptEcn(s);
            TcpConnection c = e.conn();
            int base = e.sndNxt();
            s.write(c, new byte[30 * MSS]);
            List<SentSegment> first = s.drain();
            assertEquals(10, first.size(), "the initial window, 10 segments (RFC 6928)");
            for (SentSegment x : first) {
                x.ipEcn(Ipv4Header.ECN_ECT0);
                assertFalse(x.has(CWR), "no CWR before any reduction: " + x);
            }
            TcpConnectionStats before = s.on(c::stats);
            assertEquals(Integer.MAX_VALUE, before.ssthresh());
            // 6.1.2: the ECN-Echo for segment 0 halves (CUBIC: ×0.7) the window, as a loss would.
            s.inject(s.seg().seq(e.rcvNxt()).ack(base + MSS).ece());
            TcpConnectionStats after = s.on(c::stats);
            assertTrue(after.ssthresh() < before.cwnd(), "ssthresh " + after.ssthresh() + " below cwnd " + before.cwnd());
            assertEquals(after.ssthresh(), after.cwnd());
            assertEquals(0, after.retransmits(), "no retransmission for a congestion mark");
            assertEquals(1L, (long) s.on(() -> s.tcp.counters().ecnReductions.get()));
            // The receiver echoes until it sees CWR: more ECE ACKs within the same window reduce nothing.
            int ack = base + MSS;
            SentSegment cwr = null;
            for (int i = 1; i < 10; i++) {
                ack += MSS;
                s.inject(s.seg().seq(e.rcvNxt()).ack(ack).ece());
                for (SentSegment x : s.drain()) {
                    assertTrue(x.seq - base >= 10 * MSS, "only new data goes out: " + x);
                    x.ipEcn(Ipv4Header.ECN_ECT0);
                    if (cwr == null) {
                        cwr = x;
                        assertTrue(x.has(CWR), "the first new data after the reduction carries CWR: " + x);
                    } else {
                        assertFalse(x.has(CWR), "CWR once: " + x);
                    }
                }
            }
            assertTrue(cwr != null, "new data was sent");
            assertEquals(1L, (long) s.on(() -> s.tcp.counters().ecnReductions.get()), "one reduction per window of data");
            assertEquals(10L, metric(s, "tcp_ecn_ece_received_total"), "every ECE counts, reducing or not");
            assertEquals(1L, metric(s, "tcp_ecn_cwr_sent_total"));
            assertEquals(0L, metric(s, "tcp_ecn_ece_sent_total"));
            assertEquals(0, s.on(c::stats).retransmits());
            // An ECE for data sent after the reduction is a new congestion signal (next window).
            int ssthresh = s.on(c::stats).ssthresh();
            s.inject(s.seg().seq(e.rcvNxt()).ack(cwr.seq + MSS).ece());
            assertEquals(2L, (long) s.on(() -> s.tcp.counters().ecnReductions.get()));
            assertTrue(s.on(c::stats).ssthresh() < ssthresh);
            assertEquals(11L, metric(s, "tcp_ecn_ece_received_total"));
            long cwrs = s.drain().stream().filter(x -> x.has(CWR)).count();
            assertEquals(1L + cwrs, metric(s, "tcp_ecn_cwr_sent_total"), "one per CWR segment");
        }
    }

    @Test
    void retransmissionsAreNotEcnCapable() {
        try (TcpScript s = ecnScript()) {
            var e = acceptEcn(s);
            s.write(e.conn(), "data");
            s.expect().payload("data").ipEcn(Ipv4Header.ECN_ECT0);
            // 6.1.5: the timeout's retransmission goes Not-ECT.
            s.expectWithin(Duration.ofSeconds(2)).payload("data").ipEcn(Ipv4Header.ECN_NOT_ECT);
        }
    }

    @Test
    void anEcnEchoAtAWindowOfOneSegmentHoldsNewDataUntilTheRetransmissionTimerExpires() {
        try (TcpScript s = ecnScript()) {
            var e = acceptEcn(s);
            TcpConnection c = e.conn();
            int base = e.sndNxt();
            s.write(c, "data");
            s.expect().payload("data").ipEcn(Ipv4Header.ECN_ECT0);
            // The timeout leaves cwnd at one segment (RFC 5681 eq. 4).
            s.expectWithin(Duration.ofSeconds(2)).payload("data").ipEcn(Ipv4Header.ECN_NOT_ECT);
            assertEquals(MSS, s.on(c::stats).cwnd());
            // 6.1.2: "if the congestion window consists of only one MSS ... the TCP source also
            // resets the retransmit timer on receiving the ECN-Echo packet ... The sending TCP
            // will then be able to send a new packet only when the retransmit timer expires."
            s.inject(s.seg().seq(e.rcvNxt()).ack(base + 4).ece());
            s.write(c, new byte[3 * MSS]);
            s.expectNothing();
            TcpConnectionStats held = s.on(c::stats);
            assertEquals(MSS, held.cwnd(), "the window stays at one segment (a loss's reduction would make it two)");
            assertEquals(2 * MSS, held.ssthresh(), "ssthresh as halving sets it: max(FlightSize / 2, 2 SMSS)");
            assertEquals(1L, (long) s.on(() -> s.tcp.counters().ecnReductions.get()));
            long start = s.nowNanos();
            SentSegment next = s.expectWithin(Duration.ofSeconds(2));
            long waited = s.nowNanos() - start;
            assertTrue(waited >= held.rtoNanos(), "new data waited for the RTO (" + held.rtoNanos() + " ns): " + waited + " ns");
            next.seq(base + 4).length(MSS).ipEcn(Ipv4Header.ECN_ECT0);
            assertTrue(next.has(CWR), "the new segment after the reduction carries CWR: " + next);
            s.expectNothing();   // cwnd is one segment
            assertEquals(1L, s.on(c::stats).timeouts(), "the held timer's expiry is no timeout: nothing was unacknowledged");
            // Its ACK (no ECE) lets the window grow again.
            s.inject(s.seg().seq(e.rcvNxt()).ack(base + 4 + MSS));
            assertEquals(2, s.drain().size(), "slow start: two segments for one acknowledged");
        }
    }

    @Test
    void fastRetransmissionsAreNotEcnCapableAndCarryNoCwr() {
        try (TcpScript s = ecnScript()) {
            var e = acceptEcn(s);
            int base = e.sndNxt();
            s.write(e.conn(), new byte[10 * MSS]);
            assertEquals(10, s.drain().size());
            // Three duplicate ACKs with ECE (the CE that marked the lost segment's neighbour):
            // 6.1.5: the fast retransmission goes Not-ECT, and CWR rides only on new data (6.1.2).
            SentSegment resent = null;
            for (int i = 0; i < 3; i++) {
                s.inject(s.seg().seq(e.rcvNxt()).ack(base).ece());
                for (SentSegment x : s.drain()) {
                    if (x.seq == base) {
                        resent = x;
                        x.ipEcn(Ipv4Header.ECN_NOT_ECT);
                        assertFalse(x.has(CWR), "no CWR on a retransmission: " + x);
                    } else {
                        assertTrue(x.seq - base >= 10 * MSS, "new data (limited transmit): " + x);
                        x.ipEcn(Ipv4Header.ECN_ECT0);
                    }
                }
            }
            assertTrue(resent != null, "the third duplicate ACK retransmitted the first segment");
            assertEquals(1, s.on(e.conn()::stats).fastRetransmits());
        }
    }

    @Test
    void zeroWindowProbesBareFinsAndResetsAreNotEcnCapable() {
        try (TcpScript s = ecnScript()) {
            var e = acceptEcn(s);
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).window(0));
            s.write(e.conn(), "zw");
            // 6.1.6: a window probe is not ECN-capable (a dropped probe must not look like congestion).
            s.expectWithin(Duration.ofSeconds(5)).seq(e.sndNxt()).payload("z").ipEcn(Ipv4Header.ECN_NOT_ECT);
            // The window opens: the rest is new data, ECT(0).
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 1).window(1000));
            s.expect().seq(e.sndNxt() + 1).payload("w").ipEcn(Ipv4Header.ECN_ECT0);
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 2).window(1000));
            // 6.1.4 and Linux: only segments with data are ECN-capable, so a bare FIN is not.
            s.close(e.conn());
            s.expect().flags(ACK | FIN).length(0).ipEcn(Ipv4Header.ECN_NOT_ECT);
        }
        try (TcpScript s = ecnScript()) {
            var e = acceptEcn(s);
            s.run(e.conn()::abort);
            s.expect().isRst().ipEcn(Ipv4Header.ECN_NOT_ECT);
        }
    }

    /** A counter of the script's shard summed as /metrics sums it (the reactor's registry). */
    private static long metric(TcpScript s, String name) {
        return s.on(() -> s.reactor.metrics().total(name));
    }

    /** A listener with ECN on and a SYN queue of 2, filled by two half-open connections: the next SYN gets a cookie. */
    private static TcpScript cookieScript() {
        TcpScript s = new TcpScript(TcpScript.baseConfig().ecn(true).synQueueSize(2).build());
        s.listen();
        s.inject(s.seg().syn().seq(1).srcPort(50000));
        s.inject(s.seg().syn().seq(1).srcPort(50001));
        assertEquals(2, s.drain().size(), "two ordinary SYN-ACKs fill the SYN queue");
        return s;
    }

    @Test
    void aSynCookieConnectionKeepsEcnInTheCookiesTimestamp() {
        try (TcpScript s = cookieScript()) {
            // RFC 4987 3.6 with RFC 3168 6.1.1: the ECN-setup SYN is answered by a cookie SYN-ACK
            // that agrees (ECE only), and remembers it in its TSval's bit 5 (Linux's layout).
            s.inject(s.seg().syn().ece().cwr().seq(1000).mss(1460).ts(5000, 0));
            SentSegment synAck = s.expect().flags(SYN | ACK | ECE).ipEcn(Ipv4Header.ECN_NOT_ECT).tsEcr(5000);
            assertEquals(1L, (long) s.on(() -> s.tcp.counters().synCookiesSent.get()));
            assertEquals(1 << 5, synAck.options.tsVal & (1 << 5), "ECN bit in the cookie's TSval");
            // The third ACK echoes the TSval: the connection is rebuilt ECN-capable.
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).ts(5001, synAck.options.tsVal));
            assertEquals(1, s.accepted.size());
            TcpConnection c = s.accepted.removeFirst();
            assertTrue(s.on(c::ecn), "ECN negotiated through the cookie");
            assertEquals(1L, (long) s.on(() -> s.tcp.counters().ecnConnections.get()));
            // 6.1.2: its data goes ECT(0); 6.1.3: a CE is echoed.
            s.write(c, "data");
            SentSegment data = s.expect().payload("data").ipEcn(Ipv4Header.ECN_ECT0);
            s.inject(s.seg().seq(1001).ack(data.seq + 4).ts(5002, data.options.tsVal).payload("ce").ce());
            s.expect().flags(ACK | ECE).ack(1003).ipEcn(Ipv4Header.ECN_NOT_ECT);
        }
    }

    @Test
    void aSynCookieWithoutTimestampsOffersNoEcn() {
        try (TcpScript s = cookieScript()) {
            // No TSval to remember it in: the cookie SYN-ACK does not agree to ECN (as Linux).
            s.inject(s.seg().syn().ece().cwr().seq(1000).mss(1460));
            SentSegment synAck = s.expect().flags(SYN | ACK).timestamps(false);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1));
            TcpConnection c = s.accepted.removeFirst();
            assertFalse(s.on(c::ecn));
            s.write(c, "data");
            s.expect().payload("data").ipEcn(Ipv4Header.ECN_NOT_ECT);
        }
    }

    @Test
    void aCookieAckClaimingEcnAtAListenerWithoutEcnIsNotACookie() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().synQueueSize(2).build())) {
            s.listen();
            s.inject(s.seg().syn().seq(1).srcPort(50000));
            s.inject(s.seg().syn().seq(1).srcPort(50001));
            s.drain();
            s.inject(s.seg().syn().ece().cwr().seq(1000).mss(1460).ts(5000, 0));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            assertEquals(0, synAck.options.tsVal & (1 << 5), "ECN off: no ECN bit");
            // An ACK whose TSecr has the ECN bit this listener never sets was not answered by it
            // (Linux's cookie_ecn_ok): dropped, then the true echo opens the connection.
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).ts(5001, synAck.options.tsVal | (1 << 5)));
            s.expectNothing();
            assertEquals(1L, (long) s.on(() -> s.tcp.counters().synCookiesFailed.get()));
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).ts(5001, synAck.options.tsVal));
            assertFalse(s.on(s.accepted.removeFirst()::ecn));
        }
    }
}
