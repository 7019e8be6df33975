package io.panamax.tcp.recovery;

import io.panamax.tcp.wire.SeqNum;

/**
 * The sender's record of what is outstanding: one record per segment sent (sequence range, when
 * it last went, flags), in sequence order from SND.UNA. Two users read it:
 * <ul>
 * <li>the RTT samples, always: the send time of the oldest range an ACK newly covers (Linux's
 *     seq_rtt from its skb timestamps; RFC 7323 4 leaves the RTTM method open), read off the same
 *     nanosecond clock as the ACK's arrival, where TSecr ticks in milliseconds and reads 0 or 1 ms
 *     on a 300 µs path; nothing when any of it was sent again (Karn, RFC 6298 3);</li>
 * <li>RACK (RFC 8985 6), with SACK: Segment.xmit_ts, .retransmitted, .lost and the delivered
 *     mark live here, the algorithm in {@link Rack}.</li>
 * </ul>
 *
 * <p>Parallel arrays used as a ring: nothing is allocated per packet. The ring starts with room
 * for 64 records and doubles when a flight needs more (a few times in a connection's life), up to
 * {@link #CAPACITY}, so that an idle or slow connection does not hold 68 KB. A segment beyond the
 * largest ring is not recorded: its ACK gives no send-time sample (TSecr stands in) and RACK
 * leaves it to RFC 6675 and the timers.
 */
public final class SentRanges {
    /** Records at most: 4096 full-sized segments cover a 5.9 MB flight at MSS 1448. */
    public static final int CAPACITY = 4096;
    private static final int INITIAL_CAPACITY = 64;

    /** {@link #rttSample}: the ACK newly acknowledges data sent more than once (Karn: no sample). */
    public static final long AMBIGUOUS = -1;
    /** {@link #rttSample}: none of the data the ACK newly acknowledges was recorded. */
    public static final long UNTIMED = -2;

    /** Sent more than once (RFC 8985's Segment.retransmitted; Karn's ambiguity). */
    static final byte RETRANSMITTED = 1;
    /** Deemed lost by RACK and not yet sent again (RFC 8985 6.2 step 5, Segment.lost). */
    static final byte LOST = 2;
    /** Delivered (SACKed): its RACK stats were taken once (RFC 8985 6.2 step 2). */
    static final byte DELIVERED = 4;

    int[] starts = new int[INITIAL_CAPACITY];
    int[] ends = new int[INITIAL_CAPACITY];
    /** When the record last went (RFC 8985's Segment.xmit_ts), on the shard's nanosecond clock. */
    long[] xmitTs = new long[INITIAL_CAPACITY];
    byte[] flags = new byte[INITIAL_CAPACITY];
    /** The ring's length less one (a power of two less one). */
    private int mask = INITIAL_CAPACITY - 1;
    /** The ring: records head..head+count-1, in sequence order. */
    int head;
    int count;
    /** Records flagged {@link #LOST} now, and their bytes. */
    int lostCount;
    int lostBytes;

    int idx(int i) {
        return (head + i) & mask;
    }

    /** Records held. */
    public int size() {
        return count;
    }

    /**
     * {@code len} bytes of sequence space from {@code seq} went at {@code now}; {@code again}: it
     * lies below SND.MAX (sent before). New data becomes a record; data sent again sets the
     * transmit time and the retransmitted mark of every record it touches, and clears the lost
     * mark. Data sent again whose records are gone (beyond the ring's capacity when first sent)
     * is recorded as retransmitted, so that no RTT is taken from it.
     */
    public void onSent(int seq, int len, boolean again, long now) {
        if (len <= 0) {
            return;
        }
        int end = seq + len;
        int last = count == 0 ? seq : ends[idx(count - 1)];
        if (count == 0 || (seq == last && !again)) {
            append(seq, end, again, now);
            return;
        }
        int i = find(seq);
        if (i < 0) {
            if (SeqNum.ge(seq, last)) {
                append(seq, end, again, now);   // after a range that was not recorded
            }
            return;
        }
        // A retransmission need not match the original segments (less room for data beside SACK
        // blocks, a smaller MSS): the records it covers in part are split, so that the part not
        // sent again keeps its transmit time and its lost mark and goes later.
        if (SeqNum.lt(starts[idx(i)], seq) && split(i, seq)) {
            i++;
        }
        for (; i < count; i++) {
            int k = idx(i);
            if (SeqNum.ge(starts[k], end)) {
                break;
            }
            if (SeqNum.gt(ends[k], end) && split(i, end)) {
                k = idx(i);
            }
            xmitTs[k] = now;
            if ((flags[k] & LOST) != 0) {
                unmarkLost(k);
            }
            flags[k] = (byte) (flags[k] | RETRANSMITTED);
        }
        if (SeqNum.gt(end, last)) {
            // A segment resent with new data beyond SND.MAX after it (rare: a smaller MSS).
            append(last, end, true, now);
        }
    }

