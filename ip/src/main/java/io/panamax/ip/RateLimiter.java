package io.panamax.ip;

/**
 * A token bucket: {@code ratePerSecond} tokens a second, at most {@code burst} saved up. ICMP
 * errors are limited this way (RFC 1812 4.3.2.8, RFC 4443 2.4(f)) so that a flood of bad packets
 * does not become a flood of replies. Single-threaded: one per shard.
 */
public final class RateLimiter {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private final long nanosPerToken;
    private final long burstNanos;
    /** Time at which the bucket would be empty; tokens = (now - emptyAt) / nanosPerToken. */
    private long emptyAt;

    public RateLimiter(int ratePerSecond, int burst, long now) {
        if (ratePerSecond <= 0 || burst <= 0) {
            throw new IllegalArgumentException("rate and burst must be positive: " + ratePerSecond + ", " + burst);
        }
        this.nanosPerToken = NANOS_PER_SECOND / ratePerSecond;
        this.burstNanos = nanosPerToken * burst;
        this.emptyAt = now - burstNanos;
    }

    /** Takes a token if one is available at time {@code now}. */
    public boolean tryAcquire(long now) {
        if (now - emptyAt > burstNanos) {
            emptyAt = now - burstNanos;
        }
        if (now - emptyAt >= nanosPerToken) {
            emptyAt += nanosPerToken;
            return true;
        }
        return false;
    }
}
