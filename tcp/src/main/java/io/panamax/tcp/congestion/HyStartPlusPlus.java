package io.panamax.tcp.congestion;

/**
 * HyStart++ (RFC 9406): the slow start of a connection's <em>first</em> slow start, which leaves
 * slow start when the round-trip time rises instead of waiting for a loss. Each round's minimum
 * RTT is compared with the previous round's; a rise of at least {@code RttThresh} (RFC 9406 4.2)
 * moves the sender into Conservative Slow Start (CSS), where the window grows a quarter as fast;
 * {@link #CSS_ROUNDS} rounds of CSS end slow start (the caller sets ssthresh to cwnd), and a round
 * whose minimum RTT falls back below the baseline returns to slow start (a spurious exit, RFC 9406
 * 4.3). Held by a {@link CongestionControl}; plain fields, nothing allocated per call.
 *
 * <p>Rounds: the caller says on which ACK a round ends ({@code roundEnd}, the first ACK that
 * covers the SND.NXT recorded when the round began, RFC 9406 4.2 "windowEnd"). That ACK opens the
 * next round and its RTT sample is counted in the new round.
 */
public final class HyStartPlusPlus {
    /** RFC 9406 4.3 constants (the RECOMMENDED values). */
    public static final long MIN_RTT_THRESH_NANOS = 4_000_000L;
    public static final long MAX_RTT_THRESH_NANOS = 16_000_000L;
    public static final int MIN_RTT_DIVISOR = 8;
    public static final int N_RTT_SAMPLE = 8;
    public static final int CSS_GROWTH_DIVISOR = 4;
    public static final int CSS_ROUNDS = 5;
    /**
     * L: segments one ACK may grow the window by. RFC 9406 4.3: infinity for a paced sender, 8 for
     * one that is not; this stack does not pace, so a stretch ACK (GRO, ACK loss) cannot release
     * a burst of more than 8 segments of growth.
     */
    public static final int L = 8;

    private static final long NONE = Long.MAX_VALUE;

    private long lastRoundMinRtt = NONE;
    private long currentRoundMinRtt = NONE;
    private int rttSampleCount;
    private long cssBaselineMinRtt = NONE;
    private int cssRounds;
    private boolean inCss;
    private boolean done;
    /** Times slow start was left on an RTT rise (for statistics and tests). */
    private int cssEntries;

    /** A fresh slow start (a new connection). */
    public void reset() {
        lastRoundMinRtt = NONE;
        currentRoundMinRtt = NONE;
        rttSampleCount = 0;
        cssBaselineMinRtt = NONE;
        cssRounds = 0;
        inCss = false;
        done = false;
        cssEntries = 0;
    }

    /**
     * One ACK in slow start: updates the round's RTT record and returns by how many bytes the
     * window grows for {@code ackedBytes} (RFC 9406 4.2: min(N, L·SMSS), divided by
     * CSS_GROWTH_DIVISOR in CSS). After it, {@link #finished()} says whether CSS ran its rounds.
     *
     * @param rttNanos this ACK's RTT sample, or a negative value for none
     * @param grow     whether the window may grow (false when the application limited the sender, RFC 7661)
     */
    public int onAck(int ackedBytes, long rttNanos, boolean roundEnd, int smss, boolean grow) {
        if (done) {
            return grow ? Math.min(ackedBytes, smss) : 0;
        }
        if (roundEnd) {
            startRound();
            if (done) {
                return 0;
            }
        }
        if (rttNanos >= 0) {
            if (rttNanos < currentRoundMinRtt) {
                currentRoundMinRtt = rttNanos;
            }
            rttSampleCount++;
            checkRtt();
        }
        if (!grow) {
            return 0;
        }
        int n = Math.min(ackedBytes, L * smss);
        return inCss ? n / CSS_GROWTH_DIVISOR : n;
    }

    /** RFC 9406 4.2: "at the start of each round". */
    private void startRound() {
        lastRoundMinRtt = currentRoundMinRtt;
        currentRoundMinRtt = NONE;
        rttSampleCount = 0;
        if (inCss && ++cssRounds >= CSS_ROUNDS) {
            // CSS_ROUNDS rounds in CSS: enter congestion avoidance (the caller sets ssthresh = cwnd).
            inCss = false;
            done = true;
        }
    }

    /** RFC 9406 4.2: the delay-increase test in slow start, and the spurious-exit test in CSS. */
    private void checkRtt() {
        if (rttSampleCount < N_RTT_SAMPLE || currentRoundMinRtt == NONE) {
            return;
        }
        if (!inCss) {
            if (lastRoundMinRtt == NONE) {
                return;
            }
            long thresh = Math.max(MIN_RTT_THRESH_NANOS, Math.min(lastRoundMinRtt / MIN_RTT_DIVISOR, MAX_RTT_THRESH_NANOS));
            if (currentRoundMinRtt >= lastRoundMinRtt + thresh) {
                cssBaselineMinRtt = currentRoundMinRtt;
                inCss = true;
                cssRounds = 0;
                cssEntries++;
            }
        } else if (currentRoundMinRtt < cssBaselineMinRtt) {
            // The RTT rise was jitter: back to slow start (RFC 9406 4.2).
            cssBaselineMinRtt = NONE;
            inCss = false;
        }
    }

    /** A loss or ECN mark in slow start or CSS: HyStart++ is over for this connection (RFC 9406 4.2, 4.3). */
    public void onCongestion() {
        inCss = false;
        done = true;
    }

    /** Whether the sender is in Conservative Slow Start. */
    public boolean inCss() {
        return inCss;
    }

    /** Whether HyStart++ is over: CSS completed its rounds, or a congestion event ended slow start. */
    public boolean finished() {
        return done;
    }

    /** How often slow start moved to CSS on an RTT rise. */
    public int cssEntries() {
        return cssEntries;
    }

    /** The minimum RTT of the current round, or -1 before a sample. */
    public long currentRoundMinRttNanos() {
        return currentRoundMinRtt == NONE ? -1 : currentRoundMinRtt;
    }

    /** CSS rounds completed so far (while in CSS). */
    public int cssRounds() {
        return cssRounds;
    }
}
