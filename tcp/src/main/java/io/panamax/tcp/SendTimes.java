package io.panamax.tcp;

import io.panamax.tcp.wire.SeqNum;

import java.lang.reflect.Array;

/**
 * When each outstanding range of sequence space left, on the shard's nanosecond clock, for RTT
 * samples taken from the sender's own transmit times (Linux's skb timestamps in
 * tcp_clean_rtx_queue; RFC 7323 4 leaves the RTTM method open). Timestamps (RFC 7323 4.1) tick
 * in milliseconds: on a LAN path of 300 µs every TSecr sample reads 0 or 1 ms, and SRTT, and the
 * tail loss probe's 2·SRTT (RFC 8985 7.2) with it, wander between them; a send time read off the
 * same clock as the ACK's arrival is exact.
 *
 * <p>One record per send call (a super-segment is one record: its segments leave in the same
 * instant), in sequence order from SND.UNA, in parallel arrays used as a ring: nothing is
 * allocated per packet. The ring starts with room for 64 records and doubles when a flight needs
 * more, up to {@link #CAPACITY}; data sent while it is full is not timed (its ACKs fall back to
 * TSecr). A range sent again is marked, not split: an ACK that covers any of it gives no sample
 * (Karn's rule, RFC 6298 3), which only costs a sample now and then.
 */
final class SendTimes {
    /** Records at most: as RACK's (4096 full-sized segments, more with super-segments). */
    static final int CAPACITY = 4096;
    private static final int INITIAL_CAPACITY = 64;

    /** {@link #onAck}: the ACK newly acknowledges data sent more than once (Karn: no sample). */
    static final long AMBIGUOUS = -1;
    /** {@link #onAck}: none of the data the ACK newly acknowledges was timed. */
    static final long UNTIMED = -2;

    private int[] starts = new int[INITIAL_CAPACITY];
    private int[] ends = new int[INITIAL_CAPACITY];
    private long[] sentAt = new long[INITIAL_CAPACITY];
    private boolean[] resent = new boolean[INITIAL_CAPACITY];
    private int mask = INITIAL_CAPACITY - 1;
    private int head;
    private int count;

    private int idx(int i) {
        return (head + i) & mask;
    }

    /**
     * {@code len} bytes of sequence space from {@code seq} left at {@code now}; {@code again}:
     * some of it (from {@code seq}, below SND.MAX) was sent before.
     */
    void onSent(int seq, int len, boolean again, long now) {
        if (len <= 0) {
            return;
        }
        int end = seq + len;
        int last = count == 0 ? seq : ends[idx(count - 1)];
        if (again) {
            for (int i = firstEndingAfter(seq); i < count; i++) {
                int k = idx(i);
                if (SeqNum.ge(starts[k], end)) {
                    break;
                }
                resent[k] = true;
            }
        }
        if (count == 0 || SeqNum.gt(end, last)) {
            append(SeqNum.gt(seq, last) ? seq : last, end, again, now);
        }
    }

    /**
     * An ACK moved SND.UNA to {@code ack} at {@code now}: the RTT of the oldest range it newly
     * acknowledges (Linux's first_ackt: seq_rtt), {@link #AMBIGUOUS} when any of them was sent
     * again, {@link #UNTIMED} when none was timed. Ranges wholly acknowledged are forgotten.
     */
    long onAck(int ack, long now) {
        long oldest = -1;
        boolean ambiguous = false;
        while (count > 0 && SeqNum.lt(starts[head], ack)) {
            if (resent[head]) {
                ambiguous = true;
            } else if (oldest < 0) {
                oldest = sentAt[head];
            }
            if (SeqNum.gt(ends[head], ack)) {
                break;   // in part: the rest waits for a later ACK, with the same send time
            }
            head = (head + 1) & mask;
            count--;
        }
        if (ambiguous) {
            return AMBIGUOUS;
        }
        return oldest < 0 ? UNTIMED : Math.max(0, now - oldest);
    }

    /** Records held (for tests of the bookkeeping). */
    int size() {
        return count;
    }

    /** The index (0..count) of the first record that ends after {@code seq}. Binary search: records are in sequence order. */
    private int firstEndingAfter(int seq) {
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (SeqNum.gt(ends[idx(mid)], seq)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private void append(int start, int end, boolean again, long now) {
        if (count == mask + 1 && !grow()) {
            return;
        }
        int k = idx(count++);
        starts[k] = start;
        ends[k] = end;
        sentAt[k] = now;
        resent[k] = again;
    }

    /** Doubles the ring (in sequence order from index 0); false at {@link #CAPACITY}. */
    private boolean grow() {
        int capacity = mask + 1;
        if (capacity == CAPACITY) {
            return false;
        }
        int n = capacity * 2;
        starts = unwrap(starts, n);
        ends = unwrap(ends, n);
        sentAt = unwrap(sentAt, n);
        resent = unwrap(resent, n);
        head = 0;
        mask = n - 1;
        return true;
    }

    /**
     * The ring's records of {@code array} (one of the four) in a new array of length {@code n},
     * from index 0: System.arraycopy on both sides of the wrap. Reflection only on growth.
     */
    @SuppressWarnings("unchecked")
    private <A> A unwrap(A array, int n) {
        A b = (A) Array.newInstance(array.getClass().getComponentType(), n);
        int first = Math.min(count, Array.getLength(array) - head);
        System.arraycopy(array, head, b, 0, first);
        System.arraycopy(array, 0, b, first, count - first);
        return b;
    }
}
