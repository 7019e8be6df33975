package io.panamax.reactor;

import java.time.Duration;

/**
 * What a shard does when an iteration of its poll loop found no work.
 *
 * <p>Two cases, after the shard's {@link IdleWaiter}. A <b>blind</b> waiter (the default parking
 * one, and every shard whose devices have no file descriptor: DPDK, the in-memory wire) cannot
 * learn that a frame arrived, so the shard spins {@code spinIterations} empty iterations (2,000 by
 * default: an arrival within them costs no wake-up) and then sleeps at most {@code maxParkNanos}
 * (100 µs) before it polls again. A waiter that <b>watches the devices</b> (TAP: {@code ppoll} on
 * the queue descriptors and an eventfd) is woken by the arrival itself, so the shard spins only
 * {@code waitSpinIterations} (8 by default) and then waits. On TAP every empty iteration is a
 * {@code read(2)} per queue, about 1 to 3 µs here: 8 iterations catch the frame that follows at
 * once (the peer's ACK, the next pipelined request) without paying for a sleep and a wake-up,
 * while the 2,000 of the blind case made about 27 empty reads per HTTP request under load. It
 * then waits up to {@code maxWaitNanos} (10 ms) if every poller of the shard wakes it by itself
 * ({@link Poller#wakesIdleShard()}), otherwise up to {@code maxParkNanos} as before; a due timer
 * always shortens the wait.
 *
 * @param spinIterations     idle iterations spent busy-polling before a blind waiter sleeps
 * @param maxParkNanos       the longest a blindly sleeping shard waits before it polls again (it
 *                           wakes earlier for a message or a due timer); 0 means never sleep
 *                           (pure busy-poll, whatever the waiter)
 * @param waitSpinIterations idle iterations spent busy-polling before a waiter that watches the
 *                           devices waits
 * @param maxWaitNanos       the longest such a wait lasts when every poller wakes the shard itself
 */
public record IdlePolicy(int spinIterations, long maxParkNanos, int waitSpinIterations, long maxWaitNanos) {
    /** Default {@link #waitSpinIterations()}. */
    public static final int DEFAULT_WAIT_SPIN = 8;
    /** Default {@link #maxWaitNanos()}: 10 ms. */
    public static final long DEFAULT_MAX_WAIT_NANOS = 10_000_000L;

    public IdlePolicy {
        if (spinIterations < 0 || maxParkNanos < 0 || waitSpinIterations < 0 || maxWaitNanos < 0) {
            throw new IllegalArgumentException("negative idle policy: " + spinIterations + ", " + maxParkNanos
                    + ", " + waitSpinIterations + ", " + maxWaitNanos);
        }
    }

    /** Spin, then sleep at most {@code maxParkNanos}; the descriptor-wait settings at their defaults. */
    public IdlePolicy(int spinIterations, long maxParkNanos) {
        this(spinIterations, maxParkNanos, DEFAULT_WAIT_SPIN, Math.max(maxParkNanos, DEFAULT_MAX_WAIT_NANOS));
    }

    /** Poll forever without sleeping: lowest latency, one full core per shard. */
    public static IdlePolicy busyPoll() {
        return new IdlePolicy(0, 0, 0, 0);
    }

    /** Spin for {@code spinIterations} empty iterations, then sleep up to {@code maxPark}. */
    public static IdlePolicy spinThenPark(int spinIterations, Duration maxPark) {
        return new IdlePolicy(spinIterations, maxPark.toNanos());
    }

    /** The default: spin briefly, then park for at most 100 µs (see the class comment for descriptor waits). */
    public static IdlePolicy defaults() {
        return spinThenPark(2_000, Duration.ofNanos(100_000));
    }

    /** This policy with other settings for a waiter that watches the devices. */
    public IdlePolicy withDeviceWait(int waitSpinIterations, Duration maxWait) {
        return new IdlePolicy(spinIterations, maxParkNanos, waitSpinIterations, maxWait.toNanos());
    }

    public boolean parks() {
        return maxParkNanos > 0;
    }
}
