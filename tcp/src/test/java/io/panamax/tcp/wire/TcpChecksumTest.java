package io.panamax.tcp.wire;

import io.panamax.ip.IpProtocol;
import io.panamax.ip.wire.InternetChecksum;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TcpChecksumTest {
    private final PacketPool pool = PacketPool.unowned(SlabBufferPool.unowned(64, 2048, 128));

    @Test
    void fragmentedSegmentSumsLikeItsLinearCopy() {
        Random r = new Random(5);
        for (int round = 0; round < 200; round++) {
            byte[] all = new byte[20 + r.nextInt(1500)];
            r.nextBytes(all);
            all[12] = 0x50;
            // Split at odd places: the checksum must handle fragments that end on odd bytes.
            Packet p = pool.allocate();
            int at = 0;
            while (at < all.length) {
                int n = Math.min(all.length - at, 1 + r.nextInt(300));
                Packet piece = pool.allocateWithHeadroom();
                piece.appendBytes(all, at, n);
                p.append(piece);
                at += n;
            }
            TcpChecksum.fill(0x0a000001, 0x0a000002, p);
            assertTrue(TcpChecksum.verifies(0x0a000001, 0x0a000002, p));
            byte[] linear = p.toByteArray();
            long sum = InternetChecksum.pseudoHeaderSum(0x0a000001, 0x0a000002, IpProtocol.TCP, linear.length)
                    + InternetChecksum.sum(MemorySegment.ofArray(linear), 0, linear.length);
            assertTrue(InternetChecksum.verifies(sum));
            // Any single flipped bit is caught.
            int flip = r.nextInt(linear.length);
            p.setU8(flip, p.getU8(flip) ^ (1 << r.nextInt(8)));
            assertFalse(TcpChecksum.verifies(0x0a000001, 0x0a000002, p));
            p.release();
        }
        assertEquals(64, pool.buffers().available());
    }

    @Test
    void pseudoHeaderFillIsWhatAnOffloadingNicCompletes() {
        Packet p = pool.allocateWithHeadroom();
        byte[] seg = new byte[40];
        seg[12] = 0x50;
        seg[30] = 42;
        p.appendBytes(seg, 0, seg.length);
        TcpChecksum.fillPseudoHeader(1, 2, p);
        int pseudo = p.getU16(TcpHeader.CHECKSUM);
        assertEquals(InternetChecksum.fold(InternetChecksum.pseudoHeaderSum(1, 2, IpProtocol.TCP, 40)), pseudo);
        assertFalse(TcpChecksum.verifies(1, 2, p), "not complete yet");
        // The NIC sums the segment with the pseudo-header sum in the field and writes the complement.
        long sum = InternetChecksum.sum(p, 0, p.length());
        p.setU16(TcpHeader.CHECKSUM, InternetChecksum.finish(sum));
        assertTrue(TcpChecksum.verifies(1, 2, p));
        p.release();
    }
}
