package io.panamax.ip;

import io.panamax.reactor.metrics.Counter;

/**
 * A token bucket: {@code ratePerSecond} tokens a second, at most {@code burst} saved up. ICMP and
 * ICMPv6 errors are limited this way (RFC 1812 4.3.2.8, RFC 4443 2.4(f)) so that a flood of bad
 * packets does not become a flood of replies; each refusal is counted in the counter given (the
 * metric that says how many errors the limit kept back). Single-threaded: one per shard.
 */
public final class RateLimiter {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private final long nanosPerToken;
    private final long burstNanos;
    private final Counter refused;
    /** Time at which the bucket would be empty; tokens = (now - emptyAt) / nanosPerToken. */
    private long emptyAt;

    /** A full bucket at time {@code now}; {@code refused} counts what {@link #tryAcquire} turns down. */
    public RateLimiter(int ratePerSecond, int burst, long now, Counter refused) {
        if (ratePerSecond <= 0 || burst <= 0) {
            throw new IllegalArgumentException("rate and burst must be positive: " + ratePerSecond + ", " + burst);
        }
        this.nanosPerToken = NANOS_PER_SECOND / ratePerSecond;
        this.burstNanos = nanosPerToken * burst;
        this.emptyAt = now - burstNanos;
        this.refused = refused;
    }

    /** Takes a token if one is available at time {@code now}; otherwise counts the refusal. */
    public boolean tryAcquire(long now) {
        if (now - emptyAt > burstNanos) {
            emptyAt = now - burstNanos;
        }
        if (now - emptyAt >= nanosPerToken) {
            emptyAt += nanosPerToken;
            return true;
        }
        refused.increment();
        return false;
    }
}
