package io.panamax.tcp;

import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.wire.SeqNum;

/**
 * Segments that arrived ahead of a gap (RFC 9293 3.10.7.4, seventh check: "segments with higher
 * beginning sequence numbers may be held for later processing"), kept sorted by sequence number
 * with no byte held twice: a new segment is trimmed against its neighbours and swallows those it
 * covers, so each byte is delivered once, in order, whatever overlaps and duplicates arrive.
 *
 * <p>Memory is bounded in bytes and in segments (each segment pins a receive buffer); a segment
 * beyond the bound is refused and the peer retransmits it.
 */
final class ReassemblyQueue {
    /** What {@link #insert} did with a segment. */
    enum Outcome { QUEUED, DUPLICATE, FULL }

    private final int maxBytes;
    private final int maxSegments;
    private final int[] starts;
    private final Packet[] data;
    private int count;
    private int bytes;
    /** The sequence number of a FIN that came out of order, valid when {@link #hasFin}. */
    private int finSeq;
    private boolean hasFin;
    /** Start of the most recently queued segment: the first SACK block reports its block (RFC 2018 4). */
    private int lastQueued;

    ReassemblyQueue(int maxBytes, int maxSegments) {
        this.maxBytes = maxBytes;
        this.maxSegments = maxSegments;
        this.starts = new int[maxSegments];
        this.data = new Packet[maxSegments];
    }

    boolean isEmpty() {
        return count == 0 && !hasFin;
    }

    int bytes() {
        return bytes;
    }

    int segments() {
        return count;
    }

    /**
     * Queues {@code payload} starting at {@code seq} (after the receive point); the queue owns the
     * packet whatever the outcome (a duplicate or a refused one is released).
     */
    Outcome insert(int seq, Packet payload) {
        int len = payload.length();
        int end = seq + len;
        int pos = 0;
        while (pos < count && SeqNum.le(starts[pos], seq)) {
            pos++;
        }
        // Trim against the segment before: it may already hold our first bytes, or all of them.
        if (pos > 0) {
            int prevEnd = starts[pos - 1] + data[pos - 1].length();
            if (SeqNum.ge(prevEnd, end)) {
                payload.release();
                return Outcome.DUPLICATE;
            }
            if (SeqNum.gt(prevEnd, seq)) {
                payload.trimFront(prevEnd - seq);
                seq = prevEnd;
            }
        }
        // Swallow the segments we cover; trim our tail against the first we only overlap.
        int swallowed = 0;
        while (pos + swallowed < count && SeqNum.lt(starts[pos + swallowed], end)) {
            int k = pos + swallowed;
            int nextEnd = starts[k] + data[k].length();
            if (SeqNum.le(nextEnd, end)) {
                swallowed++;
            } else {
                payload.trimBack(end - starts[k]);
                end = starts[k];
                break;
            }
        }
        int newLen = end - seq;
        if (newLen <= 0) {
            payload.release();
            return Outcome.DUPLICATE;
        }
        int freedBytes = 0;
        for (int k = pos; k < pos + swallowed; k++) {
            freedBytes += data[k].length();
        }
        if (bytes - freedBytes + newLen > maxBytes || count - swallowed + 1 > maxSegments) {
            payload.release();
            return Outcome.FULL;
        }
        for (int k = pos; k < pos + swallowed; k++) {
            data[k].release();
        }
        int delta = 1 - swallowed;
        if (delta != 0) {
            System.arraycopy(starts, pos + swallowed, starts, pos + 1, count - pos - swallowed);
            System.arraycopy(data, pos + swallowed, data, pos + 1, count - pos - swallowed);
            for (int k = count + delta; k < count; k++) {
                data[k] = null;
            }
        }
        starts[pos] = seq;
        data[pos] = payload;
        count += delta;
        bytes += newLen - freedBytes;
        lastQueued = seq;
        return Outcome.QUEUED;
    }

    /** Remembers a FIN that arrived out of order, at sequence number {@code seq}. */
    void setFin(int seq) {
        if (!hasFin) {
            hasFin = true;
            finSeq = seq;
        }
    }

    /** Whether a queued FIN is now in order at {@code rcvNxt}. */
    boolean finAt(int rcvNxt) {
        return hasFin && finSeq == rcvNxt;
    }

    /**
     * Moves the segments that are now in order at {@code rcvNxt} to {@code out} (trimming what
     * arrived twice) and returns the new receive point.
     */
    int drainInOrder(int rcvNxt, ReceiveQueue out) {
        int taken = 0;
        while (taken < count && SeqNum.le(starts[taken], rcvNxt)) {
            Packet p = data[taken];
            int end = starts[taken] + p.length();
            bytes -= p.length();
            data[taken] = null;
            if (SeqNum.le(end, rcvNxt)) {
                p.release();
            } else {
                p.trimFront(rcvNxt - starts[taken]);
                out.add(p);
                rcvNxt = end;
            }
            taken++;
        }
        if (taken > 0) {
            System.arraycopy(starts, taken, starts, 0, count - taken);
            System.arraycopy(data, taken, data, 0, count - taken);
            for (int k = count - taken; k < count; k++) {
                data[k] = null;
            }
            count -= taken;
        }
        return rcvNxt;
    }

    /**
     * Writes up to {@code max} SACK blocks (RFC 2018 4): first the block holding the most
     * recently queued segment, then the others in sequence order. Returns how many.
     */
    int sackBlocks(int[] left, int[] right, int max) {
        if (max <= 0 || count == 0) {
            return 0;
        }
        int n = 0;
        // Pass 1: the block (run of contiguous segments) that holds the latest arrival.
        for (int k = 0; k < count; ) {
            int l = starts[k];
            int r = l + data[k].length();
            boolean latest = l == lastQueued;
            for (k++; k < count && starts[k] == r; k++) {
                latest |= starts[k] == lastQueued;
                r += data[k].length();
            }
            if (latest) {
                left[0] = l;
                right[0] = r;
                n = 1;
                break;
            }
        }
        // Pass 2: the other blocks in sequence order, while there is room.
        for (int k = 0; k < count && n < max; ) {
            int l = starts[k];
            int r = l + data[k].length();
            for (k++; k < count && starts[k] == r; k++) {
                r += data[k].length();
            }
            if (n == 0 || l != left[0]) {
                left[n] = l;
                right[n] = r;
                n++;
            }
        }
        return n;
    }

    void clear() {
        for (int k = 0; k < count; k++) {
            data[k].release();
            data[k] = null;
        }
        count = 0;
        bytes = 0;
        hasFin = false;
    }
}
