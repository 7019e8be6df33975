package io.panamax.reactor;

/**
 * How long a shard whose device wait costs a wake-up polls before it waits, adapted to the idle
 * gaps it observes: the time from going idle to the next work. One per shard, used on its thread.
 *
 * <p>The rule is Linux's for the same trade, the guest halt-poll governor
 * ({@code drivers/cpuidle/governors/haltpoll.c}, {@code adjust_poll_limit}) and KVM's
 * {@code halt_poll_ns}: a gap longer than the window but within {@code maxNanos} is a wake-up a
 * longer poll would have saved, so the window grows (doubles, starting at {@code growStartNanos});
 * a gap longer than {@code maxNanos} is one no poll within the limit saves, so the poll was wasted
 * and the window halves; a gap the window covered changes nothing. A request/response peer that
 * answers within the limit keeps the shard polling between its requests; an idle stack (timers
 * every few milliseconds at most) halves its window on each wake until it polls not at all.
 *
 * <p>Why poll at all: on this VM a sleeping CPU halts (the guest's own halt polling is off:
 * {@code haltpoll.guest_halt_poll_ns=0} on the kernel command line), and waking a shard asleep in
 * {@code ppoll} costs ~40 µs (ping at rest to the stack over TAP 62 µs, to the kernel 7 µs).
 * Pure state, no clock: the shard measures the gaps and hands them over.
 */
final class IdlePollWindow {
    private final long maxNanos;
    private final long growStartNanos;
    private long windowNanos;

    /**
     * @param maxNanos       the longest poll (0: never poll by time)
     * @param growStartNanos the first window after a miss when the window is below it
     */
    IdlePollWindow(long maxNanos, long growStartNanos) {
        if (maxNanos < 0 || growStartNanos < 0) {
            throw new IllegalArgumentException("negative idle poll window: " + maxNanos + ", " + growStartNanos);
        }
        this.maxNanos = maxNanos;
        this.growStartNanos = Math.min(growStartNanos, maxNanos);
    }

    /** How long the next idle stretch polls before it waits. */
    long nanos() {
        return windowNanos;
    }

    /** An idle stretch ended after {@code gapNanos} (work found while polling, or after a wait). */
    void observe(long gapNanos) {
        if (gapNanos <= windowNanos) {
            return;
        }
        if (gapNanos <= maxNanos) {
            windowNanos = Math.min(maxNanos, Math.max(growStartNanos, windowNanos * 2));
        } else {
            windowNanos >>= 1;
        }
    }
}
