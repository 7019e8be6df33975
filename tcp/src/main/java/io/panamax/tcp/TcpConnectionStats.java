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
 * @param srttNanos          smoothed RTT (RFC 6298), 0 before the first sample
 * @param rtoNanos           current retransmission timeout without back-off
 * @param cwnd               congestion window, bytes
 * @param ssthresh           slow-start threshold, bytes
 * @param sendWindow         the peer's window, bytes (scaled)
 * @param receiveWindow      the window this side last advertised, bytes
 * @param mss                payload bytes of a full-sized segment this side sends
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
        int mss) {
}
