package io.panamax.nic.wire;

/**
 * The rate limiter of one sending queue: a token bucket of {@code burst} bytes refilled at
 * {@code rate}, in front of a FIFO queue of bounded length. It computes when each frame may leave
 * instead of holding frames itself: the frame's slot in the receive ring carries that time.
 *
 * <p>State is the time at which the bucket would be full again, {@code fullAt}: at time {@code t}
 * it holds {@code burst - (fullAt - t) × rate} bytes of tokens. Costs are kept in exact integer
 * nanoseconds with the remainder carried, so long runs hit the rate exactly.
 */
final class TokenBucket {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long bitsPerSecond;
    private final int burstBytes;
    private final long queueLimitNanos;
    private long fullAt = Long.MIN_VALUE;
    private long lastDeparture = Long.MIN_VALUE;
    private long carry;

    TokenBucket(long bitsPerSecond, int burstBytes, int queueBytes) {
        this.bitsPerSecond = bitsPerSecond;
        this.burstBytes = burstBytes;
        this.queueLimitNanos = nanosFor(queueBytes);
    }

    private long nanosFor(long bytes) {
        return bytes * 8 * NANOS_PER_SECOND / bitsPerSecond;
    }

    /**
     * When a frame of {@code length} bytes offered at {@code now} leaves, or -1 if it would wait
     * longer than the queue allows (the caller drops it; the bucket is unchanged).
     */
    long departure(long now, int length) {
        long numerator = (long) length * 8 * NANOS_PER_SECOND + carry;
        long cost = numerator / bitsPerSecond;
        // Tokens for a frame exist once the deficit fits in the rest of the bucket; a frame larger
        // than the bucket waits for a full one.
        long slack = nanosFor(Math.max(0, burstBytes - length));
        long leave = Math.max(now, fullAt == Long.MIN_VALUE ? now : fullAt - slack);
        if (lastDeparture > leave) {
            leave = lastDeparture;
        }
        if (leave - now > queueLimitNanos) {
            return -1;
        }
        carry = numerator % bitsPerSecond;
        fullAt = Math.max(fullAt, leave) + cost;
        lastDeparture = leave;
        return leave;
    }
}
