package io.panamax.reactor;

/** The one {@link Clock#system()}: a single instance, so that a shard can tell it reads {@link System#nanoTime()}. */
final class SystemClock {
    static final Clock INSTANCE = System::nanoTime;

    private SystemClock() {
    }
}
