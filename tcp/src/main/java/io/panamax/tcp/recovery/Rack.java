package io.panamax.tcp.recovery;

import io.panamax.tcp.wire.SeqNum;

/**
 * RACK, the time-based loss detection of RFC 8985 6: a segment is lost when a segment sent
 * sufficiently later (by the reordering window) has been delivered, whatever the count of
 * duplicate ACKs. It detects losses that RFC 6675's IsLost cannot: a lost retransmission (sent
 * later than everything SACKed since, so only time tells), a loss with too few segments after it.
 *
 * <p>The per-segment records (sequence range, transmit time of the most recent (re)transmission,
 * flags) are the sender's {@link SentRanges}, which also give its RTT samples: the sender records
 * each send there, RACK reads and marks them and forgets those a cumulative ACK covers.
 */
final class Rack {
    /**
     * The least reordering window: 1 ms (chosen when the sender's RTT samples came from 1 ms
     * timestamps; RACK's own times were always the shard's nanoseconds, and the SRTT is now too,
     * so a smaller floor is possible but not measured yet). RFC 8985 allows a zero window (in recovery, with no reordering seen); with it,
     * segments that left in the same instant as the one just delivered (a burst) would be lost at
     * once, before their own ACKs had any time to arrive. Deviation from 6.2 step 4.
     */
    static final long MIN_REO_WND_NANOS = 1_000_000;

    /** The records: one per segment sent, shared with the sender's RTT samples. */
    private final SentRanges s;

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

    /** RACK over the records {@code sent}, which the sender fills. */
    Rack(SentRanges sent) {
        this.s = sent;
    }

    /** The records it reads (for tests, which play the sender). */
    SentRanges records() {
        return s;
    }

    /** The connection's first sequence number. */
    void init(int iss) {
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
        return s.lostCount > 0;
    }

    /** Bytes of the segments marked lost and not sent again: they are not in the pipe. */
    int lostBytes() {
        return s.lostBytes;
    }

    long markedLost() {
        return markedLost;
    }

    boolean reorderingSeen() {
        return reorderingSeen;
    }

