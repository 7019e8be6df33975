package io.panamax.tcp;

/**
 * The retransmission timeout of RFC 6298: SRTT and RTTVAR smoothed from RTT samples (2.2, 2.3),
 * RTO = SRTT + 4·RTTVAR clamped to the configured bounds (2.4, 2.5), 1 s (the configured initial
 * value) before the first sample, doubled per back-off (5.5). Nanoseconds throughout.
 */
final class RttEstimator {
    private final long minRto;
    private final long maxRto;
    private long srtt;
    private long rttvar;
    private long rto;
    private boolean sampled;

    RttEstimator(long initialRto, long minRto, long maxRto) {
        this.minRto = minRto;
        this.maxRto = maxRto;
        this.rto = initialRto;
    }

    /** Takes one RTT measurement (RFC 6298 2.2 for the first, 2.3 after). */
    void sample(long rtt) {
        if (rtt < 0) {
            return;
        }
        if (!sampled) {
            srtt = rtt;
            rttvar = rtt / 2;
            sampled = true;
        } else {
            // beta = 1/4, alpha = 1/8; RTTVAR first, with the old SRTT (RFC 6298 2.3).
            rttvar = rttvar - (rttvar >> 2) + (Math.abs(srtt - rtt) >> 2);
            srtt = srtt - (srtt >> 3) + (rtt >> 3);
        }
        rto = Math.clamp(srtt + 4 * rttvar, minRto, maxRto);
    }

    /** The current RTO, without back-off. */
    long rto() {
        return rto;
    }

    /** The RTO after {@code backoffs} doublings (RFC 6298 5.5), at most the maximum. */
    long rto(int backoffs) {
        if (backoffs >= 62 || (rto << backoffs) >>> backoffs != rto) {
            return maxRto;
        }
        return Math.min(rto << backoffs, maxRto);
    }

    long maxRto() {
        return maxRto;
    }

    boolean hasSample() {
        return sampled;
    }

    long srtt() {
        return srtt;
    }

    long rttvar() {
        return rttvar;
    }
}
