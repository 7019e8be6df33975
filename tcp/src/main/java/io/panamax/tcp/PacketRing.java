package io.panamax.tcp;

import io.panamax.reactor.buffer.Packet;

/**
 * A growable ring of packets, oldest first: what the receive queue, the send buffer and TCP's
 * queue of segments deferred during a receive hold their packets in. Its array doubles when full
 * (a power of two, so positions are a mask, not a division) and never shrinks: a connection that
 * once held many packets keeps the room, so a steady state adds and removes with no allocation.
 * Used on its connection's shard only.
 *
 * <p>A ring may keep a fixed number of longs beside each packet ({@link #PacketRing(int)}): what
 * its user must remember of each packet that the packet does not carry (a deferred segment's IP
 * addresses). They sit in a second array that grows with the first, slot for slot, so the
 * doubling and wrap-around code is written once for both.
 */
final class PacketRing {
    private final int longsPerPacket;
    private Packet[] ring = new Packet[16];
    /** {@code longsPerPacket} longs per slot of {@link #ring}, at the same slot. */
    private long[] longs;
    private int head;
    private int count;

    /** A ring of packets alone. */
    PacketRing() {
        this(0);
    }

    /** A ring keeping {@code longsPerPacket} longs beside each packet ({@link #setLast}, {@link #first}). */
    PacketRing(int longsPerPacket) {
        if (longsPerPacket < 0) {
            throw new IllegalArgumentException("longsPerPacket " + longsPerPacket + " < 0");
        }
        this.longsPerPacket = longsPerPacket;
        this.longs = new long[ring.length * longsPerPacket];
    }

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
            long[] biggerLongs = new long[bigger.length * longsPerPacket];
            for (int i = 0; i < count; i++) {
                int slot = (head + i) & (ring.length - 1);
                bigger[i] = ring[slot];
                System.arraycopy(longs, slot * longsPerPacket, biggerLongs, i * longsPerPacket, longsPerPacket);
            }
            ring = bigger;
            longs = biggerLongs;
            head = 0;
        }
        ring[(head + count) & (ring.length - 1)] = p;
        count++;
    }

    /** Sets the {@code k}th long kept beside the newest packet (the one {@link #addLast} just added). */
    void setLast(int k, long value) {
        java.util.Objects.checkIndex(k, longsPerPacket);
        longs[((head + count - 1) & (ring.length - 1)) * longsPerPacket + k] = value;
    }

    /** The {@code k}th long kept beside the oldest packet (read before {@link #pollFirst} takes it). */
    long first(int k) {
        java.util.Objects.checkIndex(k, longsPerPacket);
        return longs[head * longsPerPacket + k];
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
