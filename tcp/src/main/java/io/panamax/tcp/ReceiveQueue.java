package io.panamax.tcp;

import io.panamax.reactor.buffer.Packet;

/**
 * In-order received data the application has not read yet: the payload packets as they arrived
 * (views into the receive buffers, no copy). A read takes everything at once as one packet whose
 * fragments are those views.
 */
final class ReceiveQueue {
    private final PacketRing ring = new PacketRing();
    private int bytes;

    int size() {
        return bytes;
    }

    boolean isEmpty() {
        return ring.isEmpty();
    }

    /** Appends an in-order payload; the queue owns it. */
    void add(Packet p) {
        ring.addLast(p);
        bytes += p.length();
    }

    /** Everything queued, as one packet (the fragments move, nothing is copied); null when empty. */
    Packet takeAll() {
        Packet first = ring.pollFirst();
        if (first == null) {
            return null;
        }
        for (Packet p; (p = ring.pollFirst()) != null; ) {
            first.append(p);
        }
        bytes = 0;
        return first;
    }

    void clear() {
        ring.releaseAll();
        bytes = 0;
    }
}
