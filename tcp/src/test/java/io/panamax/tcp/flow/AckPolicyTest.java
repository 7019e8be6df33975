package io.panamax.tcp.flow;

import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Delayed and immediate ACKs (RFC 1122 4.2.3.2, RFC 5681 4.2), and Nagle (RFC 1122 4.2.3.4). */
class AckPolicyTest {
    private static final long TICK = 2 * 16_384;

    @Test
    void oneSegmentIsAcknowledgedAfterTheDelayedAckTimeout() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            long t = s.nowNanos();
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).payload("one"));
            s.expectNothing();
            SentSegment ack = s.expectWithin(Duration.ofSeconds(1)).flags(ACK).ack(e.rcvNxt() + 3);
            assertEquals(Duration.ofMillis(40).toNanos(), ack.timeNanos - t, TICK);
        }
    }

    @Test
    void everySecondFullSizedSegmentIsAcknowledgedAtOnce() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).payload(new byte[536]));
            s.expectNothing();
            s.inject(s.seg().seq(e.rcvNxt() + 536).ack(e.sndNxt()).payload(new byte[536]));
            s.expect().flags(ACK).ack(e.rcvNxt() + 1072);
        }
    }

    @Test
    void delayedAckRidesOnTheReply() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            var read = s.read(e.conn());
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).payload("request"));
            assertArrayEquals("request".getBytes(), read.join());
            s.write(e.conn(), "response");
            s.expect().flags(ACK).ack(e.rcvNxt() + 7).payload("response");
            // No separate ACK follows when the delayed-ACK timer would have fired.
            s.advance(Duration.ofMillis(100));
            s.expectNothing();
        }
    }

    /** The stack's next sequence number, and the MSS it advertised in its SYN-ACK. */
    private record Opened(int sndNxt, int mss) {
    }

    /**
     * Passive open with no options from the peer (ISN 1000), reading the MSS the stack advertised:
     * a segment longer than that was merged by the NIC (GRO/LRO), since no sender may send it
     * (RFC 9293 3.7.1).
     */
    private static Opened acceptReadingMss(TcpScript s) {
        s.listen();
        s.inject(s.seg().syn().seq(1000).window(65535));
        SentSegment synAck = s.expect().flags(SYN | ACK);
        s.inject(s.seg().ack(synAck.seq + 1).seq(1001).window(65535));
        s.expectNothing();
        return new Opened(synAck.seq + 1, synAck.options.mss);
    }

    /** The delay a lone coalesced segment's ACK waits for a second one (TcpConfig.coalescedAckDelayNanos's default). */
    private static final long COALESCED_ACK_DELAY = 200_000;

    @Test
    void everySecondCoalescedSegmentIsAcknowledgedAtOnce() {
        // A coalesced (GRO'd) segment carries many full-sized segments; RFC 5681 4.2's "every
        // second full-sized segment" is applied to them as to segments: one ACK per two, as Linux
        // sends about one per two GRO'd skbs into a reading application.
        try (TcpScript s = new TcpScript()) {
            Opened o = acceptReadingMss(s);
            int mss = o.mss();
            int len = 4 * mss;
            s.inject(s.seg().seq(1001).ack(o.sndNxt()).payload(new byte[len]));
            s.expectNothing();
            s.inject(s.seg().seq(1001 + len).ack(o.sndNxt()).payload(new byte[len]));
            s.expect().flags(ACK).ack(1001 + 2 * len);
            s.expectNothing();
        }
    }

    @Test
    void aLoneCoalescedSegmentIsAcknowledgedAfterTheShortDelay() {
        try (TcpScript s = new TcpScript()) {
            Opened o = acceptReadingMss(s);
            int mss = o.mss();
            long t = s.nowNanos();
            s.inject(s.seg().seq(1001).ack(o.sndNxt()).payload(new byte[2 * mss]));
            SentSegment ack = s.expectWithin(Duration.ofMillis(1)).flags(ACK).ack(1001 + 2 * mss);
            assertEquals(COALESCED_ACK_DELAY, ack.timeNanos - t, TICK, "a coalesced segment waits 200 µs, not the 40 ms delayed-ACK time");
        }
    }

    @Test
    void afterALoneCoalescedSegmentWaitedTheNextSixteenAreAcknowledgedAtOnce() {
        // The delay ran out: the sender was waiting for the ACK (its window held one coalesced
        // segment), so holding ACKs would cost it a delay every round trip.
        try (TcpScript s = new TcpScript()) {
            Opened o = acceptReadingMss(s);
            int len = 2 * o.mss();
            int seq = 1001;
            s.inject(s.seg().seq(seq).ack(o.sndNxt()).payload(new byte[len]));
            seq += len;
            s.expectWithin(Duration.ofMillis(1)).flags(ACK).ack(seq);
            for (int i = 0; i < 16; i++) {
                s.inject(s.seg().seq(seq).ack(o.sndNxt()).payload(new byte[len]));
                seq += len;
                s.expect().flags(ACK).ack(seq);
            }
            // Then one is held again, for a second one or the delay.
            s.inject(s.seg().seq(seq).ack(o.sndNxt()).payload(new byte[len]));
            s.expectNothing();
        }
    }

    @Test
    void theQuickAcksAfterATimeoutDoubleAndASecondSegmentWithinTheDelayHalvesThem() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().receiveBufferSize(1 << 20).build())) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).window(65535).windowScale(7));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            s.inject(s.seg().ack(synAck.seq + 1).seq(1001).window(65535));
            s.expectNothing();
            int ack = synAck.seq + 1;
            int len = 2 * synAck.options.mss;
            int[] seq = {1001};
            Runnable one = () -> {
                s.inject(s.seg().seq(seq[0]).ack(ack).payload(new byte[len]));
                seq[0] += len;
            };
            one.run();
            s.expectWithin(Duration.ofMillis(1)).ack(seq[0]); // timeout: 16 at once, then 32
            quickAcks(s, one, seq, 16);
            one.run();
            s.expectWithin(Duration.ofMillis(1)).ack(seq[0]); // timeout again: 32 at once, then 64
            quickAcks(s, one, seq, 32);
            one.run();
            s.expectNothing();
            one.run();
            s.expect().ack(seq[0]); // two within the delay: 64 halves to 32
            one.run();
            s.expectWithin(Duration.ofMillis(1)).ack(seq[0]);
            quickAcks(s, one, seq, 32);
            one.run();
            s.expectNothing();
        }
    }

    private static void quickAcks(TcpScript s, Runnable one, int[] seq, int n) {
        for (int i = 0; i < n; i++) {
            one.run();
            s.expect().ack(seq[0]);
        }
    }

    @Test
    void theCoalescedAckDelayAndQuickAcksAreSettings() {
        var cfg = TcpScript.baseConfig().coalescedAckDelay(Duration.ofMillis(1)).coalescedQuickAcks(2, 4).build();
        try (TcpScript s = new TcpScript(cfg)) {
            Opened o = acceptReadingMss(s);
            int len = 2 * o.mss();
            int[] seq = {1001};
            Runnable one = () -> {
                s.inject(s.seg().seq(seq[0]).ack(o.sndNxt()).payload(new byte[len]));
                seq[0] += len;
            };
            long t = s.nowNanos();
            one.run();
            s.expectNothing();
            SentSegment ack = s.expectWithin(Duration.ofMillis(5)).flags(ACK).ack(seq[0]);
            assertEquals(Duration.ofMillis(1).toNanos(), ack.timeNanos - t, TICK);
            quickAcks(s, one, seq, 2); // the minimum, 2, after the first timeout
            one.run();
            s.expectWithin(Duration.ofMillis(5)).ack(seq[0]);
            quickAcks(s, one, seq, 4); // doubled to the maximum, 4
            one.run();
            s.expectWithin(Duration.ofMillis(5)).ack(seq[0]);
            quickAcks(s, one, seq, 4); // and no further
            one.run();
            s.expectNothing();
        }
    }

    @Test
    void aCoalescedAckDelayBeyondTheDelayedAckTimeIsRefused() {
        var b = TcpScript.baseConfig().delayedAck(Duration.ofMillis(1)).coalescedAckDelay(Duration.ofMillis(2));
        assertThrows(IllegalArgumentException.class, b::build);
    }

    @Test
    void aFullSizedSegmentAfterACoalescedOneDoesNotWaitTheDelayedAckTime() {
        try (TcpScript s = new TcpScript()) {
            Opened o = acceptReadingMss(s);
            int mss = o.mss();
            long t = s.nowNanos();
            s.inject(s.seg().seq(1001).ack(o.sndNxt()).payload(new byte[3 * mss]));
            s.inject(s.seg().seq(1001 + 3 * mss).ack(o.sndNxt()).payload(new byte[mss]));
            SentSegment ack = s.expectWithin(Duration.ofMillis(1)).flags(ACK).ack(1001 + 4 * mss);
            assertEquals(COALESCED_ACK_DELAY, ack.timeNanos - t, TICK);
        }
    }

    @Test
    void aCoalescedSegmentOfHalfTheReceiveBufferIsAcknowledgedAtOnce() {
        // The sender must not run out of window while this side waits for a second segment.
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().receiveBufferSize(16 * 1024).build())) {
            Opened o = acceptReadingMss(s);
            int mss = o.mss();
            int len = Math.max(8 * 1024, 2 * mss);
            s.inject(s.seg().seq(1001).ack(o.sndNxt()).payload(new byte[len]));
            s.expect().flags(ACK).ack(1001 + len);
        }
    }

    @Test
    void quickAcksAtConnectionStart() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().quickAckSegments(2).build())) {
            var e = s.acceptPlain(1000);
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).payload("1"));
            s.expect().ack(e.rcvNxt() + 1);
            s.inject(s.seg().seq(e.rcvNxt() + 1).ack(e.sndNxt()).payload("2"));
            s.expect().ack(e.rcvNxt() + 2);
            s.inject(s.seg().seq(e.rcvNxt() + 2).ack(e.sndNxt()).payload("3"));
            s.expectNothing();
        }
    }

    @Test
    void finIsAcknowledgedAtOnce() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.inject(s.seg().fin().seq(e.rcvNxt()).ack(e.sndNxt()));
            s.expect().flags(ACK).ack(e.rcvNxt() + 1);
        }
    }

    @Test
    void delayedAckTimeoutIsConfigurable() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().delayedAck(Duration.ofMillis(200)).build())) {
            var e = s.acceptPlain(1000);
            long t = s.nowNanos();
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).payload("x"));
            SentSegment ack = s.expectWithin(Duration.ofSeconds(1));
            assertEquals(Duration.ofMillis(200).toNanos(), ack.timeNanos - t, TICK);
        }
    }

    @Test
    void nagleHoldsSmallSegmentsWhileDataIsInFlight() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.write(e.conn(), "a");
            s.expect().payload("a");
            s.write(e.conn(), "b");
            s.write(e.conn(), "c");
            s.expectNothing();
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 1));
            // The held bytes go together once the first is acknowledged.
            s.expect().seq(e.sndNxt() + 1).payload("bc");
        }
    }

    @Test
    void nagleLetsFullSegmentsThrough() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.write(e.conn(), "a");
            s.expect().payload("a");
            s.write(e.conn(), new byte[536 + 10]);
            s.expect().seq(e.sndNxt() + 1).length(536);
            s.expectNothing();
        }
    }

    @Test
    void noDelaySendsAtOnce() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            TcpConnection c = e.conn();
            s.run(() -> c.setNoDelay(true));
            s.write(c, "a");
            s.expect().payload("a");
            s.write(c, "b");
            s.expect().payload("b");
        }
    }

    @Test
    void writesInOneTaskAreCoalesced() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            TcpConnection c = e.conn();
            s.run(() -> {
                c.setNoDelay(true);
                c.write("x".getBytes());
                c.write("y".getBytes());
                c.write("z".getBytes());
            });
            s.expect().payload("xyz");
        }
    }

    @Test
    void connectionStartIsNotSlowedByDelayedAcks() {
        // The default config acknowledges the first 16 segments at once (Linux's quick-ACK mode).
        try (TcpScript s = new TcpScript(io.panamax.tcp.TcpConfig.builder().isnSecret(1, 2).build())) {
            s.listen();
            s.inject(s.seg().syn().seq(1000));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1));
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).payload("a"));
            s.expect().ack(1002);
        }
    }
}
