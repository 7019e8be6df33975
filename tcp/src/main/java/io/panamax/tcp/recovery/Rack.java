package io.panamax.tcp.recovery;

import io.panamax.tcp.wire.SeqNum;

/**
 * RACK, the time-based loss detection of RFC 8985 6: a segment is lost when a segment sent
 * sufficiently later (by the reordering window) has been delivered, whatever the count of
 * duplicate ACKs. It detects losses that RFC 6675's IsLost cannot: a lost retransmission (sent
 * later than everything SACKed since, so only time tells), a loss with too few segments after it.
 *
 * <p>The per-segment records (sequence range, transmit time of the most recent (re)transmission,
 * flags) live in parallel arrays used as a ring, in sequence order from SND.UNA: nothing is
 * allocated per packet. The ring starts with room for 64 segments and doubles when a flight
 * needs more (a few times in a connection's life), up to {@link #CAPACITY}, so that an idle or
 * slow connection does not hold 68 KB. A segment beyond the largest ring is not tracked and is
 * left to RFC 6675 and the timers.
 */
final class Rack {
    /** Segments tracked at most: 4096 full-sized segments cover a 5.9 MB flight at MSS 1448. */
    static final int CAPACITY = 4096;
    private static final int INITIAL_CAPACITY = 64;

    /**
     * The least reordering window: 1 ms (chosen when the sender's RTT samples came from 1 ms
     * timestamps; RACK's own times were always the shard's nanoseconds, and the SRTT is now too,
     * so a smaller floor is possible but not measured yet). RFC 8985 allows a zero window (in recovery, with no reordering seen); with it,
     * segments that left in the same instant as the one just delivered (a burst) would be lost at
     * once, before their own ACKs had any time to arrive. Deviation from 6.2 step 4.
     */
    static final long MIN_REO_WND_NANOS = 1_000_000;

    private static final byte RETRANSMITTED = 1;
    /** Deemed lost by RACK and not yet sent again (RFC 8985 6.2 step 5, Segment.lost). */
    private static final byte LOST = 2;
    /** Delivered (SACKed): its RACK stats were taken once (RFC 8985 6.2 step 2). */
    private static final byte DELIVERED = 4;

    private int[] starts = new int[INITIAL_CAPACITY];
    private int[] ends = new int[INITIAL_CAPACITY];
    private long[] xmitTs = new long[INITIAL_CAPACITY];
    private byte[] flags = new byte[INITIAL_CAPACITY];
    /** The ring's length less one (a power of two less one). */
    private int mask = INITIAL_CAPACITY - 1;
    /** The ring: records head..head+count-1, contiguous in sequence space. */
    private int head;
    private int count;
    /** Records flagged LOST now, and their bytes. */
    private int lostCount;
    private int lostBytes;

    // ---- RFC 8985 6.1 ----
    /** RACK.xmit_ts, RACK.end_seq: the most recently sent segment delivered; valid once {@link #haveRack}. */
    private long rackXmitTs;
    private int rackEndSeq;
    private boolean haveRack;
    /** RACK.rtt: the RTT of that segment. */
    private long rackRtt;
    /**
     * The window of RACK.min_RTT: 5 minutes, Linux's tcp_min_rtt_wlen (a path's least RTT is
     * stable over minutes; a shorter window would let a standing queue raise it).
     */
    static final long MIN_RTT_WINDOW_NANOS = 300_000_000_000L;
    /** RACK.min_RTT: the lowest RTT of the last {@link #MIN_RTT_WINDOW_NANOS}. */
    private final WindowedMin minRtt = new WindowedMin(MIN_RTT_WINDOW_NANOS);
    /** RACK.fack: the highest sequence delivered + 1. */
    private int fack;
    /** RACK.fack before the ACK being processed: reordering is delivery below it (step 3). */
    private int priorFack;
    private boolean reorderingSeen;
    /** RFC 8985 6.2 step 4: DSACK adaptation of the window. */
    private int reoWndMult = 1;
    private int reoWndPersist;
    private int dsackRound;
    private boolean dsackRoundSet;
    /** A DSACK arrived on the ACK being processed. */
    private boolean dsackOnAck;
    /** Segments marked lost over the connection. */
    private long markedLost;

