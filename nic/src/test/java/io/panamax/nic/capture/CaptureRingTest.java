package io.panamax.nic.capture;

import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shard-to-writer record ring: staged bursts, partial commits, wrap-around, a full ring. */
class CaptureRingTest {
    private final SlabBufferPool buffers = SlabBufferPool.unowned(64, 2048, 128);
    private final PacketPool packets = PacketPool.unowned(buffers);

    private Packet frame(int length, int fill) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) fill);
        Packet p = packets.allocateWithHeadroom();
        p.appendBytes(b, 0, length);
        return p;
    }

    /** Everything published, as the writer thread reads it: {captured bytes..., original length}. */
    private static List<byte[]> drain(CaptureRing ring) {
        List<byte[]> out = new ArrayList<>();
        long head = ring.head();
        long end = ring.published();
        MemorySegment m = ring.memory();
        while (head < end) {
            long at = ring.offset(head);
            if (CaptureRing.isFrame(m, at)) {
                byte[] b = new byte[CaptureRing.capturedLength(m, at)];
                MemorySegment.copy(m, ValueLayout.JAVA_BYTE, at + CaptureRing.HEADER, b, 0, b.length);
                out.add(b);
                assertEquals(7, CaptureRing.queue(m, at));
            }
            head += CaptureRing.length(m, at);
        }
        ring.release(head);
        return out;
    }

    @Test
    void onlyTheFramesTheDeviceTookArePublished() {
        CaptureRing ring = new CaptureRing(8192, 2000);
        Packet[] burst = new Packet[5];
        ring.begin();
        for (int i = 0; i < 5; i++) {
            burst[i] = frame(1000, i);
            assertTrue(ring.stage(burst[i], 1, 7, 2));
        }
        assertEquals(0, ring.commit(3));
        List<byte[]> got = drain(ring);
        assertEquals(3, got.size());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(burst[i].toByteArray(), got.get(i));
        }
        for (Packet p : burst) {
            p.release();
        }
        assertTrue(buffers.isFull());
    }

    @Test
    void recordsWrapAroundThroughAPaddingRecord() {
        CaptureRing ring = new CaptureRing(8192, 2000);
        int fill = 0;
        for (int round = 0; round < 50; round++) {
            List<byte[]> sent = new ArrayList<>();
            ring.begin();
            int n = 1 + round % 3;
            for (int i = 0; i < n; i++) {
                Packet p = frame(700 + round * 13 % 900, fill++);
                assertTrue(ring.stage(p, 1, 7, 1));
                sent.add(p.toByteArray());
                p.release();
            }
            assertEquals(0, ring.commit(n));
            List<byte[]> got = drain(ring);
            assertArrayEquals(sent.toArray(byte[][]::new), got.toArray(byte[][]::new), "round " + round);
        }
    }

    @Test
    void aFullRingStagesAPrefixAndCountsTheRest() {
        CaptureRing ring = new CaptureRing(8192, 2000);
        ring.begin();
        int staged = 0;
        Packet[] burst = new Packet[10];
        for (int i = 0; i < 10; i++) {
            burst[i] = frame(1500, i);
            if (ring.stage(burst[i], 1, 7, 1)) {
                staged++;
            }
        }
        assertEquals(5, staged, "8192 bytes hold five records of 1536");
        assertEquals(5, ring.commit(10), "five frames had no room");
        assertEquals(5, drain(ring).size());
        ring.begin();
        assertTrue(ring.stage(burst[9], 1, 7, 1), "room again once the writer caught up");
        assertFalse(ring.commit(1) != 0);
        for (Packet p : burst) {
            p.release();
        }
    }
}
