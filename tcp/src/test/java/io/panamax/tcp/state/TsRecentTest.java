package io.panamax.tcp.state;

import io.panamax.tcp.DropReason;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.script.SegmentSpec;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.util.function.UnaryOperator;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * TS.Recent is recorded only from segments that are accepted (RFC 7323 5.3 R3 after R1 and R2;
 * 4.3). A segment that the checks of RFC 5961 (3.2 RST, 4.2 SYN, 5.2 ACK) or of RFC 9293 3.10.7.4
 * (no ACK bit) discard leaves no trace: a forged in-window segment with a huge TSval must not
 * make PAWS refuse the peer's real traffic afterwards.
 */
class TsRecentTest {
    private static final int FORGED_TSVAL = 0x7000_0000;

    /** An established connection whose peer's clock is at 1001. */
    private record Open(TcpScript s, TcpConnection conn, int snd, int tsv) {
    }

    private static Open open(TcpScript s) {
        s.listen();
        s.inject(s.seg().syn().seq(1000).ts(1000, 0));
        SentSegment synAck = s.expect().flags(SYN | ACK);
        int tsv = synAck.options.tsVal;
        s.inject(s.seg().seq(1001).ack(synAck.seq + 1).ts(1001, tsv));
        s.expectNothing();
        return new Open(s, s.accepted.getFirst(), synAck.seq + 1, tsv);
    }

    /**
     * Injects the forged segment {@code forge} made of a template with the huge TSval, checks that
     * it was discarded as {@code reason}, then shows the peer's next real segment is taken.
     */
    private static void discardedThenRealTrafficFlows(UnaryOperator<SegmentSpec> forge, DropReason reason) {
        try (TcpScript s = new TcpScript()) {
            Open o = open(s);
            s.inject(forge.apply(s.seg().seq(1001).ts(FORGED_TSVAL, o.tsv)));
            // The challenge ACK, if any, still echoes the real TS.Recent.
            for (SentSegment x : s.drain()) {
                x.tsEcr(1001);
            }
            assertEquals(1, s.tcp.counters().drops(reason), reason.toString());
            s.inject(s.seg().seq(1001).ack(o.snd).ts(1002, o.tsv).payload("real"));
            assertEquals(0, s.tcp.counters().drops(DropReason.PAWS), "PAWS must not refuse the real peer");
            assertArrayEquals("real".getBytes(), s.read(o.conn).join());
            s.advance(java.time.Duration.ofMillis(50));
            s.expect().flags(ACK).ack(1005).tsEcr(1002);
        }
    }

    @Test
    void ackBeyondSndNxtIsDiscardedWithoutTouchingTsRecent() {
        // RFC 5961 5.2: an ACK beyond SND.NXT is discarded after a challenge ACK.
        discardedThenRealTrafficFlows(seg -> seg.ack(0x4000_0000).payload("forged"), DropReason.BAD_ACK);
    }

    @Test
    void synInEstablishedIsDiscardedWithoutTouchingTsRecent() {
        // RFC 5961 4.2: a SYN in a synchronized state is answered by a challenge ACK and discarded.
        discardedThenRealTrafficFlows(seg -> seg.syn(), DropReason.CHALLENGED);
    }

    @Test
    void dataWithoutAckIsDiscardedWithoutTouchingTsRecent() {
        // RFC 9293 3.10.7.4 fifth check: with the ACK bit off, drop the segment.
        discardedThenRealTrafficFlows(seg -> seg.payload("no ack"), DropReason.NO_ACK);
    }

    @Test
    void rstNotAtRcvNxtIsDiscardedWithoutTouchingTsRecent() {
        // RFC 5961 3.2: an in-window RST that is not an exact match is challenged and discarded.
        discardedThenRealTrafficFlows(seg -> seg.seq(1003).rst(), DropReason.CHALLENGED);
    }

    @Test
    void anAcceptedSegmentUpdatesTsRecent() {
        try (TcpScript s = new TcpScript()) {
            Open o = open(s);
            s.inject(s.seg().seq(1001).ack(o.snd).ts(5000, o.tsv).payload("abc"));
            s.advance(java.time.Duration.ofMillis(50));
            s.expect().flags(ACK).ack(1004).tsEcr(5000);
        }
    }
}
