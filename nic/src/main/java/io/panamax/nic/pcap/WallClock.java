package io.panamax.nic.pcap;

import java.time.Instant;

/**
 * Wall-clock time in nanoseconds since the epoch, for capture timestamps, without allocating:
 * {@link Instant#now()} makes an object per call, so the epoch offset of {@link System#nanoTime()}
 * is taken once and added. The result follows the monotonic clock; it does not follow later
 * steps of the system clock, which for a debugging capture is what one wants.
 */
public final class WallClock {
    private static final long OFFSET;

    static {
        Instant now = Instant.now();
        long mono = System.nanoTime();
        OFFSET = now.getEpochSecond() * 1_000_000_000L + now.getNano() - mono;
    }

    private WallClock() {
    }

    /** Nanoseconds since 1970-01-01T00:00Z. */
    public static long nanos() {
        return OFFSET + System.nanoTime();
    }
}
