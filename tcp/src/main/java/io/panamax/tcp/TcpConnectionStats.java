package io.panamax.tcp;

/**
 * One connection's counters at a moment.
 *
 * @param segmentsIn         segments received for the connection
 * @param segmentsOut        segments sent, retransmissions included
 * @param bytesIn            payload bytes accepted in order
 * @param bytesOut           payload bytes sent, retransmissions included
 * @param retransmits        segments sent again
 * @param timeouts           retransmission timer expiries
 * @param fastRetransmits    fast retransmissions (RFC 5681)
 * @param outOfOrder         segments that arrived ahead of a gap
 * @param duplicates         segments with nothing new
 * @param drops              segments dropped for any reason
 * @param srttNanos          smoothed RTT (RFC 6298), 0 before the first sample: nanoseconds, from samples
 *                           taken off the shard's clock at each data segment's send and its ACK's
 *                           arrival (exact to the clock, not TSecr's milliseconds); {@link #srttMicros}
 * @param rtoNanos           current retransmission timeout without back-off
 * @param cwnd               congestion window, bytes
 * @param ssthresh           slow-start threshold, bytes
 * @param sendWindow         the peer's window, bytes (scaled)
 * @param receiveWindow      the window this side last advertised, bytes
 * @param mss                payload bytes of a full-sized segment this side sends
 * @param rttvarNanos        RTT variation (RFC 6298), 0 before the first sample, nanoseconds
 * @param sackedBytes        bytes the peer holds above SND.UNA by SACK (RFC 2018), now
 * @param sackedTotal        bytes ever newly SACKed by the peer
 * @param lostSegments       segments the loss recovery deemed lost and sent again
 * @param reorderingSeen     times a hole filled without a retransmission (the path reorders)
 * @param idleRestarts       restarts from the restart window after idle (RFC 5681 4.1)
 * @param tailLossProbes     tail loss probes sent (RFC 8985 7)
 * @param spuriousRecoveries recovery episodes found spurious by D-SACK and undone (RFC 3708, 2883)
 * @param congestionControl  the congestion control's name ("newreno", ...)
 * @param lossRecovery       the loss recovery's name ("sack" with SACK, else "newreno")
 * @param busyNanos          time with data outstanding or waiting to be sent (Linux's tcpi_busy_time)
 * @param cwndLimitedNanos   time data waited for the congestion window
 * @param rwndLimitedNanos   time data waited for the peer's window (Linux's tcpi_rwnd_limited)
 * @param sendBufferLimitedNanos time writes waited for room in a send buffer full of unacknowledged
 *                           data (Linux's tcpi_sndbuf_limited); busy time in none of these three
 *                           was application-limited (everything written was sent)
 * @param acksProcessed      acceptable ACKs processed, duplicates included (Linux's tcp_probe fires per ACK)
 * @param cwndAtAckSum       the sum over those ACKs of the congestion window in force as each arrived,
 *                           bytes (recovery's window included); {@link #meanCwndAtAck}
 * @param acksInRecovery     those of them that arrived during a loss recovery episode
 */
public record TcpConnectionStats(
        long segmentsIn,
        long segmentsOut,
        long bytesIn,
        long bytesOut,
        long retransmits,
        long timeouts,
        long fastRetransmits,
        long outOfOrder,
        long duplicates,
        long drops,
        long srttNanos,
        long rtoNanos,
        int cwnd,
        int ssthresh,
        long sendWindow,
        long receiveWindow,
        int mss,
        long rttvarNanos,
        int sackedBytes,
        long sackedTotal,
        long lostSegments,
        long reorderingSeen,
        long idleRestarts,
        long tailLossProbes,
        long spuriousRecoveries,
        String congestionControl,
        String lossRecovery,
        long busyNanos,
        long cwndLimitedNanos,
        long rwndLimitedNanos,
        long sendBufferLimitedNanos,
        long acksProcessed,
        long cwndAtAckSum,
        long acksInRecovery) {

    /** The congestion window's mean over the ACKs processed, bytes; 0 before the first. */
    public double meanCwndAtAck() {
        return acksProcessed == 0 ? 0 : (double) cwndAtAckSum / acksProcessed;
    }

    /** SRTT in microseconds (TCP_INFO's tcpi_rtt unit), 0 before the first sample. */
    public long srttMicros() {
        return srttNanos / 1_000;
    }
}
