package io.panamax.tcp.recovery;

/**
 * The least of the samples of the last {@code window} nanoseconds, in constant space and time:
 * Kathleen Nichols' windowed filter as Linux's win_minmax uses it for min_RTT. It keeps the
 * best sample and the best ones of the later quarter and half of the window, each with its
 * time, so that when the best one ages out the next best of the window takes its place at once
 * rather than the minimum restarting from the newest sample. RACK's min_RTT (RFC 8985 6.1) is a
 * path property that can change (a route change, a queue that never drains): a minimum over the
 * whole connection would never rise again, and a reordering window of min_RTT / 4 would stay
 * too small for the new path.
 */
final class WindowedMin {
    private final long window;
    private long v0 = Long.MAX_VALUE;
    private long v1 = Long.MAX_VALUE;
    private long v2 = Long.MAX_VALUE;
    private long t0;
    private long t1;
    private long t2;

    WindowedMin(long windowNanos) {
        this.window = windowNanos;
    }

    /** The least sample of the window, {@link Long#MAX_VALUE} before the first. */
    long get() {
        return v0;
    }

    /** Takes {@code sample} measured at {@code now}; returns the windowed minimum. */
    long update(long now, long sample) {
        if (v0 == Long.MAX_VALUE || sample <= v0 || now - t2 > window) {
            // A new minimum, or nothing in the window is left: start over from this sample.
            v0 = v1 = v2 = sample;
            t0 = t1 = t2 = now;
            return v0;
        }
        if (sample <= v1) {
            v1 = v2 = sample;
            t1 = t2 = now;
        } else if (sample <= v2) {
            v2 = sample;
            t2 = now;
        }
        long age = now - t0;
        if (age > window) {
            // The best sample aged out: the second and third best move up.
            v0 = v1;
            t0 = t1;
            v1 = v2;
            t1 = t2;
            v2 = sample;
            t2 = now;
            if (now - t0 > window) {
                v0 = v1;
                t0 = t1;
                v1 = v2;
                t1 = t2;
            }
        } else if (t1 == t0 && age > window / 4) {
            // A quarter of the window without a second-best sample: this one is.
            v1 = v2 = sample;
            t1 = t2 = now;
        } else if (t2 == t1 && age > window / 2) {
            v2 = sample;
            t2 = now;
        }
        return v0;
    }
}
