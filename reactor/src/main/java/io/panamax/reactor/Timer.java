package io.panamax.reactor;

/**
 * A cancellable, re-armable timer on one shard's {@link TimerWheel}. Protocols keep one per purpose
 * (a connection's retransmission timer, say) and re-arm it, so arming allocates nothing.
 */
public final class Timer {
    final TimerWheel wheel;
    final Runnable action;
    long deadline;
    long expiryTick;
    /** When it was armed, relative to other timers of the wheel: the tie-break for equal deadlines. */
    long seq;
    Timer prev;
    Timer next;
    static final int IDLE = -1;
    static final int FIRING = -2;
    /** Index into the wheel's buckets; {@link #IDLE} when not armed, {@link #FIRING} when due now. */
    int bucket = IDLE;

    Timer(TimerWheel wheel, Runnable action) {
        this.wheel = wheel;
        this.action = action;
    }

    /**
     * Arms (or re-arms) the timer to fire {@code delayNanos} from now; a negative delay means now,
     * and a delay too long to represent ({@link Long#MAX_VALUE}) means as late as the clock goes.
     */
    public void arm(long delayNanos) {
        long now = wheel.now();
        long delay = Math.max(0, delayNanos);
        armAt(delay > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + delay);
    }

    /** Arms (or re-arms) the timer to fire at the reactor clock's {@code deadlineNanos}. */
    public void armAt(long deadlineNanos) {
        wheel.arm(this, deadlineNanos);
    }

    /** Disarms the timer; returns whether it was armed. */
    public boolean cancel() {
        return wheel.cancel(this);
    }

    public boolean isArmed() {
        return bucket != IDLE;
    }

    /** The deadline of an armed timer, in the reactor clock's nanoseconds. */
    public long deadline() {
        return deadline;
    }
}
