package io.panamax.rss;

import java.util.HexFormat;

/**
 * RSS secret keys: the standard Microsoft key that most NICs and drivers ship as their default,
 * the symmetric key, and conversion to and from hexadecimal text.
 *
 * <p>Every method returns a fresh array: a key is configuration, copied into each
 * {@link Toeplitz} that uses it, so no caller can change another's key.
 */
public final class RssKey {
    /** Length of the keys of Microsoft's RSS specification and of most NICs (ixgbe, mlx5, virtio). */
    public static final int STANDARD_LENGTH = 40;

    /**
     * The 16-bit pattern whose repetition makes Toeplitz symmetric: the key then repeats every 16
     * bits, and swapping source and destination moves every input bit by a multiple of 16 (32 for
     * the addresses, 16 for the ports), onto an identical key window.
     */
    public static final int SYMMETRIC_PATTERN = 0x6d5a;

    /** Microsoft's verification key; the default of Windows, of DPDK's testpmd and of the 82599. */
    private static final String MICROSOFT_HEX =
            "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa";

    private RssKey() {
    }

    /** The 40-byte key of Microsoft's "Verifying the RSS Hash Calculation" tables. */
    public static byte[] microsoft() {
        return HexFormat.of().parseHex(MICROSOFT_HEX);
    }

    /**
     * A key of {@code length} bytes repeating {@code 0x6d5a}, for which
     * {@code hash(src, dst, sport, dport) == hash(dst, src, dport, sport)}: both directions of a
     * connection land on the same queue (Woo and Park, "Scalable TCP Session Monitoring with
     * Symmetric Receive-side Scaling"). Its price is weaker spreading: with a key that repeats
     * every 16 bits, the hash depends only on the XOR of the input's 16-bit words (for the IPv4
     * 4-tuple: the address halves and the two ports), so it takes at most 65536 values and flows
     * whose words XOR to the same value collide. That is plenty for a 128- or 512-entry table.
     */
    public static byte[] symmetric(int length) {
        if (length < Toeplitz.MIN_KEY_BYTES || length > Toeplitz.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("an RSS key has " + Toeplitz.MIN_KEY_BYTES + " to "
                    + Toeplitz.MAX_KEY_BYTES + " bytes, asked for " + length);
        }
        byte[] key = new byte[length];
        for (int i = 0; i < length; i++) {
            key[i] = (byte) (i % 2 == 0 ? SYMMETRIC_PATTERN >>> 8 : SYMMETRIC_PATTERN);
        }
        return key;
    }

    /**
     * Parses a key written as hexadecimal digits, optionally prefixed with {@code 0x} and optionally
     * separated by colons as {@code ethtool -x} prints it ({@code 6d:5a:56:...}).
     *
     * @throws IllegalArgumentException naming what is wrong with the text
     */
    public static byte[] parseHex(String text) {
        String digits = text.trim();
        if (digits.startsWith("0x") || digits.startsWith("0X")) {
            digits = digits.substring(2);
        }
        digits = digits.replace(":", "");
        if (digits.isEmpty()) {
            throw new IllegalArgumentException("empty RSS key");
        }
        if (digits.length() % 2 != 0) {
            throw new IllegalArgumentException("an RSS key needs an even number of hex digits, got "
                    + digits.length() + " in '" + text + "'");
        }
        for (int i = 0; i < digits.length(); i++) {
            if (Character.digit(digits.charAt(i), 16) < 0) {
                throw new IllegalArgumentException("'" + digits.charAt(i) + "' is not a hex digit in RSS key '" + text + "'");
            }
        }
        return HexFormat.of().parseHex(digits);
    }

    /** Lower-case hexadecimal digits without separators: the inverse of {@link #parseHex}. */
    public static String toHex(byte[] key) {
        return HexFormat.of().formatHex(key);
    }
}
