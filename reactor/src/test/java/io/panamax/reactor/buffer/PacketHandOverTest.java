package io.panamax.reactor.buffer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NIC fast paths' packet calls: a one-fragment packet made in one step
 * ({@link PacketPool#allocate(Buffer, int, int)}), a sent packet whose only buffer reference a
 * device took ({@link Packet#releaseHandedOver()}), and the pool's free list of wrapper indexes
 * when it grows. The device's side is played by the test: it gives the buffer back to its pool, as
 * a DPDK driver frees a sent mbuf into its mempool.
 */
class PacketHandOverTest {
    private final SlabBufferPool buffers = SlabBufferPool.unowned(1024, 256, 32);
    private final PacketPool packets = PacketPool.unowned(buffers);

    @AfterEach
    void nothingLeaked() {
        assertTrue(buffers.isFull(), "buffers back: " + buffers.available() + "/" + buffers.capacity());
        assertEquals(0, packets.inUse(), "packet wrappers back");
    }

    @Test
    void aOneFragmentPacketIsMadeInOneStep() {
        Buffer b = buffers.allocate();
        b.memory().set(ValueLayout.JAVA_BYTE, 40, (byte) 0x45);
        Packet p = packets.allocate(b, 40, 60);
        assertTrue(p.isLive());
        assertEquals(1, p.fragmentCount());
        assertSame(b, p.fragmentBuffer(0));
        assertEquals(40, p.fragmentOffset(0));
        assertEquals(60, p.length());
        assertEquals(0x45, p.getU8(0));
        assertEquals(1, b.refCnt(), "the packet took the caller's reference, no other");
        p.release();
        assertEquals(0, b.refCnt());
    }

    @Test
    void aFragmentOutsideItsBufferIsRefusedAndTheBufferStaysTheCallers() {
        Buffer b = buffers.allocate();
        assertThrows(IndexOutOfBoundsException.class, () -> packets.allocate(b, 200, 57));
        assertThrows(IndexOutOfBoundsException.class, () -> packets.allocate(b, -1, 10));
        assertThrows(IndexOutOfBoundsException.class, () -> packets.allocate(b, 0, -1));
        assertEquals(0, packets.inUse(), "no wrapper taken for a refused fragment");
        assertEquals(1, b.refCnt());
        b.release();
    }

    @Test
    void aHandedOverBufferLeavesThePacketWithoutGoingBackToItsPool() {
        Buffer b = buffers.allocate();
        Packet p = packets.allocate(b, 32, 64);
        assertTrue(p.isSoleOwnerOfOnlyBuffer());
        int before = buffers.available();
        p.releaseHandedOver();
        assertFalse(p.isLive());
        assertEquals(0, packets.inUse(), "the wrapper is back");
        assertEquals(0, b.refCnt(), "the buffer's wrapper is free for its return");
        assertEquals(before, buffers.available(), "but the buffer is the device's: not in the pool");
        // The device is done with it and frees it into the pool, as a driver frees a sent mbuf.
        buffers.recycle(b);
    }

    @Test
    void onlyTheSoleOwnerOfOneBufferMayHandItOver() {
        // A buffer shared with another packet: the other still reads it.
        Packet p = packets.allocateWithHeadroom();
        p.extend(60);
        Packet view = p.share();
        assertFalse(p.isSoleOwnerOfOnlyBuffer());
        assertThrows(IllegalStateException.class, p::releaseHandedOver);
        assertTrue(p.isLive(), "a refused hand-over changes nothing");
        view.release();
        assertTrue(p.isSoleOwnerOfOnlyBuffer());
        // Two fragments.
        Buffer second = buffers.allocate();
        p.append(second, 0, 10);
        assertFalse(p.isSoleOwnerOfOnlyBuffer());
        assertThrows(IllegalStateException.class, p::releaseHandedOver);
        p.release();
        // Released already.
        assertFalse(p.isSoleOwnerOfOnlyBuffer());
        assertThrows(IllegalStateException.class, p::releaseHandedOver);
        // Empty.
        Packet empty = packets.allocate();
        assertFalse(empty.isSoleOwnerOfOnlyBuffer());
        empty.release();
    }

    @Test
    void theFreeListOfIndexesGrowsAndHandsEveryWrapperOutAgain() {
        List<Packet> held = new ArrayList<>();
        for (int i = 0; i < 700; i++) {
            held.add(packets.allocate());
        }
        assertEquals(700, packets.inUse());
        assertEquals(700, packets.created());
        held.forEach(Packet::release);
        held.clear();
        assertEquals(0, packets.inUse());
        for (int i = 0; i < 700; i++) {
            Packet p = packets.allocate();
            assertTrue(p.isLive());
            held.add(p);
        }
        assertEquals(700, packets.created(), "every wrapper reused, none made");
        assertEquals(700, held.stream().distinct().count(), "each handed out once");
        held.forEach(Packet::release);
    }
}
