package io.panamax.tcp;

import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link SendBuffer} and {@link ReceiveQueue}, and the {@link PacketRing} they (and Tcp's deferred segments) hold their packets in. */
class SendBufferTest {
    private final SlabBufferPool buffers = SlabBufferPool.unowned(512, 256, 0);
    private final PacketPool pool = PacketPool.unowned(buffers);

    @Test
    void slicesAcknowledgmentsAndReleases() {
        Random r = new Random(9);
        byte[] all = new byte[10_000];
        r.nextBytes(all);
        SendBuffer sb = new SendBuffer();
        for (int at = 0; at < all.length; ) {
            int n = Math.min(all.length - at, 1 + r.nextInt(900));
            Packet p = pool.allocate();
            p.appendBytes(all, at, n);
            sb.append(p);
            at += n;
        }
        assertEquals(all.length, sb.size());
        int acked = 0;
        int sent = 0;
        while (acked < all.length) {
            // Cut some segments forward, sometimes go back (retransmission), acknowledge a bit.
            for (int k = 0; k < 3 && sent < all.length; k++) {
                int len = Math.min(all.length - sent, 1 + r.nextInt(600));
                check(sb, sent - acked, len, Arrays.copyOfRange(all, sent, sent + len));
                sent += len;
            }
            if (sent > acked && r.nextInt(3) == 0) {
                int len = Math.min(sent - acked, 1 + r.nextInt(300));
                check(sb, 0, len, Arrays.copyOfRange(all, acked, acked + len));
            }
            int ack = Math.min(sent - acked, r.nextInt(700));
            sb.acknowledge(ack);
            acked += ack;
            assertEquals(all.length - acked, sb.size());
        }
        assertEquals(0, sb.size());
        assertEquals(buffers.capacity(), buffers.available(), "every buffer back after the last acknowledgment");
        assertEquals(0, pool.inUse());
    }

    private void check(SendBuffer sb, int offset, int len, byte[] expected) {
        Packet s = sb.slice(offset, len);
        assertArrayEquals(expected, s.toByteArray());
        s.release();
    }

    @Test
    void clearReleasesEverything() {
        SendBuffer sb = new SendBuffer();
        for (int i = 0; i < 40; i++) {
            Packet p = pool.allocate();
            p.appendBytes(new byte[300], 0, 300);
            sb.append(p);
        }
        Packet held = sb.slice(100, 5000);
        sb.clear();
        assertEquals(5000, held.length(), "a slice keeps its buffers alive");
        held.release();
        assertEquals(buffers.capacity(), buffers.available());
    }

    /**
     * The packet ring grows while its oldest packet is not at the start of its array (packets
     * acknowledged, more appended past the end): the order survives the copy.
     */
    @Test
    void theRingGrowsAcrossItsWrapInOrder() {
        SendBuffer sb = new SendBuffer();
        byte[] all = new byte[60 * 10];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        for (int i = 0; i < 12; i++) {
            append(sb, all, i * 10);
        }
        sb.acknowledge(100); // ten packets gone: the oldest is the ring's eleventh slot
        for (int i = 12; i < 60; i++) {
            append(sb, all, i * 10); // past the end of the array and around, then growing twice
        }
        assertEquals(500, sb.size());
        check(sb, 0, 500, Arrays.copyOfRange(all, 100, 600));
        ReceiveQueue q = new ReceiveQueue();
        for (int i = 0; i < 40; i++) {
            Packet p = pool.allocate();
            p.appendBytes(all, i * 10, 10);
            q.add(p);
        }
        Packet got = q.takeAll();
        assertArrayEquals(Arrays.copyOfRange(all, 0, 400), got.toByteArray(), "the receive queue's packets, in order, as one");
        got.release();
        sb.clear();
        assertEquals(buffers.capacity(), buffers.available());
        assertEquals(0, pool.inUse());
    }

    /**
     * The longs a ring keeps beside each packet (Tcp's deferred segments keep their addresses
     * there) stay with their packet while the ring wraps and doubles twice.
     */
    @Test
    void longsBesideEachPacketFollowItThroughWrapAndGrowth() {
        PacketRing ring = new PacketRing(5);
        int added = 0;
        int taken = 0;
        for (; added < 12; added++) {
            addNumbered(ring, added);
        }
        for (; taken < 10; taken++) {
            takeNumbered(ring, taken); // the oldest is now the ring's eleventh slot of sixteen
        }
        for (; added < 60; added++) {
            addNumbered(ring, added); // past the end of the array and around, then growing twice
        }
        assertEquals(50, ring.count());
        for (; taken < 60; taken++) {
            takeNumbered(ring, taken);
        }
        assertEquals(true, ring.isEmpty());
        assertEquals(0, pool.inUse());
        assertThrows(IndexOutOfBoundsException.class, () -> ring.first(5));
        assertThrows(IndexOutOfBoundsException.class, () -> new PacketRing().setLast(0, 1));
    }

    private void addNumbered(PacketRing ring, int n) {
        Packet p = pool.allocate();
        p.appendBytes(new byte[] {(byte) n}, 0, 1);
        ring.addLast(p);
        for (int k = 0; k < 5; k++) {
            ring.setLast(k, n * 10L + k);
        }
    }

    private void takeNumbered(PacketRing ring, int n) {
        for (int k = 0; k < 5; k++) {
            assertEquals(n * 10L + k, ring.first(k), "long " + k + " beside packet " + n);
        }
        Packet p = ring.pollFirst();
        assertEquals((byte) n, p.toByteArray()[0], "packet " + n + " in order");
        p.release();
    }

    private void append(SendBuffer sb, byte[] all, int at) {
        Packet p = pool.allocate();
        p.appendBytes(all, at, 10);
        sb.append(p);
    }
}
