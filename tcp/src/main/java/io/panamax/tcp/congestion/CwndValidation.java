package io.panamax.tcp.congestion;

/**
 * Congestion window validation for rate-limited senders (RFC 7661): the pipeACK estimate of
 * what the path has carried recently, the validated and non-validated phases it decides, and the
 * window the two rules of the non-validated phase (NVP) set.
 *
 * <p>A window the sender has not been filling says nothing about the path now. RFC 7661 keeps it
 * for up to the non-validated period (five minutes, 5), so an application that pauses resumes at
 * its old rate, but halves it each time that period runs out without the window being validated
 * (4.4.3), and bases the response to a loss in the NVP on what was really in use (4.4.1).
 *
 * <p>pipeACK (4.2) is the largest pipeACK sample of the last pipeACK Sampling Period,
 * max(3·SRTT, 1 s). A sample is the data cumulatively acknowledged in one round trip, measured
 * as Linux's newcwv module does: a round ends at the first ACK at or beyond the SND.MAX of its
 * start, so no clock of RTT resolution is needed. Samples are kept per measurement period (a
 * quarter of the sampling period) in four slots: no allocation. No sample is taken in loss
 * recovery (4.2); after a loss, or a timeout, pipeACK is undefined again (the validated phase).
 *
 * <p>Confined to the connection's shard; plain fields.
 */
public final class CwndValidation {
    /** The non-validated period (RFC 7661 5): five minutes. */
    public static final long NVP_NANOS = 300_000_000_000L;
    /** The shortest pipeACK Sampling Period (4.2): one second. */
    static final long MIN_SAMPLING_PERIOD_NANOS = 1_000_000_000L;
    private static final int SLOTS = 4;

    private final long[] slotStart = new long[SLOTS];
    private final int[] slotMax = new int[SLOTS];
    /** The newest slot; slots in use are the {@link #used} ending here. */
    private int head;
    private int used;
    /** At least one sample was taken since the last reset: pipeACK is defined (4.1). */
    private boolean defined;

    private int roundStartUna;
    private int roundEnd;
    /** When the window was last validated, or the last NVP reduction (4.4.3 counts from it). */
    private long validatedSince;
    /** The phase as of the last ACK outside recovery. */
    private boolean nonValidated;

    // ---- a loss in the NVP (4.4.1) ----
    private boolean lossInNvp;
    private int lossFlightSize;
    private int pipeAckAtLoss;
    private long retransmittedAtLoss;

    private long nvpReductions;

    /** The connection is synchronized: SND.UNA = SND.MAX = {@code una}; pipeACK undefined. */
    public void init(int una, long nowNanos) {
        reset(una, nowNanos);
    }

    /** Back to undefined (4.1): after a loss recovery in the NVP, or a timeout. */
    public void reset(int una, long nowNanos) {
        used = 0;
        defined = false;
        nonValidated = false;
        lossInNvp = false;
        roundStartUna = una;
        roundEnd = una;
        validatedSince = nowNanos;
    }

    /** The sampling period (4.2): max(3·SRTT, 1 s). */
    private static long samplingPeriod(long srttNanos) {
        return Math.max(3 * srttNanos, MIN_SAMPLING_PERIOD_NANOS);
    }

    /** pipeACK in bytes, -1 while undefined; 0 when every sample aged out (an idle sender). */
    public int pipeAck(long nowNanos, long srttNanos) {
        if (!defined) {
            return -1;
        }
        long period = samplingPeriod(srttNanos);
        int max = 0;
        for (int i = 0, s = head; i < used; i++, s = (s + SLOTS - 1) % SLOTS) {
            if (nowNanos - slotStart[s] < period) {
                max = Math.max(max, slotMax[s]);
            }
        }
        return max;
    }

