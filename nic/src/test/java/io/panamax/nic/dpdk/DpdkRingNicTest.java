package io.panamax.nic.dpdk;

import io.panamax.reactor.testing.SharedData;
import io.panamax.dpdk.Mbuf;
import io.panamax.nic.pcap.Pcap4jFrames;
import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DPDK backend over DPDK's {@code net_ring} driver, which loops each queue's transmit ring back
 * into its receive ring: what the backend sends comes back through the driver as the device's own
 * received frames.
 */
@Tag("dpdk")
class DpdkRingNicTest {
    private DpdkNic nic;
    private DpdkQueue queue;
    private PacketPool packets;

    @BeforeEach
    void open() {
        DpdkTests.requireEal();
        nic = DpdkNic.open(DpdkNicConfig.vdev(DpdkTests.uniqueVdev("net_ring")).descriptors(256, 256).mbufsPerQueue(512).build());
        queue = nic.queue(0);
        // A plain thread's pools: the queue's buffers are its mbufs, others come from a slab.
        packets = PacketPool.unowned(SlabBufferPool.unowned(128, 2176, 128));
        queue.attach(packets);
    }

    @AfterEach
    void close() {
        if (nic != null) {
            nic.close();
        }
    }

    @Test
    void describesTheDevice() {
        assertTrue(nic.name().startsWith("dpdk:net_ring_pmx"), nic.name());
        assertEquals("net_ring", nic.deviceInfo().driverName());
        assertEquals(1, nic.queueCount());
        assertTrue(nic.linkUp(), "a started ring port reports its link up");
        assertTrue(nic.mtu() >= 1500, "mtu " + nic.mtu());
        assertTrue(nic.rss().isEmpty(), "one queue: no RSS");
        MbufBufferPool pool = queue.bufferPool();
        assertNotNull(pool);
        assertEquals(512, pool.capacity());
        assertEquals(Mbuf.HEADROOM, pool.headroom());
        assertEquals(DpdkNicConfig.DEFAULT_DATA_ROOM, pool.bufferSize());
        assertTrue(pool.isFull());
        MbufPool mempool = pool.mempool();
        // Slots index every mbuf of the mempool, those a driver keeps in its ring included
        // (TLS's per-slot views were sized by capacity once and overflowed on net_tap).
        assertEquals(mempool.size(), pool.slots());
        assertTrue(pool.slots() >= pool.capacity());
        for (int slot = 0; slot < pool.slots(); slot++) {
            long m = mempool.mbuf(slot);
            assertEquals(slot, pool.slotOf(m));
        }
        // Whether the pool lies at one stride depends on how the EAL's memory was carved (both
        // happen here); when it does, slots are arithmetic and must refuse what is no mbuf.
        if (mempool.uniformStride()) {
            long first = mempool.mbuf(0);
            assertEquals(-1, pool.slotOf(first + 8), "an address inside an mbuf is no mbuf");
            assertEquals(-1, pool.slotOf(first - 4096), "nor one before the pool");
            assertEquals(-1, pool.slotOf(mempool.mbuf(pool.slots() - 1) + 65536), "nor one after it");
        }
    }

    @Test
    void aFrameReceivedOnOnePortLeavesAnotherWithoutACopy() {
        try (DpdkNic other = DpdkNic.open(DpdkNicConfig.vdev(DpdkTests.uniqueVdev("net_ring")).descriptors(256, 256)
                .mbufsPerQueue(512).build())) {
            DpdkQueue out = other.queue(0);
            out.attach(packets);
            byte[] frame = frame(200, 5);
            Packet p = PacketPool.unowned(queue.bufferPool()).allocateWithHeadroom();
            p.appendBytes(frame, 0, frame.length);
            assertEquals(1, queue.transmit(new Packet[] {p}, 1));
            Packet[] got = new Packet[4];
            assertEquals(1, queue.receive(got, 4));
            // Received on this port, in this port's mbuf: sent on the other port as is.
            assertEquals(1, out.transmit(got, 1));
            assertEquals(1, out.counters().txZeroCopy.get());
            assertEquals(1, out.receive(got, 4));
            assertEquals(0, out.receive(new Packet[4], 4), "nothing more");
            assertEquals(1, out.counters().rxBursts.get(), "one burst brought frames; the empty one is not counted");
            assertSame(queue.bufferPool(), got[0].fragmentBuffer(0).pool(), "still the first port's mbuf");
            assertArrayEquals(frame, got[0].toByteArray());
            got[0].release();
            assertTrue(queue.bufferPool().isFull());
            assertTrue(out.bufferPool().isFull());
        }
    }

