package io.panamax.tcp.testbed;

/** A reproducible pseudo-random byte stream (xorshift64*), fast enough for hundreds of megabytes. */
public final class StreamGenerator {
    private long state;

    public StreamGenerator(long seed) {
        this.state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
    }

    /** Fills {@code b[0..n)} with the next bytes of the stream. */
    public void next(byte[] b, int n) {
        int i = 0;
        while (i < n) {
            state ^= state >>> 12;
            state ^= state << 25;
            state ^= state >>> 27;
            long v = state * 0x2545F4914F6CDD1DL;
            for (int k = 0; k < 8 && i < n; k++, i++) {
                b[i] = (byte) (v >>> (k * 8));
            }
        }
    }
}
