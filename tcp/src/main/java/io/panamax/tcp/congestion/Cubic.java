package io.panamax.tcp.congestion;

/**
 * CUBIC (RFC 9438) with HyStart++ (RFC 9406) as its first slow start.
 *
 * <p>In congestion avoidance the window follows W_cubic(t) = C·(t − K)³ + W_max (RFC 9438 4.2,
 * figure 1), where t is the time since the epoch (the current congestion-avoidance stage) began,
 * W_max the window before the last reduction and K = ∛((W_max − cwnd_epoch)/C) (figure 2) the
 * time it takes to get back there. Each ACK moves cwnd towards target = W_cubic(t + RTT), kept
 * within [cwnd, 1.5·cwnd] (4.4, 4.5), unless the Reno-friendly estimate W_est (figure 4) is ahead
 * of W_cubic(t), in which case cwnd is W_est (4.3). A congestion event multiplies by β = 0.7 (4.6)
 * with fast convergence (4.7); a timeout falls back to one segment with K = 0 in the next stage
 * (4.8); a reduction found spurious is undone (4.9). The window does not grow while the
 * application, not cwnd, limits the sender, and that time does not count in t (4.2, RFC 7661).
 *
 * <p>Windows are bytes at the interface and segments (SMSS units, doubles) inside, where the RFC's
 * formulas are written. Every call is on the connection's shard; nothing is allocated per call.
 */
public final class Cubic implements CongestionControl {
    /** RFC 9438 4.1 constants. */
    public static final double C = 0.4;
    public static final double BETA_CUBIC = 0.7;
    /** RFC 9438 4.3 figure 4: α_cubic = 3·(1 − β)/(1 + β), Reno's average rate at β = 0.7. */
    public static final double ALPHA_CUBIC = 3 * (1 - BETA_CUBIC) / (1 + BETA_CUBIC);

    private final HyStartPlusPlus hystart = new HyStartPlusPlus();
    /** Whether this is still the connection's first slow start (HyStart++ only runs there, RFC 9406 4.3). */
    private boolean hystartActive;

    private int smss = 536;
    private int initialWindow;
    /** cwnd in bytes, fractional so that per-ACK increments of less than a byte accumulate. */
    private double cwnd;
    private int ssthresh = Integer.MAX_VALUE;

    // ---- RFC 9438 state, in segments and nanoseconds ----
    /** W_max: the window (segments) just before the last reduction, after fast convergence. */
    private double wMax;
    /** cwnd_prior: the window just before the last reduction (for α_cubic's switch to 1). */
    private double cwndPrior;
    /** The start of the current congestion-avoidance stage, or -1 when none has begun. */
    private long epochStart = -1;
    private double k;
    /** The point W_cubic climbs back to: W_max, or cwnd_epoch after a timeout or above W_max. */
    private double origin;
    private double wEst;
    /** The last reduction was a timeout: the next stage has K = 0 and W_max = cwnd_epoch (4.8). */
    private boolean afterTimeout;
    /** The last ACK's time, to leave application-limited stretches out of t. */
    private long lastAckNanos = -1;
    /** Smoothed RTT (RFC 6298's 1/8 gain) for W_cubic(t + RTT), or -1 before a sample. */
    private long srttNanos = -1;

    // ---- before the last reduction, for undo (RFC 9438 4.9) ----
    private boolean undoValid;
    private double undoCwnd;
    private int undoSsthresh;
    private double undoWMax;
    private double undoCwndPrior;
    private long undoEpochStart;
    private double undoK;
    private double undoOrigin;
    private double undoWEst;
    private boolean undoAfterTimeout;

    /** A CUBIC window; {@link #init} sets the segment size and the initial window. */
    public Cubic() {
    }

    @Override
    public void init(int smss, int initialWindowSegments, long nowNanos) {
        this.smss = Math.max(1, smss);
        this.initialWindow = initialWindow(this.smss, initialWindowSegments);
        cwnd = initialWindow;
        ssthresh = Integer.MAX_VALUE;
        wMax = 0;
        cwndPrior = 0;
        epochStart = -1;
        afterTimeout = false;
        lastAckNanos = -1;
        srttNanos = -1;
        undoValid = false;
        hystart.reset();
        hystartActive = true;
    }

