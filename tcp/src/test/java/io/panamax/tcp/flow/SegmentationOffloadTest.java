package io.panamax.tcp.flow;

import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.FIN;
import static io.panamax.tcp.wire.TcpHeader.PSH;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP segmentation offload: to a NIC that cuts super-segments (the script's "NIC" reports TSO up
 * to 64 KB), new data goes as one packet of whole segments with the segment size set, while what
 * the peer sees (what the NIC cuts) follows the rules of segment-at-a-time sending: the window and
 * cwnd bound it, PSH and FIN mark its end (the NIC keeps them on the last segment), the options
 * of its header are on every segment, and a loss or a timeout resends one MSS.
 */
class SegmentationOffloadTest {
    private static final int MSS = 1460;
    /** A full segment's payload with timestamps on (RFC 6691): MSS less 12 option bytes. */
    private static final int FULL = MSS - 12;

    /** A passive open with MSS, SACK-Permitted and timestamps, to a NIC with TSO; one SRTT of 1 ms. */
    private record Open(TcpScript s, TcpConnection conn, int base, int rcv, int tsEcr) {
        int at(int segment) {
            return base + segment * FULL;
        }

        void ack(int ack, int window, int... sackEdges) {
            int[] edges = new int[sackEdges.length];
            for (int i = 0; i < edges.length; i++) {
                edges[i] = at(sackEdges[i]);
            }
            s.inject(s.seg().seq(rcv).ack(ack).window(window).ts(2000 + (int) (s.nowNanos() / 1_000_000), tsEcr).sack(edges));
        }
    }

    private static Open open(TcpScript s, int window) {
        s.ip.setSegmentationOffload(65535);
        s.listen();
        s.inject(s.seg().syn().seq(1000).mss(MSS).sackPermitted().ts(1000, 0).window(window));
        SentSegment synAck = s.expect().flags(SYN | ACK).segmentSize(0);
        s.advance(Duration.ofMillis(1));
        s.inject(s.seg().seq(1001).ack(synAck.seq + 1).ts(1001, synAck.options.tsVal).window(window));
        s.expectNothing();
        assertEquals(1, s.accepted.size());
        return new Open(s, s.accepted.removeFirst(), synAck.seq + 1, 1001, synAck.options.tsVal);
    }

    private static long superSegmentsSent(TcpScript s) {
        return s.on(() -> s.tcp.counters().superSegmentsOut.get());
    }

    @Test
    void theInitialWindowGoesAsOneSuperSegmentWithTheOptionsOfEverySegment() {
        try (TcpScript s = TcpScript.newReno()) {
            Open o = open(s, 65535);
            s.write(o.conn(), new byte[20 * FULL]);
            SentSegment sent = s.expect().flags(ACK).seq(o.at(0)).length(10 * FULL).segmentSize(FULL).timestamps(true);
            assertFalse(sent.has(PSH), "more data follows in the buffer: no PSH on the last segment either");
            // Every segment the NIC cuts carries this header with its options: 1500 bytes each.
            assertEquals(1500, 20 + sent.headerLength + sent.segmentSize, "a cut segment fills the MTU exactly");
            s.expectNothing();
            assertEquals(1, superSegmentsSent(s));
            // Two segments acknowledged, and cwnd one SMSS larger (RFC 5681 3.1: at most one per
            // ACK): three may go, as one.
            o.ack(o.at(2), 65535);
            s.expect().seq(o.at(10)).length(3 * FULL).segmentSize(FULL);
            s.expectNothing();
        }
    }

    @Test
    void theReceiveWindowBoundsASuperSegmentToWholeSegments() {
        try (TcpScript s = TcpScript.newReno()) {
            Open o = open(s, 5000);
            s.write(o.conn(), new byte[20 * FULL]);
            // 5000 bytes of window: three whole segments; the 656 left would be a silly segment.
            s.expect().seq(o.at(0)).length(3 * FULL).segmentSize(FULL);
            s.expectNothing();
            o.ack(o.at(3), 2000);
            // A window of one segment: an ordinary segment, not a super-segment of one.
            s.expect().seq(o.at(3)).length(FULL).segmentSize(0);
            s.expectNothing();
        }
    }

