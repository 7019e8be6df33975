package io.panamax.tcp.congestion;

/**
 * NewReno's window arithmetic: slow start and congestion avoidance with byte counting (RFC 5681
 * 3.1, RFC 3465 L=1), the halving on a loss (RFC 5681 eq. 4 with RFC 6582 3.2 step 3's
 * ssthresh), the loss window of one SMSS after a timeout, the deflation when recovery ends
 * (RFC 6582 3.2 step 5 option 1), an initial window of min(10·MSS, max(2·MSS, 14600)) (RFC 6928)
 * and the restart window after idle (RFC 5681 4.1). The temporary inflation during fast recovery
 * (one SMSS per duplicate ACK) belongs to the loss recovery, which knows the duplicate ACKs.
 * Windows are in bytes.
 */
public final class NewReno implements CongestionControl {
    private int smss = 536;
    private int initialWindow;
    private int cwnd;
    private int ssthresh = Integer.MAX_VALUE;
    /** Bytes acknowledged since cwnd last grew in congestion avoidance (RFC 5681 3.1 byte counting). */
    private int avoidanceAcked;
    /** cwnd and ssthresh before the last reduction, for {@link #undoLastReduction} (RFC 4015 2). */
    private int priorCwnd;
    private int priorSsthresh = Integer.MAX_VALUE;

    @Override
    public void init(int smss, int initialWindowSegments, long nowNanos) {
        this.smss = Math.max(1, smss);
        initialWindow = initialWindow(this.smss, initialWindowSegments);
        cwnd = initialWindow;
    }

    /** RFC 6928 2: min(10·MSS, max(2·MSS, 14600)) for ten segments; otherwise segments·MSS. */
    public static int initialWindow(int mss, int segments) {
        if (segments == 10) {
            return Math.min(10 * mss, Math.max(2 * mss, 14600));
        }
        return segments * mss;
    }

    @Override
    public int cwnd() {
        return cwnd;
    }

    @Override
    public int ssthresh() {
        return ssthresh;
    }

    @Override
    public void onAck(int ackedBytes, int bytesInFlight, long rttNanos, boolean cwndLimited, boolean roundEnd,
            long nowNanos) {
        if (!cwndLimited) {
            // RFC 7661 4.1 / RFC 5681 3.1: a window the application did not fill has not been
            // validated by the network; it must not grow.
            return;
        }
        if (cwnd < ssthresh) {
            // Slow start: grow by at most one SMSS per ACK (RFC 5681 eq. 2, RFC 3465 L=1).
            cwnd = saturatedAdd(cwnd, Math.min(ackedBytes, smss));
        } else {
            // Congestion avoidance: one SMSS per window of data acknowledged.
            avoidanceAcked += ackedBytes;
            if (avoidanceAcked >= cwnd) {
                avoidanceAcked -= cwnd;
                cwnd = saturatedAdd(cwnd, smss);
            }
        }
    }

    @Override
    public void onCongestionEvent(int bytesInFlight, long nowNanos) {
        halve(bytesInFlight);
        cwnd = ssthresh;
    }

    @Override
    public void onRecoveryExit(int bytesInFlight, long nowNanos) {
        // RFC 6582 3.2 step 5 option 1: min(ssthresh, max(FlightSize, SMSS) + SMSS), no burst.
        cwnd = Math.min(ssthresh, Math.max(bytesInFlight, smss) + smss);
    }

    @Override
    public void onRetransmissionTimeout(int bytesInFlight, long nowNanos) {
        halve(bytesInFlight);
        cwnd = smss;
    }

    @Override
    public void undoLastReduction(long nowNanos) {
        cwnd = Math.max(cwnd, priorCwnd);
        ssthresh = Math.max(ssthresh, priorSsthresh);
    }

    @Override
    public void onIdleRestart(long nowNanos) {
        // RFC 5681 4.1: RW = min(IW, cwnd).
        cwnd = Math.min(cwnd, initialWindow);
        avoidanceAcked = 0;
    }

    @Override
    public void resetWindow(int cwnd, int ssthresh, long nowNanos) {
        this.cwnd = Math.max(1, cwnd);
        this.ssthresh = Math.max(1, ssthresh);
        avoidanceAcked = 0;
    }

    @Override
    public String name() {
        return CongestionControls.NEWRENO;
    }

    /** RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2·SMSS), remembering what it was for an undo. */
    private void halve(int bytesInFlight) {
        priorCwnd = cwnd;
        priorSsthresh = ssthresh;
        ssthresh = Math.max(bytesInFlight / 2, 2 * smss);
        avoidanceAcked = 0;
    }

    private static int saturatedAdd(int a, int b) {
        int s = a + b;
        return s < 0 ? Integer.MAX_VALUE : s;
    }
}
