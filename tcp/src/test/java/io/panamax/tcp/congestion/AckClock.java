package io.panamax.tcp.congestion;

/**
 * A simulated ACK clock for a {@link CongestionControl}: a sender that always has data (cwnd
 * limited) sends a window per round trip, and each segment's ACK comes back, one SMSS each,
 * spread evenly over the next RTT; the first ACK of a round is the round's end for HyStart++.
 * Virtual time in nanoseconds.
 */
final class AckClock {
    final CongestionControl cc;
    final int smss;
    long now = 1_000_000_000L;
    long rttNanos;

    AckClock(CongestionControl cc, int smss, int initialWindowSegments, long rttNanos) {
        this.cc = cc;
        this.smss = smss;
        this.rttNanos = rttNanos;
        cc.init(smss, initialWindowSegments, now);
    }

    /** One round trip: a window's worth of ACKs, each with this RTT as its sample. */
    void round() {
        int segments = Math.max(1, cc.cwnd() / smss);
        long gap = rttNanos / segments;
        for (int i = 0; i < segments; i++) {
            now += gap;
            cc.onAck(smss, (segments - i - 1) * smss, rttNanos, true, i == 0, now);
        }
    }

    /** Rounds until {@code seconds} of virtual time have passed. */
    void runFor(double seconds) {
        long end = now + (long) (seconds * 1e9);
        while (now < end) {
            round();
        }
    }

    /** ACKs one segment at a time (in slow start: +1 SMSS each) until cwnd reaches {@code segments}. */
    void growTo(int segments) {
        int i = 0;
        while (cc.cwnd() < segments * smss) {
            now += rttNanos / 10;
            cc.onAck(smss, cc.cwnd(), rttNanos, true, i++ % 10 == 0, now);
        }
    }

    /** A congestion event with a full window in flight. */
    void loss() {
        cc.onCongestionEvent(cc.cwnd(), now);
    }

    double cwndSegments() {
        return (double) cc.cwnd() / smss;
    }
}
