package io.panamax.rss;

import java.util.Objects;

/**
 * The Toeplitz hash one input bit at a time, exactly as Microsoft's RSS specification writes it:
 * for each input bit from the left, if it is set XOR in the leftmost 32 bits of the key, then
 * shift the key left by one bit. DPDK's {@code rte_softrss} works the same way.
 *
 * <p>This is the slow reference: tests check {@link Toeplitz} against it on random keys and
 * inputs, and the benchmarks report {@link Toeplitz} as a ratio to it. It allocates nothing.
 */
public final class BitwiseToeplitz {
    private BitwiseToeplitz() {
    }

    /**
     * The hash of {@code length} bytes of {@code input} from {@code offset} under {@code key}.
     *
     * @throws IllegalArgumentException when {@code key} is shorter than {@code length + 4} bytes
     */
    public static int hash(byte[] key, byte[] input, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, input.length);
        if (key.length < length + Toeplitz.WINDOW_BYTES) {
            throw new IllegalArgumentException("a " + key.length + "-byte RSS key hashes at most "
                    + (key.length - Toeplitz.WINDOW_BYTES) + " input bytes, got " + length);
        }
        // The leftmost 32 bits of the key as shifted so far.
        int window = (key[0] & 0xff) << 24 | (key[1] & 0xff) << 16 | (key[2] & 0xff) << 8 | (key[3] & 0xff);
        int result = 0;
        for (int i = 0; i < length; i++) {
            int in = input[offset + i] & 0xff;
            int next = key[i + Toeplitz.WINDOW_BYTES] & 0xff;
            for (int bit = 7; bit >= 0; bit--) {
                if ((in >>> bit & 1) != 0) {
                    result ^= window;
                }
                window = window << 1 | (next >>> bit & 1);
            }
        }
        return result;
    }

    /** The hash of all of {@code input} under {@code key}. */
    public static int hash(byte[] key, byte[] input) {
        return hash(key, input, 0, input.length);
    }
}
