package io.panamax.nic.wire;

/**
 * Steele, Lea and Flood's SplitMix64 generator. The wire implements it itself rather than use
 * {@code SplittableRandom} so that a seed means the same impairment decisions on every JDK: the
 * JDK documents its generators' properties, not their exact output.
 */
final class SplitMix64 {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private long state;

    SplitMix64(long seed) {
        this.state = seed;
    }

    /** The generator for stream {@code stream} of seed {@code seed}: independent streams per queue. */
    static SplitMix64 forStream(long seed, long stream) {
        return new SplitMix64(mix(seed ^ mix(stream * GOLDEN_GAMMA + 1)));
    }

    long nextLong() {
        state += GOLDEN_GAMMA;
        return mix(state);
    }

    /** Uniform in [0, 1). */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, bound) for {@code bound > 0} (multiply-shift: the bias is below bound / 2^64). */
    long nextLong(long bound) {
        return Math.unsignedMultiplyHigh(nextLong(), bound);
    }

    /** Output {@code i} (from 0) of a generator seeded with {@code seed}, without making one. */
    static long output(long seed, long i) {
        return mix(seed + (i + 1) * GOLDEN_GAMMA);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
