package io.panamax.nic.testing;

import io.panamax.nic.NicQueue;
import io.panamax.reactor.buffer.Packet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Polls NIC queues from a test thread (queues attached to unowned pools) and keeps copies of what
 * arrives, releasing every packet at once so the pools stay leak-free.
 */
public final class FrameReceiver {
    private final NicQueue[] queues;
    private final Packet[] burst = new Packet[32];
    private final List<List<byte[]>> received = new ArrayList<>();

    public FrameReceiver(NicQueue... queues) {
        this.queues = queues.clone();
        for (int i = 0; i < queues.length; i++) {
            received.add(new ArrayList<>());
        }
    }

    /** One receive burst on every queue; returns the frames it got. */
    public int pollOnce() {
        int total = 0;
        for (int q = 0; q < queues.length; q++) {
            int n = queues[q].receive(burst, burst.length);
            for (int i = 0; i < n; i++) {
                received.get(q).add(burst[i].toByteArray());
                burst[i].release();
                burst[i] = null;
            }
            total += n;
        }
        return total;
    }

    /**
     * Polls until {@code count} received frames (on any queue) match, or {@code timeout} passes;
     * returns the matching frames, possibly fewer (the caller asserts).
     */
    public List<byte[]> await(Predicate<byte[]> match, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<byte[]> hits = all().stream().filter(match).toList();
            if (hits.size() >= count || System.nanoTime() > deadline) {
                return hits;
            }
            if (pollOnce() == 0) {
                Thread.onSpinWait();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return hits;
                }
            }
        }
    }

    /** Frames received on queue {@code q} so far (index into the queues given). */
    public List<byte[]> on(int q) {
        return received.get(q);
    }

    /** Frames received on all queues so far. */
    public List<byte[]> all() {
        List<byte[]> all = new ArrayList<>();
        received.forEach(all::addAll);
        return all;
    }

    /** Forgets what was received so far. */
    public void clear() {
        received.forEach(List::clear);
    }

    /** The index of the queue {@code frame} (the same array) arrived on, or -1. */
    public int queueOf(byte[] frame) {
        for (int q = 0; q < received.size(); q++) {
            for (byte[] f : received.get(q)) {
                if (f == frame) {
                    return q;
                }
            }
        }
        return -1;
    }
}