    /**
     * An ACK outside loss recovery advanced SND.UNA to {@code ack} with {@code sndMax} sent: takes
     * a pipeACK sample when it ends a round, then decides the phase for {@code cwnd} (4.3).
     * {@code cwndLimited}: what was in flight before this ACK was at least half of cwnd, so the
     * sender is using its window now whatever pipeACK says. pipeACK lags a round behind: in slow
     * start cwnd doubles per round, so the last round's sample is always about cwnd/2 and a
     * sender filling its window would read as non-validated (tried: the in-memory wire's LAN at
     * 5 % loss fell from 401.7 to 137.5 Mbit/s, every loss answered by 4.4.1's halving).
     * Returns true when the sender has been in the NVP for a whole non-validated period since the
     * window was last validated: the caller applies {@link #windowAfterNvp}, {@link #ssthreshAfterNvp}.
     */
    public boolean onAck(int ack, int sndMax, int cwnd, boolean cwndLimited, long nowNanos, long srttNanos) {
        if (ack - roundEnd >= 0) {
            sample(ack - roundStartUna, nowNanos, srttNanos);
            roundStartUna = ack;
            roundEnd = sndMax;
        }
        int pipeAck = pipeAck(nowNanos, srttNanos);
        // 4.3: validated while pipeACK >= cwnd/2 or undefined.
        nonValidated = pipeAck >= 0 && 2L * pipeAck < cwnd && !cwndLimited;
        if (!nonValidated) {
            validatedSince = nowNanos;
            return false;
        }
        if (nowNanos - validatedSince > NVP_NANOS) {
            validatedSince += NVP_NANOS;
            nvpReductions++;
            return true;
        }
        return false;
    }

    private void sample(int bytes, long nowNanos, long srttNanos) {
        long measurementPeriod = samplingPeriod(srttNanos) / SLOTS;
        defined = true;
        if (used > 0 && nowNanos - slotStart[head] < measurementPeriod) {
            slotMax[head] = Math.max(slotMax[head], bytes);
            return;
        }
        head = (head + 1) % SLOTS;
        slotStart[head] = nowNanos;
        slotMax[head] = bytes;
        used = Math.min(used + 1, SLOTS);
    }

    /** 4.4.3: the window when a non-validated period ran out: max(cwnd/2, IW). */
    public static int windowAfterNvp(int cwnd, int initialWindow) {
        return Math.max(cwnd / 2, initialWindow);
    }

    /** 4.4.3: ssthresh then: max(ssthresh, 3/4 of the window before the reduction). */
    public static int ssthreshAfterNvp(int ssthresh, int cwndBefore) {
        return Math.max(ssthresh, (int) (cwndBefore * 3L / 4));
    }

    /**
     * Loss recovery began with {@code flightSize} outstanding: when the sender was in the NVP, its
     * end will set the window by 4.4.1. {@code retransmittedBytes} is the sender's running total.
     */
    public void onRecoveryStart(int flightSize, long retransmittedBytes, long nowNanos, long srttNanos) {
        lossInNvp = nonValidated;
        if (lossInNvp) {
            lossFlightSize = flightSize;
            pipeAckAtLoss = Math.max(0, pipeAck(nowNanos, srttNanos));
            retransmittedAtLoss = retransmittedBytes;
        }
    }

    /**
     * Loss recovery ended. Returns the window 4.4.1 sets when the loss came in the NVP:
     * (max(pipeACK, LossFlightSize) − R) / 2, R the data retransmitted in the recovery, at least
     * {@code minWindow} (RFC 5681 eq. 4's 2·SMSS); ssthresh takes the same value. -1 otherwise.
     * pipeACK is undefined again either way when it applies (the sender leaves the NVP).
     */
    public int onRecoveryEnd(int una, long retransmittedBytes, int minWindow, long nowNanos) {
        if (!lossInNvp) {
            return -1;
        }
        long r = retransmittedBytes - retransmittedAtLoss;
        long w = (Math.max(pipeAckAtLoss, lossFlightSize) - r) / 2;
        reset(una, nowNanos);
        return (int) Math.clamp(w, minWindow, Integer.MAX_VALUE);
    }

    /** The phase as of the last ACK outside recovery (4.3). */
    public boolean nonValidated() {
        return nonValidated;
    }

    /** Reductions at the end of a non-validated period (4.4.3). */
    public long nvpReductions() {
        return nvpReductions;
    }
}
