package io.panamax.tcp.recovery;

import io.panamax.tcp.wire.SeqNum;

/**
 * The sender's SACK scoreboard (RFC 6675 3, RFC 2018 5): the ranges of sequence space above
 * SND.UNA that the receiver reported holding, kept sorted, disjoint and merged, in fixed arrays so
 * that an ACK allocates nothing. Answers RFC 6675's questions: IsLost (4), which bytes count in
 * the pipe (SetPipe), and where the next hole to retransmit is (NextSeg rule 1).
 *
 * <p>A receiver may renege (RFC 2018 8): SACKed data stays in the send buffer until cumulatively
 * acknowledged, and {@link #clear()} forgets every range after repeated timeouts.
 */
public final class SackScoreboard {
    /** Ranges kept at most; a block that would need more is ignored (its data may be resent). */
    static final int CAPACITY = 64;

    private final int[] starts = new int[CAPACITY];
    private final int[] ends = new int[CAPACITY];
    private int count;
    /** Bytes covered by the ranges. */
    private int sackedBytes;

    /** Number of disjoint SACKed ranges. */
    public int ranges() {
        return count;
    }

    /** Bytes SACKed above SND.UNA. */
    public int sackedBytes() {
        return sackedBytes;
    }

    /** Whether nothing is SACKed. */
    public boolean isEmpty() {
        return count == 0;
    }

    /** The highest SACKed sequence number + 1, or {@code otherwise} when nothing is SACKed. */
    public int highestSacked(int otherwise) {
        return count == 0 ? otherwise : ends[count - 1];
    }

    /**
     * Adds the block [left, right) reported by an ACK, clipped to (sndUna, sndMax]; blocks at or
     * below SND.UNA (DSACK, RFC 2883) or beyond what was sent are ignored. Returns the bytes newly
     * SACKed.
     */
    public int add(int left, int right, int sndUna, int sndMax) {
        if (SeqNum.lt(left, sndUna)) {
            left = sndUna;
        }
        if (SeqNum.gt(right, sndMax)) {
            right = sndMax;
        }
        if (SeqNum.ge(left, right)) {
            return 0;
        }
        // The first range that ends at or after left, and the first that starts after right.
        int i = 0;
        while (i < count && SeqNum.lt(ends[i], left)) {
            i++;
        }
        int j = i;
        while (j < count && SeqNum.le(starts[j], right)) {
            j++;
        }
        // Ranges i..j-1 touch [left, right): merge them into one.
        int before = sackedBytes;
        int newStart = left;
        int newEnd = right;
        if (j > i) {
            if (SeqNum.lt(starts[i], newStart)) {
                newStart = starts[i];
            }
            if (SeqNum.gt(ends[j - 1], newEnd)) {
                newEnd = ends[j - 1];
            }
            for (int k = i; k < j; k++) {
                sackedBytes -= ends[k] - starts[k];
            }
        } else if (count == CAPACITY) {
            return 0;
        }
        int delta = 1 - (j - i);
        if (delta != 0) {
            System.arraycopy(starts, j, starts, j + delta, count - j);
            System.arraycopy(ends, j, ends, j + delta, count - j);
            count += delta;
        }
        starts[i] = newStart;
        ends[i] = newEnd;
        sackedBytes += newEnd - newStart;
        return sackedBytes - before;
    }

    /** SND.UNA advanced to {@code sndUna}: ranges below it go. Returns the SACKed bytes it covered. */
    public int acknowledge(int sndUna) {
        int before = sackedBytes;
        int drop = 0;
        while (drop < count && SeqNum.le(ends[drop], sndUna)) {
            sackedBytes -= ends[drop] - starts[drop];
            drop++;
        }
        if (drop > 0) {
            System.arraycopy(starts, drop, starts, 0, count - drop);
            System.arraycopy(ends, drop, ends, 0, count - drop);
            count -= drop;
        }
        if (count > 0 && SeqNum.lt(starts[0], sndUna)) {
            sackedBytes -= sndUna - starts[0];
            starts[0] = sndUna;
        }
        return before - sackedBytes;
    }

    /** Forgets everything (the receiver may have reneged, RFC 2018 8). */
    public void clear() {
        count = 0;
        sackedBytes = 0;
    }

    /** Whether {@code seq} is SACKed. */
    public boolean isSacked(int seq) {
        for (int k = 0; k < count; k++) {
            if (SeqNum.lt(seq, starts[k])) {
                return false;
            }
            if (SeqNum.lt(seq, ends[k])) {
                return true;
            }
        }
        return false;
    }

    /** The end of the SACKed range holding {@code seq}, or {@code seq} when it is not SACKed. */
    public int skipSacked(int seq) {
        for (int k = 0; k < count; k++) {
            if (SeqNum.lt(seq, starts[k])) {
                return seq;
            }
            if (SeqNum.lt(seq, ends[k])) {
                return ends[k];
            }
        }
        return seq;
    }

    /**
     * The end of the highest unSACKed data below {@code sndMax}: {@code sndMax}, or the start of
     * the SACKed range that reaches it (ranges are merged, so only the last one can); at or below
     * {@code sndUna} when everything above SND.UNA is SACKed.
     */
    public int highestUnsackedEnd(int sndMax) {
        return count > 0 && ends[count - 1] == sndMax ? starts[count - 1] : sndMax;
    }

    /** Where the unSACKed run that ends at {@code end} begins: the end of the SACKed range below it, or {@code sndUna}. */
    public int unsackedRunStart(int end, int sndUna) {
        for (int k = count - 1; k >= 0; k--) {
            if (SeqNum.le(ends[k], end)) {
                return SeqNum.gt(ends[k], sndUna) ? ends[k] : sndUna;
            }
        }
        return sndUna;
    }

    /** The start of the first SACKed range above {@code seq}, or {@code limit} when none is below it. */
    public int nextSacked(int seq, int limit) {
        for (int k = 0; k < count; k++) {
            if (SeqNum.gt(starts[k], seq)) {
                return SeqNum.lt(starts[k], limit) ? starts[k] : limit;
            }
        }
        return limit;
    }

    /**
     * The boundary below which every unSACKed byte is lost (RFC 6675 4, IsLost): a byte is lost
     * when {@code dupThresh} discontiguous SACKed ranges lie above it, or more than
     * (dupThresh - 1)·SMSS SACKed bytes. Both tests hold for every byte below some point, so the
     * lost bytes are exactly the holes below the returned sequence number ({@code sndUna} when
     * none is lost).
     */
    public int lostBoundary(int sndUna, int dupThresh, int smss) {
        int bytes = 0;
        long limit = (long) (dupThresh - 1) * smss;
        for (int k = count - 1, n = 1; k >= 0; k--, n++) {
            bytes += ends[k] - starts[k];
            if (n >= dupThresh || bytes > limit) {
                return starts[k];
            }
        }
        return sndUna;
    }

    /** UnSACKed bytes in [from, to). */
    public int unsackedBetween(int from, int to) {
        if (SeqNum.ge(from, to)) {
            return 0;
        }
        int n = to - from;
        for (int k = 0; k < count; k++) {
            int a = SeqNum.gt(starts[k], from) ? starts[k] : from;
            int b = SeqNum.lt(ends[k], to) ? ends[k] : to;
            if (SeqNum.lt(a, b)) {
                n -= b - a;
            }
        }
        return n;
    }
}