    @Test
    void aFrameBuiltInAnMbufLoopsBackWithoutACopy() {
        MbufBufferPool pool = queue.bufferPool();
        byte[] frame = frame(60, 7);
        Packet p = PacketPool.unowned(pool).allocateWithHeadroom();
        p.appendBytes(frame, 0, frame.length);
        Buffer sent = p.fragmentBuffer(0);
        long mbuf = sent.nativeHandle();
        assertEquals(mbuf, sent.nativeHandle());

        assertEquals(1, queue.transmit(new Packet[] {p}, 1));
        assertEquals(1, queue.counters().txZeroCopy.get());
        assertEquals(0, queue.counters().txCopied.get());

        Packet[] got = new Packet[32];
        assertEquals(1, queue.receive(got, 32));
        Packet r = got[0];
        assertArrayEquals(frame, r.toByteArray());
        assertSame(sent, r.fragmentBuffer(0), "the same mbuf came back, wrapped by the same Buffer");
        assertEquals(mbuf, r.fragmentBuffer(0).nativeHandle());
        assertEquals(Mbuf.HEADROOM, r.fragmentOffset(0));
        r.release();
        assertTrue(pool.isFull(), pool.toString());
        assertEquals(1, queue.stats().txPackets.get());
        assertEquals(60, queue.stats().txBytes.get());
        assertEquals(1, queue.stats().rxPackets.get());
        assertEquals(60, queue.stats().rxBytes.get());
    }

    @Test
    void aSharedBufferIsSentWithASecondReferenceAndStaysValid() {
        MbufBufferPool pool = queue.bufferPool();
        PacketPool mbufPackets = PacketPool.unowned(pool);
        byte[] frame = frame(100, 3);
        Packet p = mbufPackets.allocateWithHeadroom();
        p.appendBytes(frame, 0, frame.length);
        Packet kept = p.share(); // a retransmission queue's copy: no bytes copied
        long mbuf = p.fragmentBuffer(0).nativeHandle();

        assertEquals(1, queue.transmit(new Packet[] {p}, 1));
        assertEquals(1, queue.counters().txZeroCopy.get());
        assertEquals(2, Mbuf.refcnt(mbuf), "the driver holds its own reference");

        Packet[] got = new Packet[4];
        assertEquals(1, queue.receive(got, 4));
        assertArrayEquals(frame, got[0].toByteArray());
        assertSame(kept.fragmentBuffer(0), got[0].fragmentBuffer(0));
        assertEquals(1, Mbuf.refcnt(mbuf), "the driver's reference became the received packet's");
        got[0].release();
        assertArrayEquals(frame, kept.toByteArray(), "the kept view is intact");
        // Sent again while it is kept: again without a copy.
        Packet again = kept.share();
        assertEquals(1, queue.transmit(new Packet[] {again}, 1));
        assertEquals(2, queue.counters().txZeroCopy.get());
        assertEquals(1, queue.receive(got, 4));
        got[0].release();
        kept.release();
        assertTrue(pool.isFull(), pool.toString());
    }

    @Test
    void framesInOtherMemoryAreGatheredIntoFreshMbufs() {
        MbufBufferPool pool = queue.bufferPool();
        byte[] frame = frame(300, 11);
        // Two fragments in slab (non-mbuf) buffers.
        Packet p = packets.allocate();
        Packet tail = packets.allocate();
        p.appendBytes(frame, 0, 100);
        tail.appendBytes(frame, 100, 200);
        p.append(tail);
        assertEquals(2, p.fragmentCount());

        assertEquals(1, queue.transmit(new Packet[] {p}, 1));
        assertEquals(1, queue.counters().txCopied.get());
        assertTrue(packets.buffers().isFull(), "the slab buffers were released after the copy");

        Packet[] got = new Packet[4];
        assertEquals(1, queue.receive(got, 4));
        assertArrayEquals(frame, got[0].toByteArray());
        assertSame(pool, got[0].fragmentBuffer(0).pool(), "received into the queue's own mbufs");
        got[0].release();
        assertTrue(pool.isFull(), pool.toString());
    }