    @Test
    void pshAndFinAreOnTheLastSegmentOfTheData() {
        try (TcpScript s = TcpScript.newReno()) {
            Open o = open(s, 65535);
            s.write(o.conn(), new byte[10 * FULL]);
            s.expect().seq(o.at(0)).length(10 * FULL).segmentSize(FULL);
            // The rest of the data and the FIN wait for cwnd.
            int len = 3 * FULL + 656;
            s.write(o.conn(), new byte[len]);
            s.close(o.conn());
            s.expectNothing();
            // All acknowledged, nothing in flight: the short last segment goes with the others
            // (Linux's split point), and the FIN with it; the NIC keeps PSH and FIN on its last
            // segment only.
            o.ack(o.at(10), 65535);
            SentSegment sent = s.expect().seq(o.at(10)).length(len).segmentSize(FULL).flags(ACK | FIN);
            assertTrue(sent.has(PSH), "PSH: the super-segment ends the data");
            s.expectNothing();
        }
    }

    @Test
    void aLossInsideASuperSegmentResendsOneSegment() {
        try (TcpScript s = TcpScript.newReno()) {
            Open o = open(s, 65535);
            s.write(o.conn(), new byte[10 * FULL]);
            s.expect().seq(o.at(0)).length(10 * FULL).segmentSize(FULL);
            // Segment 3 of the ten is lost; the peer ACKs the three before it, then SACKs 4 to 9
            // one by one: the third duplicate ACK repairs segment 3, and only it.
            o.ack(o.at(3), 65535);
            List<SentSegment> sent = new java.util.ArrayList<>(s.drain());
            for (int k = 5; k <= 7; k++) {
                o.ack(o.at(3), 65535, 4, k);
                sent.addAll(s.drain());
            }
            List<SentSegment> resent = sent.stream().filter(x -> x.length() > 0 && x.seq - o.at(10) < 0).toList();
            assertEquals(1, resent.size(), "one retransmission: " + sent);
            resent.getFirst().seq(o.at(3)).length(FULL).segmentSize(0);
            assertEquals(1, s.on(() -> s.tcp.counters().fastRetransmits.get()));
        }
    }

    @Test
    void probesAndTimeoutsResendOneSegment() {
        try (TcpScript s = TcpScript.newReno()) {
            Open o = open(s, 65535);
            s.write(o.conn(), new byte[10 * FULL]);
            s.expect().seq(o.at(0)).length(10 * FULL).segmentSize(FULL);
            // No ACK: the tail loss probe (RFC 8985 7.3) resends the last segment, then the RTO
            // the first; cwnd is one segment then, and go-back-N resends go one by one.
            s.advance(Duration.ofSeconds(1));
            List<SentSegment> sent = s.drain();
            sent.get(0).seq(o.at(9)).length(FULL).segmentSize(0);
            sent.get(1).seq(o.at(0)).length(FULL).segmentSize(0);
            o.ack(o.at(1), 65535);
            sent = s.drain();
            assertFalse(sent.isEmpty());
            for (SentSegment x : sent) {
                x.segmentSize(0);
                assertTrue(x.length() <= FULL);
            }
        }
    }

    @Test
    void withoutTsoEverySegmentIsOneMss() {
        try (TcpScript s = TcpScript.newReno()) {
            Open o = open(s, 65535);
            s.ip.setSegmentationOffload(0);
            s.write(o.conn(), new byte[10 * FULL]);
            List<SentSegment> sent = s.drain();
            assertEquals(10, sent.size());
            for (int i = 0; i < 10; i++) {
                sent.get(i).seq(o.at(i)).length(FULL).segmentSize(0);
            }
            assertEquals(0, superSegmentsSent(s));
        }
    }
}
