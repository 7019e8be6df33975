package io.panamax.tcp;

import io.panamax.reactor.buffer.Packet;

/**
 * In-order received data the application has not read yet: the payload packets as they arrived
 * (views into the receive buffers, no copy). A read takes everything at once as one packet whose
 * fragments are those views.
 */
final class ReceiveQueue {
    private Packet[] ring = new Packet[16];
    private int head;
    private int count;
    private int bytes;

    int size() {
        return bytes;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Appends an in-order payload; the queue owns it. */
    void add(Packet p) {
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
        bytes += p.length();
    }

    /** Everything queued, as one packet (the fragments move, nothing is copied); null when empty. */
    Packet takeAll() {
        if (count == 0) {
            return null;
        }
        Packet first = ring[head];
        ring[head] = null;
        for (int i = 1; i < count; i++) {
            int k = (head + i) & (ring.length - 1);
            first.append(ring[k]);
            ring[k] = null;
        }
        head = 0;
        count = 0;
        bytes = 0;
        return first;
    }

    void clear() {
        for (int i = 0; i < count; i++) {
            int k = (head + i) & (ring.length - 1);
            ring[k].release();
            ring[k] = null;
        }
        head = 0;
        count = 0;
        bytes = 0;
    }
}
