package io.panamax.tcp.reliability;

import io.panamax.tcp.ConnectionTimeoutException;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpState;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.RST;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The retransmission timer of RFC 6298: estimation, Karn, back-off, bounds, giving up. */
class RetransmissionTest {
    private static final long TICK = 2 * 16_384;

    @Test
    void rtoBacksOffExponentiallyUpToTheMaximumThenTheConnectionTimesOut() {
        var cfg = TcpScript.baseConfig().maxRto(Duration.ofSeconds(4)).maxRetransmits(6).build();
        try (TcpScript s = new TcpScript(cfg)) {
            var e = s.acceptPlain(1000);
            CompletableFuture<byte[]> read = s.read(e.conn());
            s.write(e.conn(), "data");
            SentSegment first = s.expect().seq(e.sndNxt()).payload("data");
            long t = first.timeNanos;
            // The handshake measured an RTT of 0 (virtual time): RTO starts at the 200 ms floor.
            for (long ms : new long[] {200, 400, 800, 1600, 3200, 4000}) {
                SentSegment again = s.expectWithin(Duration.ofSeconds(10)).flags(ACK).seq(e.sndNxt()).payload("data");
                assertEquals(Duration.ofMillis(ms).toNanos(), again.timeNanos - t, TICK, "gap before retransmission");
                t = again.timeNanos;
            }
            SentSegment rst = s.expectWithin(Duration.ofSeconds(10)).flags(RST).seq(e.sndNxt() + 4);
            assertEquals(Duration.ofSeconds(4).toNanos(), rst.timeNanos - t, TICK);
            CompletionException x = assertThrows(CompletionException.class, read::join);
            assertInstanceOf(ConnectionTimeoutException.class, x.getCause());
            assertEquals(TcpState.CLOSED, s.on(e.conn()::state));
            assertEquals(6, s.on(e.conn()::stats).retransmits());
        }
    }

    @Test
    void rttSampleFromTheHandshakeSetsTheRto() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1000));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            s.advance(Duration.ofMillis(300));
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1));
            TcpConnection c = s.accepted.getFirst();
            // RFC 6298 2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4·RTTVAR = 900 ms.
            assertEquals(Duration.ofMillis(300).toNanos(), s.on(c::stats).srttNanos(), TICK);
            assertEquals(Duration.ofMillis(900).toNanos(), s.on(c::stats).rtoNanos(), 3 * TICK);
            s.write(c, "x");
            SentSegment sent = s.expect();
            SentSegment again = s.expectWithin(Duration.ofSeconds(2)).seq(sent.seq);
            assertEquals(Duration.ofMillis(900).toNanos(), again.timeNanos - sent.timeNanos, 3 * TICK);
        }
    }

    @Test
    void laterSamplesSmoothTheEstimate() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            int seq = e.sndNxt();
            for (int i = 0; i < 3; i++) {
                s.write(e.conn(), "ping");
                s.expect().seq(seq);
                s.advance(Duration.ofMillis(80));
                seq += 4;
                s.inject(s.seg().seq(e.rcvNxt()).ack(seq));
            }
            // First sample 0 (handshake), then three of 80 ms: SRTT moves 1/8 of the way each time (RFC 6298 2.3).
            long srtt = 0;
            for (int i = 0; i < 3; i++) {
                srtt = srtt - (srtt >> 3) + (Duration.ofMillis(80).toNanos() >> 3);
            }
            assertEquals(srtt, s.on(e.conn()::stats).srttNanos(), 3 * TICK);
        }
    }

    @Test
    void karnsAlgorithmIgnoresTheAckOfARetransmittedSegment() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            long srttBefore = s.on(e.conn()::stats).srttNanos();
            s.write(e.conn(), "k");
            s.expect();
            s.expectWithin(Duration.ofSeconds(1));
            s.advance(Duration.ofMillis(150));
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 1));
            // The ACK may answer either transmission: no sample (RFC 6298 3).
            assertEquals(srttBefore, s.on(e.conn()::stats).srttNanos());
        }
    }

    @Test
    void timestampsMeasureRttOnEveryAck() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).ts(1, 0));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).ts(2, synAck.options.tsVal));
            TcpConnection c = s.accepted.getFirst();
            s.write(c, "t");
            SentSegment d = s.expect();
            s.advance(Duration.ofMillis(50));
            // RFC 7323 4: RTT = now - TSecr.
            s.inject(s.seg().seq(1001).ack(d.seq + 1).ts(3, d.options.tsVal));
            assertEquals(Duration.ofMillis(50).toNanos() / 8, s.on(c::stats).srttNanos(), Duration.ofMillis(1).toNanos());
        }
    }

    @Test
    void retransmissionAfterTimeoutGoesBackToTheFirstUnacknowledgedByte() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.write(e.conn(), "a".repeat(536 * 4));
            var sent = s.drain();
            assertEquals(4, sent.size());
            // The peer got only the first segment.
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 536));
            SentSegment again = s.expectWithin(Duration.ofSeconds(1));
            again.seq(e.sndNxt() + 536).length(536);
            // cwnd is one segment after a timeout (RFC 5681 eq. 4): nothing more until an ACK.
            s.expectNothing();
            assertEquals(536, s.on(e.conn()::stats).cwnd());
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 1072));
            var next = s.drain();
            assertEquals(2, next.size(), "slow start: two segments for one ACK");
            next.get(0).seq(e.sndNxt() + 1072);
            next.get(1).seq(e.sndNxt() + 1608);
        }
    }
}
