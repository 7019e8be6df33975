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
 * clock once every 8 idle iterations for that.
 *
 * <p>A watching shard whose empty polls are system calls (TAP) polls by time too, but only as long
 * as the idle gaps it has seen say a poll pays: up to {@code idlePollNanos} (100 µs), adapted by the
 * rule of Linux's guest halt-polling governor and KVM's {@code halt_poll_ns} ({@code IdlePollWindow}:
 * a gap the poll missed but a poll within the limit would have caught doubles the window, from
 * 10 µs; a gap beyond the limit halves it). The reason is the wake-up: on this VM a CPU with
 * nothing to run halts at once (the kernel command line sets {@code haltpoll.guest_halt_poll_ns=0},
 * so the guest itself never polls), and a shard asleep in {@code ppoll} answers a ping 62 µs after
 * it was sent where the kernel answers in 7 µs. With 8 iterations alone the echo sample slept 1.9
 * times per UDP round trip (20,000 one-at-a-time 64-byte round trips from a C client on the other
 * CPU) and its p50 was 0.93-0.95x the kernel's over veth, the goal being 0.5x. The limit, from
 * alternated runs of 50, 100 and 200 µs against 8 iterations alone (loaded machine, load 7-11: the
 * mechanism's figures, not the latencies, are what the load leaves comparable), three rounds:
 * sleeps per UDP round trip 1.94/1.92/1.88 alone, 0.16/0.24/0.35 with 50 µs, 0.08/0.18/0.14 with
 * 100 µs, 0.16/0.10/0.14 with 200 µs; the shard's CPU per round trip 38.5/32.6/35.2 µs alone,
 * 28.2/24.6/28.2, 21.2/28.4/28.8 and 30.5/30.0/29.7 µs polling (a short poll costs less than a
 * sleep and its wake-up); UDP p50 41.4/37.3/42.2 µs alone, 18.7/22.5/23.2 µs with 100 µs (the
 * kernel over veth 12.3-13.0 µs at that load). 100 µs slept least in two rounds of three; 200 µs
 * bought nothing more. HTTP echo, {@code wrk -c1}: 1.8-2.0 sleeps per request alone, 0.11-0.28
 * polling, server CPU 38-52 µs per request alone, 29-41 µs with 100 µs; {@code wrk -c32}: 0.02-0.09
 * sleeps per request either way. At rest the window halves at each timer wake until it is 0: an
 * idle echo sample's shard used 0.38-0.39 % of a CPU alone, 0.39-0.74 % with 100 µs (5 s each,
 * under that load). Each polling iteration yields the CPU ({@code sched_yield}), so that a client
 * sharing the shard's CPU is not kept waiting by the poll (the figures are at the yield in
 * {@code Shard}).
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
    /** Default {@link #idlePollNanos()}: 100 µs (see the class comment for the figures). */
    public static final long DEFAULT_IDLE_POLL_NANOS = 100_000L;
    /**
     * The first adaptive poll after a gap the poll missed: 10 µs, a few times the ~5 µs a
     * request/response client on the other CPU takes to answer a busy-polling shard (UDP round trip
     * p50 7.6 µs, of which the shard's part is a read, an echo and a write). Linux's haltpoll starts at
     * 50 µs, the price of a guest's VM exit; a poll here costs a read(2) per iteration, so it starts lower.
     */
    static final long IDLE_POLL_GROW_START_NANOS = 10_000L;

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
