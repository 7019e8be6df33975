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
 * <p>Where every poller of a watching shard polls an empty device without a system call
 * ({@link Poller#emptyPollIsCheap()}: DPDK net_af_xdp, whose empty receive reads a ring in shared
 * memory), 8 iterations are over in well under a microsecond, so the shard would sleep and be
 * woken for nearly every frame of a request/response exchange; measured on the echo sample over
 * af_xdp, one connection: 0.93 descriptor sleeps per transaction (0.007 with the spin below,
 * and 1.5x the transactions per second). Such a shard also spins for at
 * least {@code waitSpinNanos} (50 µs by default: longer than the ~25 µs round trip of a 64-byte
 * exchange with a kernel client on this machine, so the next request is caught while spinning;
 * short enough that an idle shard costs nothing measurable: a spin follows only an iteration that
 * did work, at rest 82-86 a second, 2.5-3.0 % of a CPU against 2.8 % without). It reads the
 * clock once every 8 idle iterations for that. TAP keeps the
 * count alone: its spin is paid in {@code read(2)} calls.
 *
 * @param spinIterations     idle iterations spent busy-polling before a blind waiter sleeps
 * @param maxParkNanos       the longest a blindly sleeping shard waits before it polls again (it
 *                           wakes earlier for a message or a due timer); 0 means never sleep
 *                           (pure busy-poll, whatever the waiter)
 * @param waitSpinIterations idle iterations spent busy-polling before a waiter that watches the
 *                           devices waits
 * @param maxWaitNanos       the longest such a wait lasts when every poller wakes the shard itself
 * @param waitSpinNanos      the least time spent busy-polling before such a wait when every poller's
 *                           empty poll is cheap (no system call); 0: the iteration count alone
 * @param idlePollNanos      the longest a shard whose empty polls are system calls (TAP) polls by
 *                           time before such a wait, adapted to the idle gaps it sees
 *                           ({@code IdlePollWindow}); 0: the iteration count alone
 */
public record IdlePolicy(int spinIterations, long maxParkNanos, int waitSpinIterations, long maxWaitNanos, long waitSpinNanos,
                         long idlePollNanos) {
    /** Default {@link #waitSpinIterations()}. */
    public static final int DEFAULT_WAIT_SPIN = 8;
    /** Default {@link #maxWaitNanos()}: 10 ms. */
    public static final long DEFAULT_MAX_WAIT_NANOS = 10_000_000L;
    /** Default {@link #waitSpinNanos()}: 50 µs. */
    public static final long DEFAULT_WAIT_SPIN_NANOS = 50_000L;
    /** Default {@link #idlePollNanos()}: see the class comment for the figures. */
    public static final long DEFAULT_IDLE_POLL_NANOS = Long.getLong("panamax.idlePollNanos", 100_000L);
    /** The first adaptive poll window after a miss: see the class comment. */
    static final long IDLE_POLL_GROW_START_NANOS = Long.getLong("panamax.idlePollGrowStartNanos", 10_000L);

    public IdlePolicy {
        if (spinIterations < 0 || maxParkNanos < 0 || waitSpinIterations < 0 || maxWaitNanos < 0 || waitSpinNanos < 0
                || idlePollNanos < 0) {
            throw new IllegalArgumentException("negative idle policy: " + spinIterations + ", " + maxParkNanos
                    + ", " + waitSpinIterations + ", " + maxWaitNanos + ", " + waitSpinNanos + ", " + idlePollNanos);
        }
    }

    /** The five settings, with {@link #idlePollNanos()} at its default. */
    public IdlePolicy(int spinIterations, long maxParkNanos, int waitSpinIterations, long maxWaitNanos, long waitSpinNanos) {
        this(spinIterations, maxParkNanos, waitSpinIterations, maxWaitNanos, waitSpinNanos, DEFAULT_IDLE_POLL_NANOS);
    }

    /** The four settings, with {@link #waitSpinNanos()} at its default. */
    public IdlePolicy(int spinIterations, long maxParkNanos, int waitSpinIterations, long maxWaitNanos) {
        this(spinIterations, maxParkNanos, waitSpinIterations, maxWaitNanos, DEFAULT_WAIT_SPIN_NANOS);
    }

    /** Spin, then sleep at most {@code maxParkNanos}; the descriptor-wait settings at their defaults. */
    public IdlePolicy(int spinIterations, long maxParkNanos) {
        this(spinIterations, maxParkNanos, DEFAULT_WAIT_SPIN, Math.max(maxParkNanos, DEFAULT_MAX_WAIT_NANOS));
    }

    /** Poll forever without sleeping: lowest latency, one full core per shard. */
    public static IdlePolicy busyPoll() {
        return new IdlePolicy(0, 0, 0, 0, 0, 0);
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
        return new IdlePolicy(spinIterations, maxParkNanos, waitSpinIterations, maxWait.toNanos(), waitSpinNanos, idlePollNanos);
    }

    /**
     * This policy with another {@link #waitSpinNanos()}: the least spin before a device wait when
     * every poller's empty poll is cheap ({@link Duration#ZERO}: count iterations only, as on TAP).
     */
    public IdlePolicy withCheapPollSpin(Duration spin) {
        return new IdlePolicy(spinIterations, maxParkNanos, waitSpinIterations, maxWaitNanos, spin.toNanos(), idlePollNanos);
    }

    /**
     * This policy with another {@link #idlePollNanos()}: the longest adaptive poll before a device
     * wait whose empty polls are system calls ({@link Duration#ZERO}: the iteration count alone).
     */
    public IdlePolicy withIdlePoll(Duration max) {
        return new IdlePolicy(spinIterations, maxParkNanos, waitSpinIterations, maxWaitNanos, waitSpinNanos, max.toNanos());
    }

    public boolean parks() {
        return maxParkNanos > 0;
    }
}
