package io.panamax.tcp.wire;

/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 3.4, RFC 1982): sequence numbers are plain
 * {@code int}s compared by the sign of their difference, so a comparison is meaningful for
 * numbers less than 2^31 apart, which the window limits guarantee.
 */
public final class SeqNum {
    private SeqNum() {
    }

    /** {@code a < b} in sequence space. */
    public static boolean lt(int a, int b) {
        return a - b < 0;
    }

    /** {@code a <= b} in sequence space. */
    public static boolean le(int a, int b) {
        return a - b <= 0;
    }

    /** {@code a > b} in sequence space. */
    public static boolean gt(int a, int b) {
        return a - b > 0;
    }

    /** {@code a >= b} in sequence space. */
    public static boolean ge(int a, int b) {
        return a - b >= 0;
    }

    /** {@code lo <= x < hi} in sequence space (an empty range when {@code lo == hi}). */
    public static boolean inRange(int lo, int x, int hi) {
        return x - lo >= 0 && x - hi < 0;
    }

    /** {@code lo <= x <= hi} in sequence space. */
    public static boolean inClosedRange(int lo, int x, int hi) {
        return x - lo >= 0 && x - hi <= 0;
    }

    /** The later of two sequence numbers. */
    public static int max(int a, int b) {
        return a - b >= 0 ? a : b;
    }

    /** The earlier of two sequence numbers. */
    public static int min(int a, int b) {
        return a - b <= 0 ? a : b;
    }

    /** The unsigned text of a sequence number, for logs and test messages. */
    public static String toString(int seq) {
        return Integer.toUnsignedString(seq);
    }
}
