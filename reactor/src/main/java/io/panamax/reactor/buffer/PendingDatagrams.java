package io.panamax.reactor.buffer;

/**
 * The datagrams waiting for a neighbour's link address to be resolved (ARP, IPv6 neighbour
 * discovery): a bounded ring that, when full, drops the oldest to keep the newest (RFC 1122
 * 2.3.2.2, RFC 4861 §7.2.2). A neighbour cache entry extends it.
 */
public class PendingDatagrams {
    private final Packet[] waiting;
    private int head;
    private int count;

    protected PendingDatagrams(int capacity) {
        this.waiting = new Packet[capacity];
    }

    /** Queues {@code p}; when full the oldest is released first and false is returned (a drop to count). */
    public final boolean enqueue(Packet p) {
        boolean kept = true;
        if (count == waiting.length) {
            dequeue().release();
            kept = false;
        }
        waiting[(head + count) % waiting.length] = p;
        count++;
        return kept;
    }

    /** The oldest waiting datagram, or null. */
    public final Packet dequeue() {
        if (count == 0) {
            return null;
        }
        Packet p = waiting[head];
        waiting[head] = null;
        head = (head + 1) % waiting.length;
        count--;
        return p;
    }
}
