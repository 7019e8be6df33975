package io.panamax.reactor.buffer;

import io.panamax.reactor.Reactor;
import io.panamax.reactor.ManualClock;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pools: geometry, exhaustion (counted, never a crash), reference counting mistakes. */
class BufferPoolTest {

    @Test
    void aSlabHandsOutDisjointAlignedBuffers() {
        SlabBufferPool pool = SlabBufferPool.unowned(64, 100, 10);
        assertEquals(64, pool.capacity());
        assertEquals(100, pool.bufferSize());
        assertEquals(10, pool.headroom());
        List<Buffer> all = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            Buffer b = pool.allocate();
            assertEquals(1, b.refCnt());
            assertEquals(100, b.capacity());
            assertEquals(0, b.memory().address() % 64, "64-byte aligned");
            assertEquals(0, b.nativeHandle());
            assertSame(pool, b.pool());
            b.memory().fill((byte) i);
            all.add(b);
        }
        for (int i = 0; i < 64; i++) {
            Buffer b = all.get(i);
            for (long k = 0; k < 100; k++) {
                assertEquals((byte) i, b.memory().get(ValueLayout.JAVA_BYTE, k), "no buffer overlaps another");
            }
        }
        assertEquals(0, pool.available());
        all.forEach(Buffer::release);
        assertTrue(pool.isFull());
        assertThrows(IllegalArgumentException.class, () -> SlabBufferPool.unowned(0, 100, 0));
        assertThrows(IllegalArgumentException.class, () -> SlabBufferPool.unowned(1, 100, 100));
    }

    @Test
    void anEmptyPoolReturnsNullAndCountsEveryRefusal() {
        SlabBufferPool pool = SlabBufferPool.unowned(2, 64, 0);
        Buffer a = pool.allocate();
        Buffer b = pool.allocate();
        assertNull(pool.allocate());
        assertNull(pool.allocate());
        assertEquals(2, pool.exhaustedCount());
        PacketPool packets = PacketPool.unowned(pool);
        assertNull(packets.allocateWithHeadroom());
        assertEquals(3, pool.exhaustedCount());
        assertEquals(0, packets.inUse(), "no wrapper is held for a refused allocation");
        a.release();
        assertNotNull(pool.allocate());
        b.release();
        assertEquals(1, pool.available());
    }

    @Test
    void prependWithoutHeadroomOnAnEmptyPoolThrowsTheSharedExhaustedException() {
        SlabBufferPool pool = SlabBufferPool.unowned(1, 64, 8);
        PacketPool packets = PacketPool.unowned(pool);
        Packet p = packets.allocateWithHeadroom();
        p.appendBytes(new byte[] {1, 2, 3}, 0, 3);
        assertEquals(0, p.prepend(8), "the headroom is used first");
        BufferExhaustedException e = assertThrows(BufferExhaustedException.class, () -> p.prepend(1));
        assertSame(e, assertThrows(BufferExhaustedException.class, () -> p.prepend(4)), "pre-allocated");
        assertEquals(0, e.getStackTrace().length, "no stack trace is filled in");
        assertEquals(11, p.length(), "a failed prepend leaves the packet as it was");
        assertEquals(2, pool.exhaustedCount());
        p.release();
        assertTrue(pool.isFull());
    }

    @Test
    void operationsThatNeedABufferFailCleanlyWhenThePoolIsEmpty() {
        SlabBufferPool pool = SlabBufferPool.unowned(3, 16, 0);
        PacketPool packets = PacketPool.unowned(pool);
        Packet p = packets.allocate();
        byte[] data = new byte[40];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        assertEquals(40, p.appendBytes(data, 0, 40), "three buffers of 16");
        assertEquals(0, pool.available());
        assertEquals(0, p.appendBytes(data, 0, 40) - 8, "the last buffer's tail takes 8 more, then the pool is dry");
        assertEquals(48, p.length());
        assertFalse(p.linearize(20), "no buffer to linearize into");
        assertEquals(48, p.length());
        byte[] expected = new byte[48];
        System.arraycopy(data, 0, expected, 0, 40);
        System.arraycopy(data, 0, expected, 40, 8);
        assertArrayEquals(expected, p.toByteArray(), "unchanged by the failures");
        assertThrows(IllegalArgumentException.class, () -> p.prepend(-1));
        p.trimFront(16);
        assertThrows(IllegalArgumentException.class, () -> p.prepend(17), "larger than a buffer");
        assertEquals(1, pool.available(), "the buffer taken for the refused prepend went back");
        assertFalse(p.linearize(1000), "longer than the packet");
        p.release();
        assertTrue(pool.isFull());
    }

    @Test
    void releasingTooOftenIsDetected() {
        SlabBufferPool pool = SlabBufferPool.unowned(4, 64, 0);
        Buffer b = pool.allocate();
        b.retain();
        b.release();
        b.release();
        IllegalStateException e = assertThrows(IllegalStateException.class, b::release);
        assertTrue(e.getMessage().contains("released more often than retained"), e.getMessage());
        assertThrows(IllegalStateException.class, b::retain, "retain of a free buffer");
        assertEquals(4, pool.available(), "the extra release did not free it twice");

        PacketPool packets = PacketPool.unowned(pool);
        Packet p = packets.allocateWithHeadroom();
        p.release();
        IllegalStateException e2 = assertThrows(IllegalStateException.class, p::release);
        assertTrue(e2.getMessage().contains("after release"), e2.getMessage());
        assertThrows(IllegalStateException.class, () -> p.prepend(1));
        assertThrows(IllegalStateException.class, () -> p.share(0, 0));
        assertFalse(p.isLive());
        assertEquals(0, packets.inUse());
        assertTrue(pool.isFull());
    }

    @Test
    void outOfRangeAccessIsRefused() {
        PacketPool packets = PacketPool.unowned(SlabBufferPool.unowned(4, 64, 8));
        Packet p = packets.allocateWithHeadroom();
        p.appendBytes(new byte[10], 0, 10);
        assertThrows(IndexOutOfBoundsException.class, () -> p.getU8(10));
        assertThrows(IndexOutOfBoundsException.class, () -> p.getU16(9));
        assertThrows(IndexOutOfBoundsException.class, () -> p.getI32(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> p.setU8(10, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> p.trimFront(11));
        assertThrows(IndexOutOfBoundsException.class, () -> p.trimBack(11));
        assertThrows(IndexOutOfBoundsException.class, () -> p.truncate(11));
        assertThrows(IndexOutOfBoundsException.class, () -> p.share(5, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> p.copyTo(5, new byte[10], 0, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> p.fragmentLength(1));
        Buffer spare = packets.buffers().allocate();
        assertThrows(IndexOutOfBoundsException.class, () -> p.append(spare, 60, 5));
        spare.release();
        assertEquals(10, p.length());
        p.release();
        assertTrue(packets.buffers().isFull());
    }

    @Test
    void aShardsPoolsRefuseOtherShardsThreads() {
        assertTrue(BufferPool.class.desiredAssertionStatus(), "tests run with -ea");
        try (Reactor r = Reactor.builder().shards(2).manual().clock(new ManualClock()).buffersPerShard(2).build().start()) {
            r.runOn(1, () -> {
                assertThrows(IllegalStateException.class, () -> r.shard(0).buffers().allocate());
                assertThrows(IllegalStateException.class, () -> r.shard(0).packets().allocate());
            });
            // The thread driving a manual reactor may set things up from outside runOn.
            Buffer b = r.shard(0).buffers().allocate();
            b.release();
        }
        try (Reactor r = Reactor.builder().shards(1).stallThreshold(java.time.Duration.ZERO).build().start()) {
            assertThrows(IllegalStateException.class, () -> r.shard(0).buffers().allocate(),
                    "a running shard's pool from a foreign thread");
            assertThrows(IllegalStateException.class, () -> r.shard(0).packets().allocateWithHeadroom());
        }
    }

    @Test
    void aShardsPoolExhaustionShowsInItsMetrics() {
        try (Reactor r = Reactor.builder().shards(1).manual().clock(new ManualClock()).buffersPerShard(2).build().start()) {
            r.runOn(0, () -> {
                BufferPool pool = r.shard(0).buffers();
                Buffer a = pool.allocate();
                Buffer b = pool.allocate();
                assertNull(r.shard(0).packets().allocateWithHeadroom());
                a.release();
                b.release();
            });
            assertEquals(1, r.metrics().total("reactor_buffer_pool_exhausted_total"));
            assertEquals(2, r.metrics().total("reactor_buffers_available"));
            assertEquals(2, r.metrics().total("reactor_buffers_capacity"));
        }
    }
}
