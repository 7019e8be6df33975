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