    @Test
    void aBurstKeepsItsOrderAndEveryByte() {
        MbufBufferPool pool = queue.bufferPool();
        PacketPool mbufPackets = PacketPool.unowned(pool);
        int n = 64;
        Packet[] out = new Packet[n];
        byte[][] frames = new byte[n][];
        for (int i = 0; i < n; i++) {
            frames[i] = frame(60 + i * 20, i);
            out[i] = (i % 2 == 0 ? mbufPackets : packets).allocateWithHeadroom();
            if (out[i] == null) {
                out[i] = packets.allocate();
            }
            out[i].appendBytes(frames[i], 0, frames[i].length);
        }
        assertEquals(n, queue.transmit(out, n));
        Packet[] got = new Packet[n];
        int received = 0;
        while (received < n) {
            int k = queue.receive(got, 32);
            assertTrue(k > 0, "frames went missing after " + received);
            for (int i = 0; i < k; i++) {
                assertArrayEquals(frames[received + i], got[i].toByteArray(), "frame " + (received + i));
                got[i].release();
            }
            received += k;
        }
        assertEquals(n, queue.stats().rxPackets.get());
        DeviceStats device = nic.deviceStats();
        assertEquals(n, device.opackets(), "the driver's own count of frames sent");
        assertEquals(n, device.ipackets(), "and received");
        assertTrue(pool.isFull(), pool.toString());
        assertTrue(packets.buffers().isFull());
    }

    @Test
    void badFramesAreDroppedUnderTheirReason() {
        Packet empty = packets.allocate();
        Packet big = packets.allocate();
        byte[] huge = new byte[70_000]; // more than any mbuf chain carries
        Arrays.fill(huge, (byte) 1);
        assertEquals(huge.length, big.appendBytes(huge, 0, huge.length));
        Packet notIp = packets.allocate();
        byte[] arp = frame(60, 1);
        notIp.appendBytes(arp, 0, arp.length);
        notIp.addFlags(Packet.TX_UDP_CHECKSUM); // asks for a UDP checksum in an ARP frame
        Packet good = packets.allocate();
        good.appendBytes(arp, 0, arp.length);

        assertEquals(4, queue.transmit(new Packet[] {empty, big, notIp, good}, 4));
        assertEquals(1, queue.counters().txEmptyDrops.get());
        assertEquals(1, queue.counters().txOversizeDrops.get());
        assertEquals(1, queue.counters().txBadOffloadDrops.get());
        assertEquals(3, queue.stats().txErrors.get());
        assertEquals(1, queue.stats().txPackets.get());
        Packet[] got = new Packet[4];
        assertEquals(1, queue.receive(got, 4));
        assertArrayEquals(arp, got[0].toByteArray());
        got[0].release();
        assertTrue(packets.buffers().isFull(), "dropped packets were released");
        assertTrue(queue.bufferPool().isFull());
    }

    @Test
    void runningOutOfMbufsLeavesTheRestWithTheCaller() {
        MbufBufferPool pool = queue.bufferPool();
        // Hold every mbuf but 3.
        PacketPool mbufPackets = PacketPool.unowned(pool);
        Packet[] held = new Packet[pool.capacity() - 3];
        for (int i = 0; i < held.length; i++) {
            held[i] = mbufPackets.allocateWithHeadroom();
            assertNotNull(held[i]);
        }
        Packet[] out = new Packet[5];
        for (int i = 0; i < out.length; i++) {
            out[i] = packets.allocate();
            byte[] f = frame(64, i);
            out[i].appendBytes(f, 0, f.length);
        }
        assertEquals(3, queue.transmit(out, 5), "three copies fit");
        assertTrue(out[3].isLive() && out[4].isLive(), "the rest stay with the caller");
        assertEquals(1, queue.counters().txNoMbufStalls.get());
        assertEquals(0, pool.available());
        assertEquals(null, pool.allocate());
        assertEquals(1, pool.exhaustedCount());

        Packet[] got = new Packet[8];
        assertEquals(3, queue.receive(got, 8));
        for (int i = 0; i < 3; i++) {
            got[i].release();
        }
        assertEquals(2, queue.transmit(new Packet[] {out[3], out[4]}, 2));
        assertEquals(2, queue.receive(got, 8));
        got[0].release();
        got[1].release();
        for (Packet p : held) {
            p.release();
        }
        assertTrue(pool.isFull(), pool.toString());
    }

