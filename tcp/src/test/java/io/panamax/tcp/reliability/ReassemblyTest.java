package io.panamax.tcp.reliability;

import io.panamax.tcp.DropReason;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Out-of-order data: held, trimmed against overlaps, delivered once and in order; SACK blocks (RFC 2018). */
class ReassemblyTest {

    @Test
    void reversedSegmentsAreDeliveredInOrder() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            int r = e.rcvNxt();
            s.inject(s.seg().seq(r + 6).ack(e.sndNxt()).payload("ghi"));
            s.expect().flags(ACK).ack(r);
            s.inject(s.seg().seq(r + 3).ack(e.sndNxt()).payload("def"));
            s.expect().flags(ACK).ack(r);
            var read = s.read(e.conn());
            assertFalse(read.isDone(), "nothing in order yet");
            s.inject(s.seg().seq(r).ack(e.sndNxt()).payload("abc"));
            // Filling the gap is acknowledged at once (RFC 5681 4.2).
            s.expect().flags(ACK).ack(r + 9);
            assertArrayEquals("abcdefghi".getBytes(), read.join());
            assertEquals(2, s.on(e.conn()::stats).outOfOrder());
        }
    }

    @Test
    void overlapsAndDuplicatesAreDeliveredOnce() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            int r = e.rcvNxt();
            String text = "The quick brown fox jumps over the lazy dog";
            int[][] pieces = {{30, 43}, {10, 20}, {15, 35}, {10, 20}, {25, 28}, {40, 43}, {2, 12}, {0, 5}, {3, 4}};
            for (int[] p : pieces) {
                s.inject(s.seg().seq(r + p[0]).ack(e.sndNxt()).payload(text.substring(p[0], p[1])));
            }
            assertArrayEquals(text.getBytes(), s.read(e.conn()).join());
        }
    }

    @Test
    void randomSlicesWithDuplicatesReassembleExactly() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            int r = e.rcvNxt();
            byte[] data = new byte[20_000];
            Random rnd = new Random(42);
            rnd.nextBytes(data);
            // Overlapping random slices that cover every byte, injected in random order, some twice.
            List<int[]> slices = new ArrayList<>();
            for (int from = 0; from < data.length; ) {
                int to = Math.min(data.length, from + 1 + rnd.nextInt(600));
                slices.add(new int[] {from, to});
                from = Math.max(from + 1, to - rnd.nextInt(200));
            }
            for (int i = 0; i < 60; i++) {
                slices.add(slices.get(rnd.nextInt(slices.size())));
            }
            Collections.shuffle(slices, rnd);
            for (int[] sl : slices) {
                s.inject(s.seg().seq(r + sl[0]).ack(e.sndNxt()).payload(Arrays.copyOfRange(data, sl[0], sl[1])));
                s.drain();
            }
            assertArrayEquals(data, s.read(e.conn()).join());
            assertTrue(s.on(e.conn()::stats).duplicates() > 0);
        }
    }

    @Test
    void sackBlocksReportWhatIsHeld() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).sackPermitted());
            SentSegment synAck = s.expect().flags(SYN | ACK).sackPermitted(true);
            int ack = synAck.seq + 1;
            s.inject(s.seg().seq(1001).ack(ack));
            s.inject(s.seg().seq(1101).ack(ack).payload(new byte[100]));
            s.expect().ack(1001).sack(1101, 1201);
            s.inject(s.seg().seq(1301).ack(ack).payload(new byte[100]));
            // The block of the latest arrival comes first (RFC 2018 4).
            s.expect().ack(1001).sack(1301, 1401, 1101, 1201);
            s.inject(s.seg().seq(1201).ack(ack).payload(new byte[100]));
            s.expect().ack(1001).sack(1101, 1401);
            s.inject(s.seg().seq(1001).ack(ack).payload(new byte[100]));
            s.expect().ack(1401).sack();
        }
    }

    @Test
    void outOfOrderQueueIsBounded() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().outOfOrderLimitSegments(2).build())) {
            var e = s.acceptPlain(1000);
            int r = e.rcvNxt();
            s.inject(s.seg().seq(r + 10).ack(e.sndNxt()).payload("a"));
            s.inject(s.seg().seq(r + 20).ack(e.sndNxt()).payload("b"));
            s.inject(s.seg().seq(r + 30).ack(e.sndNxt()).payload("c"));
            s.drain();
            assertEquals(1, s.tcp.counters().drops(DropReason.OUT_OF_ORDER_FULL));
            // The refused segment is simply sent again later; nothing is lost.
            s.inject(s.seg().seq(r).ack(e.sndNxt()).payload("0123456789"));
            s.inject(s.seg().seq(r + 11).ack(e.sndNxt()).payload("012345678"));
            s.inject(s.seg().seq(r + 21).ack(e.sndNxt()).payload("012345678c"));
            assertArrayEquals("0123456789a012345678b012345678c".getBytes(), s.read(e.conn()).join());
        }
    }

    @Test
    void finAheadOfAGapWaitsForTheData() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            int r = e.rcvNxt();
            s.inject(s.seg().fin().seq(r + 4).ack(e.sndNxt()).payload("tail"));
            s.expect().ack(r);
            var read = s.read(e.conn());
            s.inject(s.seg().seq(r).ack(e.sndNxt()).payload("head"));
            s.expect().ack(r + 9);
            assertArrayEquals("headtail".getBytes(), read.join());
            assertEquals(0, s.read(e.conn()).join().length, "then the end of the stream");
            assertEquals(io.panamax.tcp.TcpState.CLOSE_WAIT, s.on(e.conn()::state));
            s.advance(Duration.ofMillis(1));
        }
    }
}
