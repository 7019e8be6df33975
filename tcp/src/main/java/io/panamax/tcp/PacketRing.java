package io.panamax.tcp;

import io.panamax.reactor.buffer.Packet;

/**
 * A growable ring of packets, oldest first: what the receive queue and the send buffer hold their
 * packets in. Its array doubles when full (a power of two, so positions are a mask, not a
 * division) and never shrinks: a connection that once held many packets keeps the room, so a
 * steady state adds and removes with no allocation. Used on its connection's shard only.
 */
final class PacketRing {
    private Packet[] ring = new Packet[16];
    private int head;
    private int count;

    /** Packets held. */
    int count() {
        return count;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Appends {@code p} after the newest. */
    void addLast(Packet p) {
        if (count == ring.length) {
            Packet[] bigger = new Packet[ring.length * 2];
            for (int i = 0; i < count; i++) {
                bigger[i] = ring[(head + i) & (ring.length - 1)];
            }
            ring = bigger;
            head = 0;
        }
        ring[(head + count) & (ring.length - 1)] = p;
        count++;
    }

    /** The {@code i}th packet from the oldest (0), left in place. */
    Packet get(int i) {
        return ring[(head + i) & (ring.length - 1)];
    }

    /** Removes the oldest packet and returns it (the caller owns it); null when empty. */
    Packet pollFirst() {
        if (count == 0) {
            return null;
        }
        Packet p = ring[head];
        ring[head] = null;
        head = (head + 1) & (ring.length - 1);
        count--;
        return p;
    }

    /** Releases every packet held and empties the ring. */
    void releaseAll() {
        for (Packet p; (p = pollFirst()) != null; ) {
            p.release();
        }
        head = 0;
    }
}
