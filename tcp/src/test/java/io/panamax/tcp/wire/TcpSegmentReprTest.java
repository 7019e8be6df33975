package io.panamax.tcp.wire;

import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TcpSegmentReprTest {
    private final PacketPool pool = PacketPool.unowned(SlabBufferPool.unowned(16, 2048, 128));

    private static TcpSegmentRepr linuxSyn() {
        TcpSegmentRepr r = new TcpSegmentRepr();
        r.srcPort = 40000;
        r.dstPort = 80;
        r.seq = 0x01020304;
        r.flags = TcpHeader.SYN | TcpHeader.ECE | TcpHeader.CWR;
        r.window = 64240;
        r.options.mss = 1460;
        r.options.sackPermitted = true;
        r.options.hasTimestamps = true;
        r.options.tsVal = 0x11223344;
        r.options.tsEcr = 0;
        r.options.windowScale = 7;
        return r;
    }

    @Test
    void aSynIsLaidOutAsLinuxSendsIt() {
        // Linux's SYN options (tcp_options_write): MSS, SACK-Permitted + Timestamps, NOP, Window Scale.
        byte[] b = new byte[60];
        int hlen = linuxSyn().emit(MemorySegment.ofArray(b), 0);
        assertEquals(40, hlen);
        assertEquals("020405b4" + "0402080a" + "11223344" + "00000000" + "01030307",
                HexFormat.of().formatHex(b, 20, 40));
        assertEquals(0xa0, b[12] & 0xff, "data offset 10 words");
        assertEquals(0xc2, b[13] & 0xff, "CWR ECE SYN (RFC 3168 6.1.1)");
        assertEquals(0, b[8] | b[9] | b[10] | b[11], "no ACK: the acknowledgment field is 0");
    }

    @Test
    void emitThenParseGivesTheSameValue() {
        Random rnd = new Random(3);
        TcpSegmentRepr in = new TcpSegmentRepr();
        TcpSegmentRepr out = new TcpSegmentRepr();
        for (int round = 0; round < 2000; round++) {
            in.clearHeader();
            in.srcPort = 1 + rnd.nextInt(65535);
            in.dstPort = 1 + rnd.nextInt(65535);
            in.seq = rnd.nextInt();
            in.ack = rnd.nextInt();
            in.flags = rnd.nextInt(256) & ~(TcpHeader.SYN | TcpHeader.RST) | TcpHeader.ACK;
            in.window = rnd.nextInt(65536);
            in.urgentPointer = rnd.nextInt(65536);
            if (rnd.nextBoolean()) {
                in.options.hasTimestamps = true;
                in.options.tsVal = rnd.nextInt();
                in.options.tsEcr = rnd.nextInt();
            }
            if (rnd.nextInt(4) == 0) {
                in.options.userTimeout = rnd.nextInt(65536);
            }
            int maxBlocks = (in.options.hasTimestamps ? 3 : 4) - (in.options.userTimeout >= 0 ? 1 : 0);
            in.options.sackBlocks = rnd.nextInt(maxBlocks + 1);
            for (int i = 0; i < in.options.sackBlocks; i++) {
                in.options.sackLeft[i] = rnd.nextInt();
                in.options.sackRight[i] = rnd.nextInt();
            }
            byte[] b = new byte[60 + 7];
            int hlen = in.emit(MemorySegment.ofArray(b), 0);
            assertEquals(in.headerLength(), hlen);
            assertEquals(TcpSegmentRepr.Verdict.OK, out.parse(MemorySegment.ofArray(b), 0, hlen + 7));
            assertEquals(in.toString().replace("len=0", "len=7"), out.toString());
            assertEquals(in.urgentPointer, out.urgentPointer);
            assertEquals(in.ack, out.ack);
        }
    }

    @Test
    void checksumOverEitherPseudoHeaderVerifies() {
        TcpSegmentRepr r = linuxSyn();
        for (boolean v6 : new boolean[] {false, true}) {
            Packet p = pool.allocateWithHeadroom();
            int at = p.prepend(r.headerLength());
            r.emit(p.head(), at);
            p.appendBytes(new byte[] {1, 2, 3}, 0, 3);
            if (v6) {
                TcpChecksum.fill6(0xfd00_0007L << 32, 2, 0xfd00_0007L << 32, 1, p);
                assertTrue(TcpChecksum.verifies6(0xfd00_0007L << 32, 2, 0xfd00_0007L << 32, 1, p));
            } else {
                TcpChecksum.fill(0x0a070002, 0x0a070001, p);
                assertTrue(TcpChecksum.verifies(0x0a070002, 0x0a070001, p));
            }
            p.release();
        }
        assertEquals(16, pool.buffers().available());
    }

    @Test
    void badInputGetsANamedVerdict() {
        TcpSegmentRepr r = new TcpSegmentRepr();
        byte[] good = new byte[40];
        linuxSyn().emit(MemorySegment.ofArray(good), 0);
        assertEquals(TcpSegmentRepr.Verdict.OK, r.parse(MemorySegment.ofArray(good), 0, 40));
        assertEquals(TcpSegmentRepr.Verdict.TOO_SHORT, r.parse(MemorySegment.ofArray(good), 0, 19));
        assertEquals(TcpSegmentRepr.Verdict.BAD_HEADER_LENGTH, r.parse(MemorySegment.ofArray(good), 0, 30),
                "a 40-byte header in 30 bytes");
        // Header bytes missing from the memory given (not linearized): too short, never a read past it.
        assertEquals(TcpSegmentRepr.Verdict.TOO_SHORT, r.parse(MemorySegment.ofArray(good).asSlice(0, 30), 0, 100));
        byte[] b = good.clone();
        b[12] = 0x40;
        assertEquals(TcpSegmentRepr.Verdict.BAD_HEADER_LENGTH, r.parse(MemorySegment.ofArray(b), 0, 40));
        b = good.clone();
        b[0] = 0;
        b[1] = 0;
        assertEquals(TcpSegmentRepr.Verdict.ZERO_PORT, r.parse(MemorySegment.ofArray(b), 0, 40));
        b = good.clone();
        b[21] = 9;   // the MSS option claims 9 bytes
        assertEquals(TcpSegmentRepr.Verdict.BAD_OPTIONS, r.parse(MemorySegment.ofArray(b), 0, 40));
        b = good.clone();
        b[13] = (byte) (TcpHeader.SYN | TcpHeader.FIN);
        assertEquals(TcpSegmentRepr.Verdict.BAD_FLAGS, r.parse(MemorySegment.ofArray(b), 0, 40));
    }

    @Test
    void randomBytesNeverThrow() {
        Random rnd = new Random(11);
        TcpSegmentRepr r = new TcpSegmentRepr();
        int ok = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] b = new byte[rnd.nextInt(70)];
            rnd.nextBytes(b);
            if (b.length > 12 && rnd.nextBoolean()) {
                b[12] = (byte) (rnd.nextInt(16) << 4);
            }
            TcpSegmentRepr.Verdict v = r.parse(MemorySegment.ofArray(b), 0, b.length + rnd.nextInt(3));
            assertNotNull(v);
            if (v == TcpSegmentRepr.Verdict.OK) {
                ok++;
            }
        }
        assertTrue(ok > 0, "some random headers parse");
    }

    @Test
    void optionsThatDoNotFitAreASenderBug() {
        TcpSegmentRepr r = linuxSyn();
        r.options.sackBlocks = 3;
        assertThrows(IllegalStateException.class, () -> r.emit(MemorySegment.ofArray(new byte[80]), 0));
        assertEquals(68, r.headerLength(), "20 + MSS 4 + SACK-Permitted and Timestamps 12 + Window Scale 4 + three SACK blocks 28");
    }
}