    @Test
    void framesAFullRingRefusesStayWithTheCallerTheirMbufsTakenBack() {
        // A NIC of its own: enough mbufs to fill net_ring's ring with frames lent without a copy.
        try (DpdkNic big = DpdkNic.open(DpdkNicConfig.vdev(DpdkTests.uniqueVdev("net_ring")).descriptors(256, 256)
                .mbufsPerQueue(4096).build())) {
            DpdkQueue q = big.queue(0);
            q.attach(packets);
            PacketPool mbufPackets = PacketPool.unowned(q.bufferPool());
            Packet[] out = new Packet[32];
            int sent = 0;
            int taken = out.length;
            while (taken == out.length) {
                for (int i = 0; i < out.length; i++) {
                    out[i] = mbufPackets.allocateWithHeadroom();
                    byte[] f = frame(64, sent + i);
                    out[i].appendBytes(f, 0, f.length);
                }
                taken = q.transmit(out, out.length);
                sent += taken;
            }
            assertTrue(sent > 0 && q.counters().txZeroCopy.get() == sent, "lent without copies until the ring filled");
            for (int i = taken; i < out.length; i++) {
                assertTrue(out[i].isLive(), "refused frame " + i + " stays with the caller");
                assertEquals(1, Mbuf.refcnt(out[i].fragmentBuffer(0).nativeHandle()), "its mbuf is the stack's again");
                out[i].release();
            }
            Packet[] got = new Packet[32];
            int received = 0;
            for (int k; (k = q.receive(got, got.length)) > 0; received += k) {
                for (int i = 0; i < k; i++) {
                    got[i].release();
                }
            }
            assertEquals(sent, received);
            assertTrue(q.bufferPool().isFull(), q.bufferPool().toString());
        }
    }

    @Test
    void aFrameLongerThanAnMbufTravelsAsAChainAndComesBackAsFragments() {
        assertTrue(nic.deviceInfo().supportsTx(io.panamax.dpdk.bindings.dpdk_h.RTE_ETH_TX_OFFLOAD_MULTI_SEGS()),
                "net_ring sends mbuf chains");
        MbufBufferPool pool = queue.bufferPool();
        byte[] jumbo = frame(5000, 9);
        Packet p = packets.allocate();
        assertEquals(jumbo.length, p.appendBytes(jumbo, 0, jumbo.length));
        assertEquals(1, queue.transmit(new Packet[] {p}, 1));
        assertEquals(1, queue.counters().txCopied.get());
        Packet[] got = new Packet[4];
        assertEquals(1, queue.receive(got, 4));
        assertEquals(3, got[0].fragmentCount(), "5000 bytes in 2048-byte mbufs");
        assertArrayEquals(jumbo, got[0].toByteArray());
        for (int i = 0; i < 3; i++) {
            assertSame(pool, got[0].fragmentBuffer(i).pool());
            assertEquals(1, Mbuf.nbSegs(got[0].fragmentBuffer(i).nativeHandle()), "the chain was undone");
        }
        got[0].release();
        assertTrue(pool.isFull(), pool.toString());
        assertTrue(packets.buffers().isFull());
    }

    @Test
    void checksumsTheDeviceCannotComputeAreComputedBeforeSending() throws Exception {
        assertTrue(!nic.capabilities().txUdpChecksum() && !nic.capabilities().txIpChecksum(), "net_ring has no offloads");
        byte[] original = Pcap4jFrames.bytes(SharedData.pcap("td-dns_udp.pcap")).get(0);
        byte[] blank = original.clone();
        blank[24] = 0; // IPv4 header checksum
        blank[25] = 0;
        int udpLen = (blank[38] & 0xff) << 8 | (blank[39] & 0xff);
        long pseudo = 17 + udpLen;
        for (int i = 26; i < 34; i += 2) {
            pseudo += (blank[i] & 0xff) << 8 | (blank[i + 1] & 0xff);
        }
        pseudo = (pseudo & 0xffff) + (pseudo >> 16);
        blank[40] = (byte) (pseudo >> 8);
        blank[41] = (byte) pseudo;
        Packet p = PacketPool.unowned(queue.bufferPool()).allocateWithHeadroom();
        p.appendBytes(blank, 0, blank.length);
        p.addFlags(Packet.TX_IP_CHECKSUM | Packet.TX_UDP_CHECKSUM);
        assertEquals(1, queue.transmit(new Packet[] {p}, 1));
        Packet[] got = new Packet[4];
        assertEquals(1, queue.receive(got, 4));
        assertArrayEquals(original, got[0].toByteArray(), "the checksums the capture had");
        got[0].release();
    }

    /** An Ethernet frame of {@code len} bytes: broadcast ARP-typed, the rest a pattern from {@code seed}. */
    static byte[] frame(int len, int seed) {
        byte[] f = new byte[len];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xff;
        }
        f[6] = 0x02;
        f[11] = (byte) seed;
        f[12] = 0x08;
        f[13] = 0x06;
        for (int i = 14; i < len; i++) {
            f[i] = (byte) (seed * 31 + i);
        }
        return f;
    }
}
