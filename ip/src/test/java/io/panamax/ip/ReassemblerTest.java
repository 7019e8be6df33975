package io.panamax.ip;

import io.panamax.reactor.ManualClock;
import io.panamax.reactor.TimerWheel;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import io.panamax.reactor.metrics.DropCounters;
import io.panamax.reactor.metrics.ShardMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReassemblerTest {
    private static final int HDR = 20;
    private final ManualClock clock = new ManualClock();
    private final TimerWheel timers = new TimerWheel(clock);
    private final PacketPool pool = PacketPool.unowned(SlabBufferPool.unowned(512, 2048, 64));
    private final List<Packet> timedOut = new ArrayList<>();
    private final Reassembler.Limits limits = Reassembler.Limits.defaults();

    private Reassembler reassembler(Reassembler.Limits l) {
        return new Reassembler(timers, l, new DropCounters<>(new ShardMetrics(0), "drops", "test", Reassembler.Drop.class),
                first -> timedOut.add(first.share()));
    }

    /** A fragment: a 20-byte stand-in header (byte 0 marks the offset) followed by the payload. */
    private Packet fragment(byte[] datagram, int offset, int length) {
        Packet p = pool.allocateWithHeadroom();
        byte[] header = new byte[HDR];
        header[0] = (byte) (offset / 8);
        p.appendBytes(header, 0, HDR);
        p.appendBytes(datagram, offset, length);
        return p;
    }

    private static byte[] payload(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Packet offer(Reassembler r, byte[] data, int offset, int length, boolean more, int id) {
        return r.offer(fragment(data, offset, length), 0x0a000001, 0x0a000002, id, IpProtocol.UDP, HDR, offset, more);
    }

    @AfterEach
    void nothingLeaked() {
        timedOut.forEach(Packet::release);
        assertTrue(pool.buffers().isFull(), "buffers leaked: " + (pool.buffers().capacity() - pool.buffers().available()));
        assertEquals(0, pool.inUse(), "packets leaked");
    }

    @Test
    void inOrderAndReversedAndShuffledGiveTheSameDatagram() {
        byte[] data = payload(4000, 1);
        int[][] orders = {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}};
        int[] starts = {0, 1480, 2960};
        int[] lens = {1480, 1480, 1040};
        for (int[] order : orders) {
            Reassembler r = reassembler(limits);
            Packet whole = null;
            for (int k = 0; k < 3; k++) {
                int i = order[k];
                Packet out = offer(r, data, starts[i], lens[i], i != 2, 7);
                if (k < 2) {
                    assertNull(out);
                } else {
                    whole = out;
                }
            }
            assertNotNull(whole);
            assertEquals(HDR + 4000, whole.length());
            assertEquals(0, whole.getU8(0), "the first fragment's header leads");
            byte[] got = new byte[4000];
            whole.copyTo(HDR, got, 0, 4000);
            assertArrayEquals(data, got);
            whole.release();
            assertEquals(0, r.inProgress());
            assertEquals(0, r.bytesHeld());
        }
    }

    @Test
    void manySmallFragmentsInRandomOrder() {
        byte[] data = payload(8 * 50, 2);
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            idx.add(i);
        }
        Collections.shuffle(idx, new Random(3));
        Reassembler r = reassembler(limits);
        Packet whole = null;
        for (int i : idx) {
            Packet out = offer(r, data, i * 8, 8, i != 49, 1);
            if (out != null) {
                whole = out;
            }
        }
        assertNotNull(whole);
        assertArrayEquals(data, Arrays.copyOfRange(whole.toByteArray(), HDR, HDR + 400));
        whole.release();
    }

    @Test
    void overlapDropsTheWholeDatagram() {
        byte[] data = payload(3000, 4);
        Reassembler r = reassembler(limits);
        assertNull(offer(r, data, 0, 1480, true, 9));
        assertNull(offer(r, data, 1472, 1480, true, 9)); // overlaps the first by 8 bytes
        assertEquals(1, r.drops(Reassembler.Drop.OVERLAP));
        assertEquals(0, r.inProgress());
        // The rest of the datagram starts a new reassembly that never completes.
        assertNull(offer(r, data, 2952, 48, false, 9));
        assertEquals(1, r.inProgress());
        r.clear();
    }

    /** Three fragments of one 3,000-byte datagram with the given ECN codepoints; the whole or null. */
    private Packet offerWithEcn(Reassembler r, int id, int... ecn) {
        byte[] data = payload(3000, id);
        int[] starts = {0, 1480, 2960};
        int[] lens = {1480, 1480, 40};
        Packet whole = null;
        // Last fragment first: the CE may sit on any fragment and reassembly completes on another.
        for (int i = 2; i >= 0; i--) {
            whole = r.offer(fragment(data, starts[i], lens[i]), 0, 0x0a000001, 0, 0x0a000002, id, IpProtocol.UDP, HDR,
                    starts[i], i != 2, ecn[i]);
            if (i > 0) {
                assertNull(whole);
            }
        }
        return whole;
    }

    @Test
    void ecnCodepointsCombineAsRfc3168Section53Says() {
        Reassembler r = reassembler(limits);
        // CE on a later fragment only: the whole datagram is CE (the mark must reach the transport).
        Packet whole = offerWithEcn(r, 21, 2, 3, 2);
        assertNotNull(whole);
        assertEquals(3, r.lastEcn());
        whole.release();
        // ECT(0) throughout: ECT(0); Not-ECT throughout: Not-ECT; ECT(0) and ECT(1): the first's.
        offerWithEcn(r, 22, 2, 2, 2).release();
        assertEquals(2, r.lastEcn());
        offerWithEcn(r, 23, 0, 0, 0).release();
        assertEquals(0, r.lastEcn());
        offerWithEcn(r, 24, 1, 2, 2).release();
        assertEquals(1, r.lastEcn());
        // Not-ECT mixed with ECT or CE: the datagram is dropped whole, nothing held.
        assertNull(offerWithEcn(r, 25, 0, 2, 2));
        assertNull(offerWithEcn(r, 26, 2, 2, 0));
        assertNull(offerWithEcn(r, 27, 3, 0, 3));
        assertEquals(3, r.drops(Reassembler.Drop.ECN_MIXED));
        assertEquals(0, r.inProgress());
        assertEquals(0, r.bytesHeld());
    }

    @Test
    void exactDuplicateIsDiscardedAlone() {
        byte[] data = payload(2000, 5);
        Reassembler r = reassembler(limits);
        assertNull(offer(r, data, 0, 1480, true, 3));
        assertNull(offer(r, data, 0, 1480, true, 3));
        assertEquals(1, r.drops(Reassembler.Drop.DUPLICATE));
        Packet whole = offer(r, data, 1480, 520, false, 3);
        assertNotNull(whole);
        assertEquals(HDR + 2000, whole.length());
        whole.release();
    }

    @Test
    void contradictoryEndsAreInconsistent() {
        byte[] data = payload(3000, 6);
        Reassembler r = reassembler(limits);
        assertNull(offer(r, data, 1480, 520, false, 4)); // ends at 2000
        assertNull(offer(r, data, 1480, 1000, false, 4)); // now claims to end at 2480
        assertEquals(1, r.drops(Reassembler.Drop.INCONSISTENT_LENGTH));
        assertNull(offer(r, data, 2000, 480, false, 5));
        assertNull(offer(r, data, 2480, 40, true, 5)); // past the known end
        assertEquals(2, r.drops(Reassembler.Drop.INCONSISTENT_LENGTH));
        assertEquals(0, r.inProgress());
    }

    @Test
    void nonFinalFragmentMustBeAMultipleOfEight() {
        byte[] data = payload(100, 7);
        Reassembler r = reassembler(limits);
        assertNull(offer(r, data, 0, 13, true, 1));
        assertEquals(1, r.drops(Reassembler.Drop.BAD_FRAGMENT_LENGTH));
    }

    @Test
    void datagramsBeyond65535AreRefused() {
        byte[] data = payload(2000, 8);
        Reassembler r = reassembler(limits);
        assertNull(r.offer(fragment(data, 0, 1000), 1, 2, 1, IpProtocol.UDP, HDR, 65_000, false));
        assertEquals(1, r.drops(Reassembler.Drop.TOO_LARGE));
    }

    @Test
    void timeoutDropsAndQuotesTheFirstFragment() {
        byte[] data = payload(3000, 9);
        Reassembler r = reassembler(limits);
        assertNull(offer(r, data, 0, 1480, true, 11));
        clock.advanceNanos(29_000_000_000L);
        timers.advance(clock.nanoTime());
        assertEquals(1, r.inProgress());
        clock.advanceNanos(2_000_000_000L);
        timers.advance(clock.nanoTime());
        assertEquals(0, r.inProgress());
        assertEquals(1, r.drops(Reassembler.Drop.TIMEOUT));
        assertEquals(1, timedOut.size(), "an ICMP time exceeded can quote the first fragment");
        assertEquals(0, r.bytesHeld());
    }

    @Test
    void timeoutWithoutFirstFragmentSendsNoError() {
        byte[] data = payload(3000, 10);
        Reassembler r = reassembler(limits);
        assertNull(offer(r, data, 1480, 1480, true, 12));
        clock.advanceNanos(31_000_000_000L);
        timers.advance(clock.nanoTime());
        assertEquals(1, r.drops(Reassembler.Drop.TIMEOUT));
        assertTrue(timedOut.isEmpty(), "RFC 792: time exceeded only when fragment zero arrived");
    }

    @Test
    void shardByteLimitEvictsTheOldestDatagram() {
        Reassembler r = reassembler(new Reassembler.Limits(8, 4000, 65_535, 64, 30_000_000_000L));
        byte[] data = payload(3000, 11);
        assertNull(offer(r, data, 0, 1480, true, 1));
        clock.advanceNanos(1_000);
        assertNull(offer(r, data, 0, 1480, true, 2));
        clock.advanceNanos(1_000);
        assertNull(offer(r, data, 0, 1480, true, 3)); // 3 × 1500 > 4000: datagram 1 is evicted
        assertEquals(1, r.drops(Reassembler.Drop.NO_ROOM));
        assertEquals(2, r.inProgress());
        assertTrue(r.bytesHeld() <= 4000);
        r.clear();
        assertEquals(0, r.bytesHeld());
    }

    @Test
    void datagramCountLimit() {
        Reassembler r = reassembler(new Reassembler.Limits(2, 1 << 20, 65_535, 64, 30_000_000_000L));
        byte[] data = payload(3000, 12);
        assertNull(offer(r, data, 0, 1480, true, 1));
        assertNull(offer(r, data, 0, 1480, true, 2));
        assertNull(offer(r, data, 0, 1480, true, 3));
        assertEquals(1, r.drops(Reassembler.Drop.NO_ROOM));
        r.clear();
    }

    @Test
    void fragmentCountLimit() {
        Reassembler r = reassembler(new Reassembler.Limits(4, 1 << 20, 65_535, 4, 30_000_000_000L));
        byte[] data = payload(80, 13);
        for (int i = 0; i < 4; i++) {
            assertNull(offer(r, data, i * 8, 8, true, 1));
        }
        assertNull(offer(r, data, 32, 8, true, 1));
        assertEquals(1, r.drops(Reassembler.Drop.TOO_MANY_FRAGMENTS));
        assertEquals(0, r.inProgress());
    }

    /**
     * IPv6 (RFC 8200 §4.5): datagrams are told apart by all 128 bits of source and destination;
     * two sources that differ only in their high halves, same identification, do not mix, and the
     * IPv6 ceiling (65,535 + 40 + 8) lets a full 65,535-byte payload through.
     */
    @Test
    void ipv6KeysUseWholeAddresses() {
        Reassembler r = new Reassembler(timers, new Reassembler.Limits(64, 1L << 20, 65_583, 64, 60_000_000_000L),
                new DropCounters<>(new ShardMetrics(0), "drops6", "test", Reassembler.Drop.class), first -> timedOut.add(first.share()),
                65_583);
        byte[] a = payload(1000, 3);
        byte[] b = payload(1000, 4);
        long dstHigh = 0xfd00_0007_0000_0000L;
        long srcA = 0xfd00_0007_0000_0000L;
        long srcB = 0xfd00_0008_0000_0000L;
        assertNull(r.offer(fragment(a, 0, 504), srcA, 1, dstHigh, 2, 9, 0, HDR, 0, true));
        assertNull(r.offer(fragment(b, 0, 504), srcB, 1, dstHigh, 2, 9, 0, HDR, 0, true));
        assertEquals(2, r.inProgress(), "two datagrams, not one");
        Packet wholeB = r.offer(fragment(b, 504, 496), srcB, 1, dstHigh, 2, 9, 0, HDR, 504, false);
        Packet wholeA = r.offer(fragment(a, 504, 496), srcA, 1, dstHigh, 2, 9, 0, HDR, 504, false);
        assertNotNull(wholeA);
        assertNotNull(wholeB);
        assertArrayEquals(a, Arrays.copyOfRange(wholeA.toByteArray(), HDR, HDR + 1000));
        assertArrayEquals(b, Arrays.copyOfRange(wholeB.toByteArray(), HDR, HDR + 1000));
        wholeA.release();
        wholeB.release();
        // Past IPv4's 65,535 but within the IPv6 ceiling (this test's stand-in header is 20 bytes: ends up to 65,563 pass).
        assertNull(r.offer(fragment(payload(16, 5), 0, 16), srcA, 1, dstHigh, 2, 10, 0, HDR, 65_536, true), "held, not too large");
        assertEquals(1, r.inProgress());
        assertNull(r.offer(fragment(payload(16, 6), 0, 16), srcA, 1, dstHigh, 2, 11, 0, HDR, 65_552, false));
        assertEquals(1, r.drops(Reassembler.Drop.TOO_LARGE), "past the IPv6 ceiling");
        r.clear();
    }
}
