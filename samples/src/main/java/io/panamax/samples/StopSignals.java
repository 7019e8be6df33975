package io.panamax.samples;

import sun.misc.Signal;

/**
 * SIGINT and SIGTERM as a request to stop, so that a sample can close what it opened and exit with
 * status 0. Without a handler the JVM runs its shutdown hooks and exits with 128 + the signal, and
 * a caller (a script, a test) cannot tell a clean stop from a crash.
 */
final class StopSignals {
    private StopSignals() {
    }

    /** Runs {@code onStop} (on a JVM signal thread) at SIGINT or SIGTERM; where the JVM keeps a signal for itself, the default stays. */
    static void install(Runnable onStop) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), s -> onStop.run());
            } catch (IllegalArgumentException e) {
                // -Xrs, or the signal is in use by the JVM: the shutdown hook still cleans up.
            }
        }
    }
}
