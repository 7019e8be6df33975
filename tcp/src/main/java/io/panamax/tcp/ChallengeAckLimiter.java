package io.panamax.tcp;

/**
 * The shard-wide limit on challenge ACKs (RFC 5961 7): at most N per one-second interval, so an
 * attacker spraying RSTs or SYNs cannot turn the stack into an ACK amplifier. The budget is per
 * shard (shards share nothing), which makes the host-wide limit N × shards.
 */
final class ChallengeAckLimiter {
    private static final long INTERVAL_NANOS = 1_000_000_000L;
    private final int perSecond;
    private long intervalStart = Long.MIN_VALUE;
    private int sent;

    ChallengeAckLimiter(int perSecond) {
        this.perSecond = perSecond;
    }

    /** Whether one more challenge ACK may go out at {@code now}; counts it if so. */
    boolean tryAcquire(long now) {
        if (intervalStart == Long.MIN_VALUE || now - intervalStart >= INTERVAL_NANOS) {
            intervalStart = now;
            sent = 0;
        }
        if (sent >= perSecond) {
            return false;
        }
        sent++;
        return true;
    }
}
