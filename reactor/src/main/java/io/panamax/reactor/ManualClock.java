package io.panamax.reactor;

import java.time.Duration;

/**
 * A clock that moves only when told to: virtual time for deterministic tests (retransmission
 * back-off, TIME_WAIT, reassembly timeouts) that would otherwise take seconds of real time.
 */
public final class ManualClock implements Clock {
    private volatile long now;

    public ManualClock() {
        this(1_000_000_000L);
    }

    public ManualClock(long startNanos) {
        this.now = startNanos;
    }

    @Override
    public long nanoTime() {
        return now;
    }

    public void advance(Duration d) {
        advanceNanos(d.toNanos());
    }

    public void advanceNanos(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("time moves forward only: " + nanos);
        }
        now += nanos;
    }

    /** Moves the clock to {@code nanos} if that is later than now. */
    public void advanceTo(long nanos) {
        if (nanos > now) {
            now = nanos;
        }
    }
}
