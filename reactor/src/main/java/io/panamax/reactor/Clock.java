package io.panamax.reactor;

/** The time source of a reactor: monotonic nanoseconds. Tests use {@link ManualClock} for virtual time. */
@FunctionalInterface
public interface Clock {
    long nanoTime();

    /** {@link System#nanoTime()}. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
