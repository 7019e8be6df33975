package io.panamax.tcp.reliability;

import io.panamax.tcp.ConnectionTimeoutException;
import io.panamax.tcp.DropReason;
import io.panamax.tcp.TcpConnection;
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
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TCP User Timeout Option (RFC 5482, kind 28) as packet scripts: sent on the SYN and on the
 * first segment after it (3), a peer's honoured within L_LIMIT and U_LIMIT (3.1), not when the
 * application chose the timeout (CHANGEABLE), and nothing of it unless enabled (ENABLED).
 */
class UserTimeoutOptionTest {
    private static final int PEER_ISN = 7000;
    /** G = 1: the 15 bits count minutes (RFC 5482 3). */
    private static final int MINUTES = 0x8000;
    /** Timer wheel ticks, accumulated over a few re-arms. */
    private static final long TICK = 8 * 16_384;

    private static TcpScript utoScript(Duration userTimeout) {
        return new TcpScript(TcpScript.baseConfig().userTimeoutOption(true).userTimeout(userTimeout).build());
    }

    /** Passive open from a peer whose SYN carries a User Timeout option of {@code peerUto} (its 16 bits). */
    private static TcpScript.Established acceptWithUto(TcpScript s, int peerUto, int expectedSynAckUto) {
        s.listen();
        s.inject(s.seg().syn().seq(PEER_ISN).window(65535).userTimeout(peerUto));
        SentSegment synAck = s.expect().flags(SYN | ACK).userTimeout(expectedSynAckUto);
        s.inject(s.seg().seq(PEER_ISN + 1).ack(synAck.seq + 1).window(65535));
        s.expectNothing();
        return new TcpScript.Established(s.accepted.removeFirst(), synAck.seq, PEER_ISN);
    }

    @Test
    void anActiveOpenSendsItsUserTimeoutOnTheSynAndTheFirstSegmentAfterIt() {
        try (TcpScript s = utoScript(Duration.ofSeconds(200))) {
            CompletableFuture<TcpConnection> f = s.connect();
            // 3.1: on the SYN; 200 s in seconds (G = 0).
            SentSegment syn = s.expect().flags(SYN).userTimeout(200);
            s.localPort = syn.srcPort;
            s.inject(s.seg().syn().ack(syn.seq + 1).seq(PEER_ISN).window(65535));
            // 3.1: and on the first non-SYN segment, in case a middlebox stripped it from the SYN.
            s.expect().flags(ACK).length(0).userTimeout(200);
            TcpConnection c = f.join();
            s.write(c, "data");
            s.expect().payload("data").userTimeout(-1);
            assertEquals(Duration.ofSeconds(200), s.on(c::userTimeout), "no option from the peer: unchanged");
        }
    }

