package io.panamax.tcp.congestion;

/**
 * The congestion window of one connection's sender: how much may be in flight (RFC 5681
 * vocabulary). Loss <em>detection</em> (duplicate ACKs, SACK scoreboard, RACK) lives in the loss
 * recovery, which tells this object what happened; this object only does the window arithmetic.
 * Windows are in bytes. Every call happens on the connection's shard: implementations keep plain
 * fields, no atomics, and allocate nothing per call.
 */
public interface CongestionControl {
    /** Sets the sender maximum segment size (SMSS) and the initial window (RFC 6928: 10 segments by default). */
    void init(int smss, int initialWindowSegments, long nowNanos);

    /** The congestion window, bytes. */
    int cwnd();

    /** The slow-start threshold, bytes ({@link Integer#MAX_VALUE} before the first loss). */
    int ssthresh();

    /**
     * An ACK that acknowledged {@code ackedBytes} new bytes (cumulatively or by SACK) outside
     * recovery. {@code rttNanos} is this ACK's RTT sample, or -1 if it has none (Karn);
     * {@code cwndLimited} is false when the application, not cwnd, limited what was sent
     * (RFC 7661: the window must not grow then). {@code roundEnd} is true on the first ACK that
     * covers the SND.NXT recorded when the previous round began (HyStart++ rounds, RFC 9406 4.2).
     */
    void onAck(int ackedBytes, int bytesInFlight, long rttNanos, boolean cwndLimited, boolean roundEnd, long nowNanos);

    /** Loss detected (third duplicate ACK, SACK or RACK): entering recovery; reduces the window once per recovery episode. */
    void onCongestionEvent(int bytesInFlight, long nowNanos);

    /** Recovery ended: every byte outstanding when it began has been acknowledged. */
    void onRecoveryExit(int bytesInFlight, long nowNanos);

    /** The retransmission timer expired (RFC 5681 eq. 4: loss window of one SMSS). */
    void onRetransmissionTimeout(int bytesInFlight, long nowNanos);

    /** The last reduction was spurious (DSACK, RFC 3708 / RFC 4015): restore the window as it was before it. */
    void undoLastReduction(long nowNanos);

    /** The sender was idle for more than an RTO (RFC 7661 / RFC 5681 4.1): restart window. */
    void onIdleRestart(long nowNanos);

    /**
     * The sender's own rules set the window: RFC 7661 4.4.1 after a loss in the non-validated
     * phase, 4.4.3 when a non-validated period runs out. A new growth stage starts from it.
     */
    void resetWindow(int cwnd, int ssthresh, long nowNanos);

    /** A short name for statistics and configuration: "newreno", "cubic". */
    String name();
}