    /** RFC 6928 2: min(10·MSS, max(2·MSS, 14600)) for the default 10 segments, else n·MSS. */
    static int initialWindow(int mss, int segments) {
        if (segments == 10) {
            return Math.min(10 * mss, Math.max(2 * mss, 14600));
        }
        return Math.max(1, segments) * mss;
    }

    @Override
    public int cwnd() {
        return cwnd >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) cwnd;
    }

    @Override
    public int ssthresh() {
        return ssthresh;
    }

    @Override
    public void onAck(int ackedBytes, int bytesInFlight, long rttNanos, boolean cwndLimited, boolean roundEnd, long nowNanos) {
        if (rttNanos >= 0) {
            srttNanos = srttNanos < 0 ? rttNanos : srttNanos + ((rttNanos - srttNanos) >> 3);
        }
        long sinceLastAck = lastAckNanos < 0 ? 0 : nowNanos - lastAckNanos;
        lastAckNanos = nowNanos;
        if (ackedBytes <= 0) {
            return;
        }
        if (cwnd < ssthresh) {
            if (hystartActive) {
                cwnd += hystart.onAck(ackedBytes, rttNanos, roundEnd, smss, cwndLimited);
                if (hystart.finished()) {
                    // CSS ran its rounds: congestion avoidance from this window (RFC 9406 4.2).
                    hystartActive = false;
                    ssthresh = cwnd();
                }
            } else if (cwndLimited) {
                // RFC 5681 3.1 eq. 2: at most one SMSS per ACK.
                cwnd += Math.min(ackedBytes, smss);
            }
            return;
        }
        if (!cwndLimited) {
            // RFC 9438 4.2 / RFC 7661: no growth while the application limits the sender, and
            // the stage's clock stops: shift the epoch by the time this stretch took.
            if (epochStart >= 0) {
                epochStart += sinceLastAck;
            }
            return;
        }
        congestionAvoidance(ackedBytes, nowNanos);
    }

    /** RFC 9438 4.2-4.5 on one ACK in congestion avoidance. */
    private void congestionAvoidance(int ackedBytes, long now) {
        double w = cwnd / smss;
        if (epochStart < 0) {
            beginEpoch(w, now);
        }
        double segmentsAcked = (double) ackedBytes / smss;
        double t = (now - epochStart) / 1e9;
        double rtt = srttNanos < 0 ? 0 : srttNanos / 1e9;
        // 4.3: the Reno-friendly estimate; α_cubic becomes 1 once W_est reaches cwnd_prior.
        double alpha = wEst >= cwndPrior ? 1.0 : ALPHA_CUBIC;
        wEst += alpha * segmentsAcked / w;
        double wCubicNow = wCubic(t);
        if (wCubicNow < wEst) {
            // Reno-friendly region: at least Reno's rate.
            w = wEst;
        } else {
            // 4.4 (concave) and 4.5 (convex): towards W_cubic one RTT ahead, at most 1.5x per RTT.
            double target = wCubic(t + rtt);
            if (target < w) {
                target = w;
            } else if (target > 1.5 * w) {
                target = 1.5 * w;
            }
            w += (target - w) / w * segmentsAcked;
        }
        cwnd = w * smss;
    }

    /** A congestion-avoidance stage begins: cwnd_epoch, K (figure 2) and W_est (4.3) from here. */
    private void beginEpoch(double w, long now) {
        epochStart = now;
        wEst = w;
        if (afterTimeout || wMax <= w) {
            // 4.8 after a timeout, or a window already at or above W_max: K = 0 from this window.
            k = 0;
            origin = w;
        } else {
            k = Math.cbrt((wMax - w) / C);
            origin = wMax;
        }
        afterTimeout = false;
    }

    /** W_cubic(t), figure 1, in segments. */
    private double wCubic(double t) {
        double d = t - k;
        return C * d * d * d + origin;
    }

    @Override
    public void onCongestionEvent(int bytesInFlight, long nowNanos) {
        saveForUndo();
        reduce(bytesInFlight);
        cwnd = ssthresh;
    }

    /** RFC 9438 4.6 (multiplicative decrease) and 4.7 (fast convergence); a new stage follows. */
    private void reduce(int bytesInFlight) {
        double w = cwnd / smss;
        cwndPrior = w;
        // 4.7: a window that did not get back to the last W_max releases bandwidth to newer flows.
        wMax = w < wMax ? w * (1 + BETA_CUBIC) / 2 : w;
        // 4.6: ssthresh = flight_size·β (RFC 9438 uses the flight size, which stays below cwnd
        // when the application limited the sender), at least 2 segments (RFC 5681 eq. 4).
        long flight = Math.max(0, bytesInFlight);
        ssthresh = (int) Math.max(flight * BETA_CUBIC, 2.0 * smss);
        epochStart = -1;
        if (hystartActive) {
            hystart.onCongestion();
            hystartActive = false;
        }
    }

    @Override
    public void onRecoveryExit(int bytesInFlight, long nowNanos) {
        // Recovery (with PRR, RFC 6937 3) ends at cwnd = ssthresh.
        if (ssthresh != Integer.MAX_VALUE) {
            cwnd = ssthresh;
        }
    }

    @Override
    public void onRetransmissionTimeout(int bytesInFlight, long nowNanos) {
        saveForUndo();
        reduce(bytesInFlight);
        // RFC 9438 4.8: Reno's loss window (RFC 5681 eq. 4), ssthresh by β_cubic.
        cwnd = smss;
        afterTimeout = true;
    }

    private void saveForUndo() {
        undoValid = true;
        undoCwnd = cwnd;
        undoSsthresh = ssthresh;
        undoWMax = wMax;
        undoCwndPrior = cwndPrior;
        undoEpochStart = epochStart;
        undoK = k;
        undoOrigin = origin;
        undoWEst = wEst;
        undoAfterTimeout = afterTimeout;
    }

    @Override
    public void undoLastReduction(long nowNanos) {
        if (!undoValid) {
            return;
        }
        undoValid = false;
        // RFC 9438 4.9: restore the state from before the spurious congestion event. cwnd never
        // goes down by an undo (growth since the event stays).
        cwnd = Math.max(cwnd, undoCwnd);
        ssthresh = Math.max(ssthresh, undoSsthresh);
        wMax = undoWMax;
        cwndPrior = undoCwndPrior;
        epochStart = undoEpochStart;
        k = undoK;
        origin = undoOrigin;
        wEst = undoWEst;
        afterTimeout = undoAfterTimeout;
    }

    @Override
    public void onIdleRestart(long nowNanos) {
        // RFC 5681 4.1: cwnd = min(RW, cwnd) with RW = the initial window; RFC 2861 (as Linux's
        // tcp_cwnd_restart): keep ssthresh at least 3/4 of the window the sender had.
        int before = cwnd();
        if (before > initialWindow) {
            ssthresh = Math.max(ssthresh, before / 4 * 3);
            cwnd = initialWindow;
        }
        // A new stage begins with the next ACK in congestion avoidance.
        epochStart = -1;
        lastAckNanos = -1;
    }

    @Override
    public void resetWindow(int cwnd, int ssthresh, long nowNanos) {
        this.cwnd = Math.max(1, cwnd);
        this.ssthresh = Math.max(1, ssthresh);
        // The next ACK in congestion avoidance begins a stage from this window.
        epochStart = -1;
        lastAckNanos = -1;
        if (hystartActive && this.ssthresh != Integer.MAX_VALUE) {
            hystart.onCongestion();
            hystartActive = false;
        }
    }

    @Override
    public String name() {
        return "cubic";
    }

    // ---- for statistics and tests ----

    /** W_max, segments. */
    public double wMaxSegments() {
        return wMax;
    }

    /** K, seconds, of the current stage (0 before one began). */
    public double kSeconds() {
        return k;
    }

    /** W_est, segments. */
    public double wEstSegments() {
        return wEst;
    }

    /** The slow start that runs the connection's first slow start. */
    public HyStartPlusPlus hystart() {
        return hystart;
    }

    @Override
    public String toString() {
        return "Cubic[cwnd=" + cwnd() + ", ssthresh=" + ssthresh + ", wMax=" + wMax + ", K=" + k + "]";
    }
}