    /** The connection's first sequence number. */
    void init(int iss) {
        head = 0;
        count = 0;
        lostCount = 0;
        lostBytes = 0;
        fack = iss;
        priorFack = iss;
        haveRack = false;
    }

    /**
     * An ACK arrives: RFC 8985 6.2 takes its newly delivered segments in the order they were
     * sent, so a segment is delivered out of order only when it lies below what earlier ACKs
     * delivered. The SACK blocks of one ACK come most recent first (RFC 2018 4), and a block
     * whose ACK was lost comes with the next one: comparing with RACK.fack as this ACK raises it
     * would take those for reordering on a path that never reorders (Linux compares with the
     * highest SACKed sequence before the ACK as well).
     */
    void onAckStart() {
        priorFack = fack;
    }

    /** Whether some segment is marked lost and not yet sent again. */
    boolean hasLost() {
        return lostCount > 0;
    }

    /** Bytes of the segments marked lost and not sent again: they are not in the pipe. */
    int lostBytes() {
        return lostBytes;
    }

    private void unmarkLost(int k) {
        flags[k] &= ~LOST;
        lostCount--;
        lostBytes -= ends[k] - starts[k];
    }

    long markedLost() {
        return markedLost;
    }

    boolean reorderingSeen() {
        return reorderingSeen;
    }

