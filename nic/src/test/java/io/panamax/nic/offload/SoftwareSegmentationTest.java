package io.panamax.nic.offload;

import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TSO fallback against the rules a NIC follows: a 10,000-byte super-segment with timestamp
 * options, PSH, FIN and CWR, whose sequence number wraps inside it, cut at an MSS of 1448 into
 * seven frames; each frame is checked field by field and by its checksums (RFC 1071 over the
 * frame as sent), and the payloads put together are the original.
 */
class SoftwareSegmentationTest {
    private static final int L2 = 14;
    private static final int L3 = 20;
    private static final int TCP_HEADER = 32;
    private static final int HEADERS = L2 + L3 + TCP_HEADER;
    private static final int MSS = 1448;
    private static final int PAYLOAD = 10_000;
    private static final long SEQUENCE = 0xffff_f000L;

    private final PacketPool packets = PacketPool.unowned(SlabBufferPool.unowned(64, 2176, 128));

    @ParameterizedTest(name = "device checksums: {0}")
    @ValueSource(booleans = {false, true})
    void cutsASuperSegmentAsANicWould(boolean deviceChecksums) {
        byte[] payload = new byte[PAYLOAD];
        new Random(7).nextBytes(payload);
        Packet p = superSegment(payload);
        List<Packet> frames = new ArrayList<>();
        assertEquals(7, SoftwareSegmentation.segment(p, packets, deviceChecksums, frames::add));
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int k = 0; k < frames.size(); k++) {
            Packet f = frames.get(k);
            byte[] b = f.toByteArray();
            boolean last = k == frames.size() - 1;
            int n = last ? PAYLOAD - MSS * k : MSS;
            assertEquals(HEADERS + n, b.length, "frame " + k);
            assertEquals(L3 + TCP_HEADER + n, u16(b, L2 + 2), "IPv4 total length");
            assertEquals((0x1234 + k) & 0xffff, u16(b, L2 + 4), "Identification, one up per frame");
            assertEquals((SEQUENCE + (long) MSS * k) & 0xffffffffL, u32(b, L2 + L3 + 4), "sequence number");
            int flags = b[L2 + L3 + 13] & 0xff;
            assertEquals(last, (flags & 0x01) != 0, "FIN on the last frame only");
            assertEquals(last, (flags & 0x08) != 0, "PSH on the last frame only");
            assertEquals(k == 0, (flags & 0x80) != 0, "CWR on the first frame only");
            assertTrue((flags & 0x10) != 0, "ACK on every frame");
            assertArrayEquals(java.util.Arrays.copyOfRange(superHeaders(), L2 + L3 + 20, HEADERS),
                    java.util.Arrays.copyOfRange(b, L2 + L3 + 20, HEADERS), "the options on every frame");
            assertEquals(0xffff, fold(sum(b, L2, L3)), "IPv4 header checksum of frame " + k);
            long pseudo = sum(b, L2 + 12, 8) + 6 + TCP_HEADER + n;
            if (deviceChecksums) {
                assertEquals(Packet.TX_TCP_CHECKSUM, f.flags() & (Packet.TX_TCP_CHECKSUM | Packet.TX_TCP_SEGMENTATION));
                assertEquals(fold(pseudo), u16(b, L2 + L3 + 16), "the pseudo-header sum of the frame's own length");
            } else {
                assertEquals(0, f.flags() & Packet.TX_TCP_CHECKSUM, "computed here, nothing asked of the device");
                assertEquals(0xffff, fold(sum(b, L2 + L3, TCP_HEADER + n) + pseudo), "TCP checksum of frame " + k);
            }
            joined.write(b, HEADERS, n);
            f.release();
        }
        assertArrayEquals(payload, joined.toByteArray());
        assertTrue(packets.buffers().isFull(), "every buffer back: the payload views went with the frames");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"arp", "truncated"})
    void dropsWhatIsNotTheTcpItClaims(String what) {
        Packet p = packets.allocate();
        byte[] frame = what.equals("arp") ? new byte[60] : java.util.Arrays.copyOf(superHeaders(), L2 + L3 + 10);
        if (what.equals("arp")) {
            frame[12] = 0x08;
            frame[13] = 0x06;
        }
        p.appendBytes(frame, 0, frame.length);
        p.setSegmentSize(MSS);
        p.addFlags(Packet.TX_TCP_SEGMENTATION);
        List<Packet> frames = new ArrayList<>();
        assertEquals(-1, SoftwareSegmentation.segment(p, packets, false, frames::add));
        assertTrue(frames.isEmpty());
        assertTrue(packets.buffers().isFull());
    }

    private Packet superSegment(byte[] payload) {
        byte[] h = superHeaders();
        Packet p = packets.allocate();
        p.appendBytes(h, 0, h.length);
        Packet rest = packets.allocate();
        rest.appendBytes(payload, 0, payload.length);
        p.append(rest);
        p.setHeaderLengths(L2, L3);
        p.setSegmentSize(MSS);
        p.addFlags(Packet.TX_TCP_SEGMENTATION | Packet.TX_TCP_CHECKSUM);
        return p;
    }

    /** Ethernet, IPv4 (DF, checksum of the whole), TCP with NOP NOP timestamps; checksum field: the pseudo-header sum. */
    private static byte[] superHeaders() {
        byte[] b = new byte[HEADERS];
        b[12] = 0x08;
        int ip = L2;
        b[ip] = 0x45;
        put16(b, ip + 2, L3 + TCP_HEADER + PAYLOAD);
        put16(b, ip + 4, 0x1234);
        b[ip + 6] = 0x40;
        b[ip + 8] = 64;
        b[ip + 9] = 6;
        b[ip + 12] = 10; b[ip + 13] = 7; b[ip + 15] = 2;
        b[ip + 16] = 10; b[ip + 17] = 7; b[ip + 19] = 1;
        put16(b, ip + 10, ~fold(sum(b, ip, L3)) & 0xffff);
        int t = L2 + L3;
        put16(b, t, 7);
        put16(b, t + 2, 40000);
        put16(b, t + 4, (int) (SEQUENCE >>> 16));
        put16(b, t + 6, (int) SEQUENCE);
        b[t + 12] = (byte) ((TCP_HEADER / 4) << 4);
        b[t + 13] = (byte) (0x80 | 0x10 | 0x08 | 0x01);
        put16(b, t + 14, 65535);
        b[t + 20] = 1; b[t + 21] = 1; b[t + 22] = 8; b[t + 23] = 10;
        b[t + 27] = 42; b[t + 31] = 99;
        put16(b, t + 16, fold(sum(b, ip + 12, 8) + 6 + TCP_HEADER + PAYLOAD));
        return b;
    }

    private static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    private static long u32(byte[] b, int at) {
        return ((long) u16(b, at) << 16) | u16(b, at + 2);
    }

    private static long sum(byte[] b, int off, int len) {
        long s = 0;
        for (int i = 0; i < len; i += 2) {
            s += (b[off + i] & 0xff) << 8 | (i + 1 < len ? b[off + i + 1] & 0xff : 0);
        }
        return s;
    }

    private static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }
}