    private void append(int start, int end, boolean again, long now) {
        if (!room()) {
            return;
        }
        int k = idx(count++);
        starts[k] = start;
        ends[k] = end;
        xmitTs[k] = now;
        flags[k] = again ? RETRANSMITTED : 0;
    }

    /**
     * The RTT of an ACK that moves SND.UNA to {@code ack} at {@code now} (called before the
     * records it covers are forgotten): from the send time of the oldest record it newly
     * acknowledges (Linux's first_ackt), {@link #AMBIGUOUS} when any of them was sent again,
     * {@link #UNTIMED} when none was recorded.
     */
    public long rttSample(int ack, long now) {
        long oldest = -1;
        for (int i = 0; i < count; i++) {
            int k = idx(i);
            if (!SeqNum.lt(starts[k], ack)) {
                break;
            }
            if ((flags[k] & RETRANSMITTED) != 0) {
                return AMBIGUOUS;
            }
            if (oldest < 0) {
                oldest = xmitTs[k];
            }
        }
        return oldest < 0 ? UNTIMED : Math.max(0, now - oldest);
    }

    /**
     * SND.UNA is {@code una}: the records wholly below it are forgotten, and one that it covers in
     * part now begins at {@code una} (it waits for a later ACK, with the same send time). RACK
     * delivers them first ({@link Rack#onCumulativeAck}); without SACK nobody else looks at them.
     */
    public void acknowledge(int una) {
        while (count > 0 && SeqNum.le(ends[head], una)) {
            removeHead();
        }
        coverHeadTo(una);
    }

    /**
     * The first record, when {@code una} falls inside it, keeps only its part at or above
     * {@code una}: the rest was delivered. Its lost mark (and the bytes it counts) then covers only
     * what is outstanding, so that no loss repair starts below SND.UNA. A record covered in part is
     * common with TSO (one record per super-segment, ACKs per MSS): one marked lost before the ACK
     * once sent a retransmission from its old start, 1,266 bytes below the send buffer
     * ({@code SendBuffer.slice} threw, from {@code SackRecovery.repairAfterTimeout}).
     */
    void coverHeadTo(int una) {
        if (count > 0 && SeqNum.lt(starts[head], una) && SeqNum.gt(ends[head], una)) {
            if ((flags[head] & LOST) != 0) {
                lostBytes -= una - starts[head];
            }
            starts[head] = una;
        }
    }

    /** Forgets the first record. */
    void removeHead() {
        if ((flags[head] & LOST) != 0) {
            unmarkLost(head);
        }
        head = (head + 1) & mask;
        count--;
    }

    void markLost(int k) {
        flags[k] = (byte) (flags[k] | LOST);
        lostCount++;
        lostBytes += ends[k] - starts[k];
    }

    void unmarkLost(int k) {
        flags[k] &= ~LOST;
        lostCount--;
        lostBytes -= ends[k] - starts[k];
    }

    /**
     * Room for one more record: doubles the ring when it is full (in sequence order from index
     * 0). Returns false at {@link #CAPACITY}.
     */
    private boolean room() {
        int capacity = mask + 1;
        if (count < capacity) {
            return true;
        }
        if (capacity == CAPACITY) {
            return false;
        }
        int n = capacity * 2;
        int[] s2 = new int[n];
        int[] e2 = new int[n];
        long[] t2 = new long[n];
        byte[] f2 = new byte[n];
        for (int i = 0; i < count; i++) {
            int k = idx(i);
            s2[i] = starts[k];
            e2[i] = ends[k];
            t2[i] = xmitTs[k];
            f2[i] = flags[k];
        }
        starts = s2;
        ends = e2;
        xmitTs = t2;
        flags = f2;
        head = 0;
        mask = n - 1;
        return true;
    }

    /** The index (0..count-1) of the record holding {@code seq}, or -1. Binary search: records are in sequence order. */
    int find(int seq) {
        if (count == 0 || SeqNum.lt(seq, starts[head]) || SeqNum.ge(seq, ends[idx(count - 1)])) {
            return -1;
        }
        int lo = 0;
        int hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (SeqNum.le(starts[idx(mid)], seq)) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /**
     * Splits record {@code i} at {@code at} into [start, at) and [at, end), both with its transmit
     * time and flags; the records above move up by one (a retransmission that does not match a
     * segment is rare). Returns false when the ring is full (the record is then resent whole).
     */
    private boolean split(int i, int at) {
        if (!room()) {
            return false;
        }
        for (int j = count; j > i + 1; j--) {
            int to = idx(j);
            int from = idx(j - 1);
            starts[to] = starts[from];
            ends[to] = ends[from];
            xmitTs[to] = xmitTs[from];
            flags[to] = flags[from];
        }
        int k = idx(i);
        int n = idx(i + 1);
        starts[n] = at;
        ends[n] = ends[k];
        xmitTs[n] = xmitTs[k];
        flags[n] = flags[k];
        ends[k] = at;
        if ((flags[k] & LOST) != 0) {
            // Both halves are marked now; the bytes were counted once for the whole.
            lostCount++;
        }
        count++;
        return true;
    }
}