    private int idx(int i) {
        return (head + i) & mask;
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
    private int find(int seq) {
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
     * {@code len} bytes of sequence space from {@code seq} went at {@code now}: new data becomes a
     * record; data sent again sets Segment.xmit_ts and Segment.retransmitted of every record it
     * touches, and clears Segment.lost.
     */
    void onSent(int seq, int len, long now) {
        if (len <= 0) {
            return;
        }
        int end = seq + len;
        int last = count == 0 ? seq : ends[idx(count - 1)];
        if (SeqNum.ge(seq, last) && (count == 0 || seq == last)) {
            if (!room()) {
                return;
            }
            int k = idx(count++);
            starts[k] = seq;
            ends[k] = end;
            xmitTs[k] = now;
            flags[k] = 0;
            return;
        }
        int i = find(seq);
        if (i < 0) {
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
        if (SeqNum.gt(end, last) && room()) {
            // A segment resent with new data beyond SND.MAX after it (rare: a smaller MSS).
            int k = idx(count++);
            starts[k] = last;
            ends[k] = end;
            xmitTs[k] = now;
            flags[k] = 0;
        }
    }

    /**
     * Splits record {@code i} at {@code at} into [start, at) and [at, end), both with its transmit
     * time and flags; the records above move up by one (a retransmission that does not match a
     * segment is rare). Returns false when the ring is full (the record is then resent whole in
     * the RACK's view).
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
            lostCount++;
        }
        count++;
        return true;
    }

    /**
     * SACK block [left, right) newly reported (RFC 8985 6.2 step 2, 3): the records it wholly covers
     * are delivered.
     */
    void onSacked(int left, int right, long now) {
        int i = find(left);
        if (i < 0) {
            // The block may start before the first record's start only if it is below SND.UNA.
            if (count == 0 || SeqNum.ge(left, ends[idx(count - 1)])) {
                return;
            }
            i = 0;
        }
        for (; i < count; i++) {
            int k = idx(i);
            if (SeqNum.gt(ends[k], right)) {
                break;
            }
            if (SeqNum.ge(starts[k], left) && (flags[k] & DELIVERED) == 0) {
                deliver(k, now);
                flags[k] |= DELIVERED;
            }
        }
    }

    /**
     * SND.UNA advanced to {@code una}: every record below it is delivered, then forgotten.
     * {@code echoedBefore}: the segment whose timestamp the ACK echoes (RFC 7323 4.1) left
     * before this time, {@link Long#MAX_VALUE} without timestamps. The first record, sent again
     * at or after it, was delivered by an earlier transmission: no RTT is taken from it (the
     * TSecr test of RFC 8985 6.2 step 2; Karn's ambiguity, which the min_RTT test catches only
     * when the ACK comes sooner than min_RTT after the retransmission). Only the record at the
     * old SND.UNA is tested: its arrival at RCV.NXT made the ACK and set TS.Recent (RFC 7323
     * 4.3); out-of-order segments never set it, so TSecr says nothing about the records above
     * (nor about those a SACK block reports).
     */
    void onCumulativeAck(int una, long now, long echoedBefore) {
        boolean first = true;
        while (count > 0 && SeqNum.le(ends[head], una)) {
            if ((flags[head] & DELIVERED) == 0) {
                if (first && (flags[head] & RETRANSMITTED) != 0 && xmitTs[head] >= echoedBefore) {
                    deliverOriginal(head);
                } else {
                    deliver(head, now);
                }
            }
            if ((flags[head] & LOST) != 0) {
                unmarkLost(head);
            }
            first = false;
            head = (head + 1) & mask;
            count--;
        }
    }

    /** A retransmitted segment that its earlier transmission delivered: no RTT sample (RFC 8985 6.2 step 2). */
    private void deliverOriginal(int k) {
        if ((flags[k] & LOST) != 0) {
            unmarkLost(k);
        }
        if (SeqNum.gt(ends[k], fack)) {
            fack = ends[k];
        }
    }

    /** RFC 8985 6.2 steps 2 and 3 for one delivered segment. */
    private void deliver(int k, long now) {
        long ts = xmitTs[k];
        int end = ends[k];
        if ((flags[k] & LOST) != 0) {
            // It was delivered after all: not lost.
            unmarkLost(k);
        }
        // Step 3: delivered below the highest delivered sequence, never sent again: reordering.
        if (SeqNum.lt(end, priorFack) && (flags[k] & RETRANSMITTED) == 0) {
            reorderingSeen = true;
        } else if (SeqNum.gt(end, fack)) {
            fack = end;
        }
        long rtt = now - ts;
        // Step 2: an ACK for a retransmitted segment sooner than min_RTT after it went is for the
        // original: no RTT to learn from it (as gVisor and Linux test; the TSecr test of 6.2 is
        // made where TSecr tells, for the first record a cumulative ACK covers).
        if ((flags[k] & RETRANSMITTED) != 0 && rtt < minRtt.get()) {
            return;
        }
        minRtt.update(now, rtt);
        if (!haveRack || sentAfter(ts, end, rackXmitTs, rackEndSeq)) {
            haveRack = true;
            rackXmitTs = ts;
            rackEndSeq = end;
            rackRtt = rtt;
        }
    }

    /** RACK_sent_after (RFC 8985 6.2): t1 later than t2, or the same time and a higher end sequence. */
    private static boolean sentAfter(long t1, int seq1, long t2, int seq2) {
        return t1 > t2 || (t1 == t2 && SeqNum.gt(seq1, seq2));
    }

    /** A D-SACK came with the ACK being processed. */
    void onDsack() {
        dsackOnAck = true;
    }

    /**
     * RACK_update_reo_wnd (RFC 8985 6.2 step 4): zero while no reordering was seen and the
     * connection is in recovery or has DupThresh segments SACKed (as RFC 6675 would act then);
     * otherwise min_RTT/4, times a multiplier grown by each round with a D-SACK and reset after
     * 16 recoveries without one, at most SRTT.
     */
    long reorderingWindow(int sndUna, int sndNxt, boolean inRecovery, boolean sackedDupThresh, long srtt) {
        if (dsackRoundSet && SeqNum.ge(sndUna, dsackRound)) {
            dsackRoundSet = false;
        }
        if (!dsackRoundSet && dsackOnAck) {
            dsackRound = sndNxt;
            dsackRoundSet = true;
            reoWndMult++;
            reoWndPersist = 16;
        }
        dsackOnAck = false;
        if (!reorderingSeen && (inRecovery || sackedDupThresh)) {
            return MIN_REO_WND_NANOS;
        }
        long min = minRtt.get();
        if (min == Long.MAX_VALUE) {
            return MIN_REO_WND_NANOS;
        }
        return Math.max(MIN_REO_WND_NANOS, Math.min(reoWndMult * min / 4, srtt));
    }

    /** Leaving a fast or RTO recovery (RFC 8985 6.2 step 4's persistence count). */
    void onRecoveryExit() {
        if (--reoWndPersist <= 0) {
            reoWndMult = 1;
        }
    }

    /**
     * RACK_detect_loss (RFC 8985 6.2 step 5): marks lost every segment not yet delivered that was
     * sent before RACK.xmit_ts by more than the reordering window ago. Returns the time until the
     * next such segment's window expires (for the reorder timer, 6.3), 0 when none waits.
     */
    long detectLoss(long reoWnd, long now) {
        if (!haveRack) {
            return 0;
        }
        long timeout = 0;
        for (int i = 0; i < count; i++) {
            int k = idx(i);
            int f = flags[k];
            if ((f & (DELIVERED | LOST)) != 0) {
                continue;
            }
            long ts = xmitTs[k];
            if (!sentAfter(rackXmitTs, rackEndSeq, ts, ends[k])) {
                continue;
            }
            long remaining = ts + rackRtt + reoWnd - now;
            if (remaining <= 0) {
                flags[k] = (byte) (f | LOST);
                lostCount++;
                lostBytes += ends[k] - starts[k];
                markedLost++;
            } else if (remaining > timeout) {
                timeout = remaining;
            }
        }
        return timeout;
    }

    /** Bytes of the segments marked lost that lie below {@code seq}. */
    int lostBytesBelow(int seq) {
        if (lostCount == 0) {
            return 0;
        }
        int bytes = 0;
        for (int i = 0; i < count; i++) {
            int k = idx(i);
            if (SeqNum.ge(starts[k], seq)) {
                break;
            }
            if ((flags[k] & LOST) != 0) {
                bytes += Math.min(ends[k], seq) - starts[k];
            }
        }
        return bytes;
    }

    /** The first byte of the lowest segment marked lost, or {@code none}. */
    int firstLost(int none) {
        if (lostCount == 0) {
            return none;
        }
        for (int i = 0; i < count; i++) {
            int k = idx(i);
            if ((flags[k] & LOST) != 0) {
                return starts[k];
            }
        }
        return none;
    }

    /** Takes the lost mark off the record holding {@code seq} (its start was SACKed: RFC 6675 has the rest). */
    void unmarkLostAt(int seq) {
        int i = find(seq);
        if (i >= 0 && (flags[idx(i)] & LOST) != 0) {
            unmarkLost(idx(i));
        }
    }

    /** The end of the record holding {@code seq}, or {@code seq} when it is not tracked. */
    int segmentEnd(int seq) {
        int i = find(seq);
        return i < 0 ? seq : ends[idx(i)];
    }

    /** Whether the record holding {@code seq} went again at or after {@code sinceNanos} and is not lost since. */
    boolean resentSince(int seq, long sinceNanos) {
        int i = find(seq);
        if (i < 0) {
            return false;
        }
        int k = idx(i);
        return (flags[k] & (RETRANSMITTED | LOST)) == RETRANSMITTED && xmitTs[k] >= sinceNanos;
    }

    /** A retransmission timeout: what is outstanding goes again from SND.UNA; the lost marks are moot. */
    void onRetransmissionTimeout() {
        for (int i = 0; i < count; i++) {
            flags[idx(i)] &= ~LOST;
        }
        lostCount = 0;
        lostBytes = 0;
    }

    /** The SACK scoreboard was forgotten (reneging, RFC 2018 8): delivered marks go too. */
    void clearDelivered() {
        for (int i = 0; i < count; i++) {
            flags[idx(i)] &= ~DELIVERED;
        }
    }
}
