package io.panamax.reactor;

import java.time.Duration;

/**
 * What a shard does when an iteration of its poll loop found no work.
 *
 * @param spinIterations idle iterations spent busy-polling before parking
 * @param maxParkNanos   the longest a parked shard sleeps before it polls again (it wakes earlier
 *                       for a message or a due timer); 0 means never park (pure busy-poll)
 */
public record IdlePolicy(int spinIterations, long maxParkNanos) {

    public IdlePolicy {
        if (spinIterations < 0 || maxParkNanos < 0) {
            throw new IllegalArgumentException("negative idle policy: " + spinIterations + ", " + maxParkNanos);
        }
    }

    /** Poll forever without sleeping: lowest latency, one full core per shard. */
    public static IdlePolicy busyPoll() {
        return new IdlePolicy(0, 0);
    }

    /** Spin for {@code spinIterations} empty iterations, then sleep up to {@code maxPark}. */
    public static IdlePolicy spinThenPark(int spinIterations, Duration maxPark) {
        return new IdlePolicy(spinIterations, maxPark.toNanos());
    }

    /** The default: spin briefly, then park for at most 100 µs. */
    public static IdlePolicy defaults() {
        return spinThenPark(2_000, Duration.ofNanos(100_000));
    }

    public boolean parks() {
        return maxParkNanos > 0;
    }
}