    @Test
    void aPeersLongerTimeoutIsTakenAndTheFirstDataSegmentCarriesOurs() {
        try (TcpScript s = utoScript(Duration.ofSeconds(120))) {
            var e = acceptWithUto(s, 600, 120);
            // 3.1: USER_TIMEOUT = min(U_LIMIT, max(ADV_UTO, REMOTE_UTO, L_LIMIT)) = min(1800, max(120, 600, 100)).
            assertEquals(Duration.ofSeconds(600), s.on(e.conn()::userTimeout));
            // The passive side's first non-SYN segment is its first data here: the option rides on it.
            s.write(e.conn(), "data");
            s.expect().payload("data").userTimeout(120);
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 4).window(65535));
            s.write(e.conn(), "more");
            s.expect().payload("more").userTimeout(-1);
        }
    }

    @Test
    void aPeersTimeoutIsBoundedByTheLimits() {
        // Below L_LIMIT (100 s): a peer cannot make this side give up sooner than that (RFC 5482, Security Considerations).
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().userTimeoutOption(true).build())) {
            var e = acceptWithUto(s, 10, -1);   // no user timeout of our own: nothing to advertise
            assertEquals(Duration.ofSeconds(100), s.on(e.conn()::userTimeout));
        }
        // Above U_LIMIT (30 minutes by default): 32,767 minutes is cut to it.
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().userTimeoutOption(true).build())) {
            var e = acceptWithUto(s, MINUTES | 32767, -1);
            assertEquals(Duration.ofMinutes(30), s.on(e.conn()::userTimeout));
        }
        // Limits of one's own: 150 s to 10 minutes; 90 minutes in minutes (G = 1) is cut to 10.
        var cfg = TcpScript.baseConfig().userTimeoutOption(true)
                .userTimeoutLimits(Duration.ofSeconds(150), Duration.ofMinutes(10)).build();
        try (TcpScript s = new TcpScript(cfg)) {
            var e = acceptWithUto(s, MINUTES | 90, -1);
            assertEquals(Duration.ofMinutes(10), s.on(e.conn()::userTimeout));
        }
    }

    @Test
    void theTimeoutAPeerSetAbortsTheConnectionWhenItRunsOut() {
        var cfg = TcpScript.baseConfig().userTimeoutOption(true)
                .userTimeoutLimits(Duration.ofSeconds(1), Duration.ofMinutes(30)).build();
        try (TcpScript s = new TcpScript(cfg)) {
            var e = acceptWithUto(s, 3, -1);
            assertEquals(Duration.ofSeconds(3), s.on(e.conn()::userTimeout));
            CompletableFuture<byte[]> read = s.read(e.conn());
            s.write(e.conn(), "data");
            long t0 = s.expect().payload("data").timeNanos;
            SentSegment rst = null;
            for (SentSegment x = s.expectWithin(Duration.ofSeconds(10)); ; x = s.expectWithin(Duration.ofSeconds(10))) {
                if (x.has(RST)) {
                    rst = x;
                    break;
                }
            }
            assertEquals(Duration.ofSeconds(3).toNanos(), rst.timeNanos - t0, TICK, "aborted 3 s after the send, as the peer asked");
            CompletionException x = assertThrows(CompletionException.class, read::join);
            assertInstanceOf(ConnectionTimeoutException.class, x.getCause());
            assertEquals(TcpState.CLOSED, s.on(e.conn()::state));
        }
    }

    @Test
    void aTimeoutTheApplicationChoseIsAdvertisedAndNotChangedByThePeer() {
        try (TcpScript s = utoScript(Duration.ofSeconds(120))) {
            var e = acceptWithUto(s, 300, 120);
            assertEquals(Duration.ofSeconds(300), s.on(e.conn()::userTimeout));
            s.write(e.conn(), "a");
            s.expect().payload("a").userTimeout(120);
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 1).window(65535));
            // 3.1: the application sets it: CHANGEABLE is false, and the change is advertised
            // (10 hours: more than 15 bits of seconds, so minutes, G = 1).
            s.run(() -> e.conn().setUserTimeout(Duration.ofHours(10)));
            s.write(e.conn(), "b");
            s.expect().payload("b").userTimeout(MINUTES | 600);
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 2).window(65535).userTimeout(MINUTES | 1));
            assertEquals(Duration.ofHours(10), s.on(e.conn()::userTimeout), "the peer's option no longer changes it");
        }
    }

    @Test
    void withoutTheOptionEnabledNothingIsSentAndAPeersIsIgnored() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().userTimeout(Duration.ofSeconds(200)).build())) {
            var e = acceptWithUto(s, 900, -1);
            assertEquals(Duration.ofSeconds(200), s.on(e.conn()::userTimeout), "RFC 5482 3: not ENABLED, ignored");
            s.write(e.conn(), "data");
            s.expect().payload("data").userTimeout(-1);
        }
    }

    @Test
    void anOptionOnADiscardedSegmentChangesNothing() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().userTimeoutOption(true).build())) {
            var e = s.acceptPlain(PEER_ISN);
            assertEquals(Duration.ZERO, s.on(e.conn()::userTimeout));
            // An ACK of data never sent is dropped (RFC 9293 3.10.7.4, RFC 5961 5.2): its option with it.
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 1000).window(65535).userTimeout(MINUTES | 20));
            s.expect().flags(ACK);   // the challenge ACK
            assertEquals(Duration.ZERO, s.on(e.conn()::userTimeout));
            // An acceptable segment's option is taken.
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).window(65535).userTimeout(MINUTES | 20));
            assertEquals(Duration.ofMinutes(20), s.on(e.conn()::userTimeout));
        }
    }

    @Test
    void anOptionOfTheWrongLengthDropsTheSegment() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().userTimeoutOption(true).build())) {
            var e = s.acceptPlain(PEER_ISN);
            // Kind 28 with length 3: malformed like any known option of a wrong length (RFC 9293 3.1 MUST-7).
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).window(65535).rawOptions(28, 3, 0, 0).payload("x"));
            s.expectNothing();
            assertEquals(1L, s.on(() -> s.tcp.counters().drops(DropReason.BAD_OPTIONS)));
            assertEquals(Duration.ZERO, s.on(e.conn()::userTimeout));
        }
    }

    @Test
    void theOptionWaitsForRoomBesideSackBlocks() {
        try (TcpScript s = utoScript(Duration.ofSeconds(200))) {
            s.listen();
            s.inject(s.seg().syn().seq(PEER_ISN).window(65535).sackPermitted().ts(1, 0).userTimeout(200));
            SentSegment synAck = s.expect().flags(SYN | ACK).userTimeout(200);
            int rcv = PEER_ISN + 1;
            int ecr = synAck.options.tsVal;
            s.inject(s.seg().seq(rcv).ack(synAck.seq + 1).window(65535).ts(2, ecr));
            TcpConnection c = s.accepted.removeFirst();
            // Three segments behind a hole: an ACK for each, with 1, 2 and 3 SACK blocks. The
            // first non-SYN segment is the first of them (timestamps 12 + SACK 12 + UTO 4 bytes).
            for (int i = 1; i <= 3; i++) {
                s.inject(s.seg().seq(rcv + 10 * i).ack(synAck.seq + 1).window(65535).ts(2 + i, ecr).payload("xxxxx"));
            }
            List<SentSegment> acks = s.drain();
            assertEquals(3, acks.size(), "an ACK for each out-of-order segment: " + acks);
            acks.get(0).userTimeout(200);
            acks.get(1).userTimeout(-1);
            acks.get(2).userTimeout(-1);
            // A new timeout to advertise, but timestamps (12 bytes) and three SACK blocks (28) fill
            // the 40 bytes of option space: the next ACK goes without it; the one after, with room, has it.
            s.run(() -> c.setUserTimeout(Duration.ofSeconds(300)));
            s.inject(s.seg().seq(rcv + 40).ack(synAck.seq + 1).window(65535).ts(6, ecr).payload("xxxxx"));
            s.expect().userTimeout(-1).sack(rcv + 40, rcv + 45, rcv + 10, rcv + 15, rcv + 20, rcv + 25);
            s.inject(s.seg().seq(rcv).ack(synAck.seq + 1).window(65535).ts(7, ecr).payload(new byte[45]));
            s.expect().ack(rcv + 45).sack().userTimeout(300);
        }
    }
}
