package io.panamax.tcp;

import io.panamax.tcp.wire.SeqNum;

/**
 * Congestion control: slow start and congestion avoidance (RFC 5681 3.1), fast retransmit and
 * fast recovery with the NewReno modification (RFC 5681 3.2, RFC 6582), an initial window of
 * min(10·MSS, max(2·MSS, 14600)) (RFC 6928). Holds the window arithmetic; the connection sends.
 * Windows are in bytes.
 */
final class NewReno {
    /** Duplicate ACKs that trigger fast retransmit (RFC 5681 3.2). */
    static final int DUPACK_THRESHOLD = 3;

    int cwnd;
    int ssthresh = Integer.MAX_VALUE;
    int dupAcks;
    boolean inRecovery;
    /** RFC 6582 "recover": the highest sequence number sent when recovery (or a timeout) began. */
    int recover;
    /** Bytes acknowledged since cwnd last grew in congestion avoidance (RFC 5681 3.1 byte counting). */
    private int avoidanceAcked;

    /** The initial window of RFC 6928 2, and {@code recover} at the initial sequence number (RFC 6582 3.2 step 1). */
    void init(int mss, int initialSegments, int iss) {
        cwnd = initialWindow(mss, initialSegments);
        recover = iss;
    }

    static int initialWindow(int mss, int segments) {
        if (segments == 10) {
            return Math.min(10 * mss, Math.max(2 * mss, 14600));
        }
        return segments * mss;
    }

    /** An ACK of new data outside recovery (RFC 5681 3.1). */
    void onNewAck(int acked, int mss) {
        dupAcks = 0;
        if (cwnd < ssthresh) {
            // Slow start: grow by at most one SMSS per ACK (RFC 5681 eq. 2, RFC 3465 L=1).
            cwnd = saturatedAdd(cwnd, Math.min(acked, mss));
        } else {
            // Congestion avoidance: one SMSS per window of data acknowledged.
            avoidanceAcked += acked;
            if (avoidanceAcked >= cwnd) {
                avoidanceAcked -= cwnd;
                cwnd = saturatedAdd(cwnd, mss);
            }
        }
    }

    /**
     * Whether the third duplicate ACK for {@code ack} starts fast retransmit: only when it covers
     * more than {@code recover}, so that retransmissions after a timeout do not set off a second
     * round (RFC 6582 3.2 step 2).
     */
    boolean mayEnterRecovery(int ack) {
        return !inRecovery && SeqNum.gt(ack, recover);
    }

    /** Fast retransmit begins (RFC 6582 3.2 steps 2, 3): halve, then inflate by the three dupacks. */
    void enterRecovery(int flightSize, int mss, int highestSent) {
        ssthresh = Math.max(flightSize / 2, 2 * mss);
        cwnd = ssthresh + 3 * mss;
        recover = highestSent;
        inRecovery = true;
        avoidanceAcked = 0;
    }

    /** A further duplicate ACK during recovery: one more segment has left the network (step 4). */
    void onDupAckInRecovery(int mss) {
        cwnd = saturatedAdd(cwnd, mss);
    }

    /** Whether {@code ack} acknowledges everything up to {@code recover} (a full ACK, step 5). */
    boolean isFullAck(int ack) {
        return SeqNum.ge(ack, recover);
    }

    /** A full ACK ends recovery: deflate to min(ssthresh, max(FlightSize, SMSS) + SMSS) (step 5, option 1). */
    void exitRecovery(int flightSize, int mss) {
        cwnd = Math.min(ssthresh, Math.max(flightSize, mss) + mss);
        inRecovery = false;
        dupAcks = 0;
    }

    /** A partial ACK: deflate by what it acknowledged, add back one SMSS if that was at least one (step 5). */
    void onPartialAck(int acked, int mss) {
        cwnd = Math.max(cwnd - acked, mss);
        if (acked >= mss) {
            cwnd = saturatedAdd(cwnd, mss);
        }
    }

    /** The retransmission timer expired (RFC 5681 eq. 4, loss window of one SMSS; RFC 6582 4 recover). */
    void onTimeout(int flightSize, int mss, int highestSent) {
        ssthresh = Math.max(flightSize / 2, 2 * mss);
        cwnd = mss;
        inRecovery = false;
        dupAcks = 0;
        avoidanceAcked = 0;
        recover = highestSent;
    }

    private static int saturatedAdd(int a, int b) {
        int s = a + b;
        return s < 0 ? Integer.MAX_VALUE : s;
    }
}
