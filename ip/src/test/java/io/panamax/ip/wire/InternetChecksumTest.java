package io.panamax.ip.wire;

import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InternetChecksumTest {

    @Test
    void rfc1071WorkedExample() {
        // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
        byte[] data = HexFormat.of().parseHex("0001f203f4f5f6f7");
        assertEquals(0xddf2, InternetChecksum.fold(InternetChecksum.sum(MemorySegment.ofArray(data), 0, data.length)));
    }

    @Test
    void knownIpv4HeaderVerifies() {
        // A captured IPv4 header (20 bytes) with checksum 0xb861 (the usual textbook example).
        byte[] hdr = HexFormat.of().parseHex("450000730000400040110000c0a80001c0a800c7");
        int c = InternetChecksum.checksum(MemorySegment.ofArray(hdr), 0, hdr.length);
        assertEquals(0xb861, c);
        hdr[10] = (byte) (c >>> 8);
        hdr[11] = (byte) c;
        assertTrue(InternetChecksum.verifies(InternetChecksum.sum(MemorySegment.ofArray(hdr), 0, hdr.length)));
    }

    /**
     * The word-wise bulk sum (32-bit native-order words, swapped once at the end) against RFC 1071's
     * definition summed one big-endian 16-bit word at a time: every length from 0 to 40 at every
     * alignment, and random lengths up to a 64 KiB segment, random bytes and all-0xff bytes (the
     * largest sums, where a carry could be lost).
     */
    @Test
    void bulkSumEqualsWordByWordDefinition() {
        Random rnd = new Random(15);
        byte[] data = new byte[65_536 + 16];
        rnd.nextBytes(data);
        MemorySegment seg = MemorySegment.ofArray(data);
        for (int off = 0; off < 8; off++) {
            for (int len = 0; len <= 40; len++) {
                assertEquals(reference(data, off, len), InternetChecksum.fold(InternetChecksum.sum(seg, off, len)), off + "/" + len);
            }
        }
        for (int trial = 0; trial < 200; trial++) {
            int off = rnd.nextInt(16);
            int len = trial < 4 ? 65_535 - trial : rnd.nextInt(65_536);
            assertEquals(reference(data, off, len), InternetChecksum.fold(InternetChecksum.sum(seg, off, len)), off + "/" + len);
        }
        java.util.Arrays.fill(data, (byte) 0xff);
        for (int len : new int[] {8, 16, 1500, 65_535}) {
            assertEquals(reference(data, 1, len), InternetChecksum.fold(InternetChecksum.sum(seg, 1, len)));
        }
    }

    /** RFC 1071 §4.1: 16-bit big-endian words, an odd last byte padded with zero, end-around carry. */
    private static int reference(byte[] data, int off, int len) {
        long sum = 0;
        for (int i = 0; i < len; i += 2) {
            int hi = data[off + i] & 0xff;
            int lo = i + 1 < len ? data[off + i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    @Test
    void packetSumAcrossOddFragmentsEqualsFlatSum() {
        Random rnd = new Random(7);
        PacketPool pool = PacketPool.unowned(SlabBufferPool.unowned(64, 256, 0));
        for (int trial = 0; trial < 200; trial++) {
            byte[] data = new byte[1 + rnd.nextInt(900)];
            rnd.nextBytes(data);
            Packet p = pool.allocate();
            int pos = 0;
            while (pos < data.length) {
                int n = Math.min(1 + rnd.nextInt(37), data.length - pos);
                var b = pool.buffers().allocate();
                MemorySegment.copy(MemorySegment.ofArray(data), pos, b.memory(), 3, n);
                p.append(b, 3, n);
                pos += n;
            }
            int from = rnd.nextInt(data.length);
            int len = rnd.nextInt(data.length - from + 1);
            long flat = InternetChecksum.sum(MemorySegment.ofArray(data), from, len);
            assertEquals(InternetChecksum.fold(flat), InternetChecksum.fold(InternetChecksum.sum(p, from, len)));
            p.release();
        }
        assertTrue(pool.buffers().isFull());
    }

    @Test
    void incrementalUpdateMatchesRecomputation() {
        byte[] hdr = HexFormat.of().parseHex("450000730000400040110000c0a80001c0a800c7");
        int c = InternetChecksum.checksum(MemorySegment.ofArray(hdr), 0, 20);
        hdr[10] = (byte) (c >>> 8);
        hdr[11] = (byte) c;
        // Decrement the TTL (byte 8): the word 0x4011 becomes 0x3f11.
        int updated = InternetChecksum.update(c, 0x4011, 0x3f11);
        hdr[8] = 0x3f;
        hdr[10] = 0;
        hdr[11] = 0;
        assertEquals(InternetChecksum.checksum(MemorySegment.ofArray(hdr), 0, 20), updated);
    }
}