    /**
     * SACK block [left, right) newly reported (RFC 8985 6.2 step 2, 3): the records it wholly covers
     * are delivered.
     */
    void onSacked(int left, int right, long now) {
        int i = s.find(left);
        if (i < 0) {
            // The block may start before the first record's start only if it is below SND.UNA.
            if (s.count == 0 || SeqNum.ge(left, s.ends[s.idx(s.count - 1)])) {
                return;
            }
            i = 0;
        }
        for (; i < s.count; i++) {
            int k = s.idx(i);
            if (SeqNum.gt(s.ends[k], right)) {
                break;
            }
            if (SeqNum.ge(s.starts[k], left) && (s.flags[k] & SentRanges.DELIVERED) == 0) {
                deliver(k, now);
                s.flags[k] |= SentRanges.DELIVERED;
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
        while (s.count > 0 && SeqNum.le(s.ends[s.head], una)) {
            if ((s.flags[s.head] & SentRanges.DELIVERED) == 0) {
                if (first && (s.flags[s.head] & SentRanges.RETRANSMITTED) != 0 && s.xmitTs[s.head] >= echoedBefore) {
                    deliverOriginal(s.head);
                } else {
                    deliver(s.head, now);
                }
            }
            first = false;
            s.removeHead();
        }
        s.coverHeadTo(una);
    }

    /** A retransmitted segment that its earlier transmission delivered: no RTT sample (RFC 8985 6.2 step 2). */
    private void deliverOriginal(int k) {
        if ((s.flags[k] & SentRanges.LOST) != 0) {
            s.unmarkLost(k);
        }
        if (SeqNum.gt(s.ends[k], fack)) {
            fack = s.ends[k];
        }
    }

    /** RFC 8985 6.2 steps 2 and 3 for one delivered segment. */
    private void deliver(int k, long now) {
        long ts = s.xmitTs[k];
        int end = s.ends[k];
        if ((s.flags[k] & SentRanges.LOST) != 0) {
            // It was delivered after all: not lost.
            s.unmarkLost(k);
        }
        // Step 3: delivered below the highest delivered sequence, never sent again: reordering.
        if (SeqNum.lt(end, priorFack) && (s.flags[k] & SentRanges.RETRANSMITTED) == 0) {
            reorderingSeen = true;
        } else if (SeqNum.gt(end, fack)) {
            fack = end;
        }
        long rtt = now - ts;
        // Step 2: an ACK for a retransmitted segment sooner than min_RTT after it went is for the
        // original: no RTT to learn from it (as gVisor and Linux test; the TSecr test of 6.2 is
        // made where TSecr tells, for the first record a cumulative ACK covers).
        if ((s.flags[k] & SentRanges.RETRANSMITTED) != 0 && rtt < minRtt.get()) {
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

    /** Leaving a fast or RTO recovery (RFC 8985 6.2 step 4's persistence s.count). */
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
        for (int i = 0; i < s.count; i++) {
            int k = s.idx(i);
            int f = s.flags[k];
            if ((f & (SentRanges.DELIVERED | SentRanges.LOST)) != 0) {
                continue;
            }
            long ts = s.xmitTs[k];
            if (!sentAfter(rackXmitTs, rackEndSeq, ts, s.ends[k])) {
                continue;
            }
            long remaining = ts + rackRtt + reoWnd - now;
            if (remaining <= 0) {
                s.markLost(k);
                markedLost++;
            } else if (remaining > timeout) {
                timeout = remaining;
            }
        }
        return timeout;
    }

    /** Bytes of the segments marked lost that lie below {@code seq}. */
    int lostBytesBelow(int seq) {
        if (s.lostCount == 0) {
            return 0;
        }
        int bytes = 0;
        for (int i = 0; i < s.count; i++) {
            int k = s.idx(i);
            if (SeqNum.ge(s.starts[k], seq)) {
                break;
            }
            if ((s.flags[k] & SentRanges.LOST) != 0) {
                bytes += Math.min(s.ends[k], seq) - s.starts[k];
            }
        }
        return bytes;
    }

    /** The first byte of the lowest segment marked lost, or {@code none}. */
    int firstLost(int none) {
        if (s.lostCount == 0) {
            return none;
        }
        for (int i = 0; i < s.count; i++) {
            int k = s.idx(i);
            if ((s.flags[k] & SentRanges.LOST) != 0) {
                return s.starts[k];
            }
        }
        return none;
    }

    /** Takes the lost mark off the record holding {@code seq} (its start was SACKed: RFC 6675 has the rest). */
    void unmarkLostAt(int seq) {
        int i = s.find(seq);
        if (i >= 0 && (s.flags[s.idx(i)] & SentRanges.LOST) != 0) {
            s.unmarkLost(s.idx(i));
        }
    }

    /** The end of the record holding {@code seq}, or {@code seq} when it is not tracked. */
    int segmentEnd(int seq) {
        int i = s.find(seq);
        return i < 0 ? seq : s.ends[s.idx(i)];
    }

    /** Whether the record holding {@code seq} went again at or after {@code sinceNanos} and is not lost since. */
    boolean resentSince(int seq, long sinceNanos) {
        int i = s.find(seq);
        if (i < 0) {
            return false;
        }
        int k = s.idx(i);
        return (s.flags[k] & (SentRanges.RETRANSMITTED | SentRanges.LOST)) == SentRanges.RETRANSMITTED && s.xmitTs[k] >= sinceNanos;
    }

    /** A retransmission timeout: what is outstanding goes again from SND.UNA; the lost marks are moot. */
    void onRetransmissionTimeout() {
        for (int i = 0; i < s.count; i++) {
            s.flags[s.idx(i)] &= ~SentRanges.LOST;
        }
        s.lostCount = 0;
        s.lostBytes = 0;
    }

    /** The SACK scoreboard was forgotten (reneging, RFC 2018 8): delivered marks go too. */
    void clearDelivered() {
        for (int i = 0; i < s.count; i++) {
            s.flags[s.idx(i)] &= ~SentRanges.DELIVERED;
        }
    }
}
