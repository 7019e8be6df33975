package io.panamax.rss;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The Toeplitz hash of receive-side scaling, as NICs compute it, for one key.
 *
 * <p>Input bit {@code i} (bit 7 of byte 0 first, network byte order) contributes, when set, the
 * 32 key bits starting at key bit {@code i}; the hash is the XOR of the contributions. The hash is
 * therefore linear over GF(2): the contribution of input byte {@code p} depends only on {@code p}
 * and the byte's value, and this class precomputes it for every position the key covers and
 * every byte value (a table of {@code 256} ints per position). A hash is then one table load
 * and one XOR per input byte: twelve for the IPv4 4-tuple, allocating nothing.
 *
 * <p>A key of {@code k} bytes hashes at most {@code k - 4} input bytes, because the last input
 * bit needs the 32 key bits that follow it. The standard 40-byte key covers the 36-byte IPv6
 * 4-tuple; every key this class accepts covers the 12-byte IPv4 4-tuple, so the IPv4 fast paths
 * never fail.
 *
 * <p>Instances are immutable. The stack builds one per shard (its table then lives in memory the
 * shard's own core touched first), from the same key as the NIC, or from the stack's own key
 * when it steers in software.
 */
public final class Toeplitz {
    /** The shortest key accepted: the IPv4 4-tuple (12 bytes) plus the 4 bytes of the last window. */
    public static final int MIN_KEY_BYTES = 16;
    /** The longest key accepted; NICs use 40 (ixgbe, mlx5) or 52 (i40e, ice) bytes. */
    public static final int MAX_KEY_BYTES = 128;
    /** Key bytes beyond the input: the 32-bit window of the last input bit. */
    public static final int WINDOW_BYTES = 4;

    /** Bytes of the IPv4 2-tuple: source address, destination address. */
    public static final int IPV4_INPUT_BYTES = 8;
    /** Bytes of the IPv4 4-tuple: addresses, source port, destination port. */
    public static final int IPV4_L4_INPUT_BYTES = 12;
    /** Bytes of the IPv6 2-tuple. */
    public static final int IPV6_INPUT_BYTES = 32;
    /** Bytes of the IPv6 4-tuple. */
    public static final int IPV6_L4_INPUT_BYTES = 36;

    private static final int BYTE_VALUES = 256;
    // Offsets into the table of the byte positions of the IPv4 4-tuple.
    private static final int SRC_IP = 0;
    private static final int DST_IP = 4 * BYTE_VALUES;
    private static final int SRC_PORT = 8 * BYTE_VALUES;
    private static final int DST_PORT = 10 * BYTE_VALUES;

    private final byte[] key;
    private final int maxInputBytes;
    /** {@code contributions[p * 256 + v]}: what byte value {@code v} at input position {@code p} adds. */
    private final int[] contributions;

    private Toeplitz(byte[] key) {
        this.key = key;
        this.maxInputBytes = key.length - WINDOW_BYTES;
        this.contributions = buildTable(key, maxInputBytes);
    }

    /**
     * A hash over {@code key} (copied).
     *
     * @throws IllegalArgumentException when the key is shorter than {@value #MIN_KEY_BYTES} or
     *                                  longer than {@value #MAX_KEY_BYTES} bytes
     */
    public static Toeplitz of(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("an RSS key has " + MIN_KEY_BYTES + " to " + MAX_KEY_BYTES
                    + " bytes (input length + " + WINDOW_BYTES + "; 40 is standard), got " + key.length);
        }
        return new Toeplitz(key.clone());
    }

    /** A hash over Microsoft's standard 40-byte key ({@link RssKey#microsoft()}). */
    public static Toeplitz microsoft() {
        return new Toeplitz(RssKey.microsoft());
    }

    /** A hash over the 40-byte symmetric key ({@link RssKey#symmetric(int)}). */
    public static Toeplitz symmetric() {
        return new Toeplitz(RssKey.symmetric(RssKey.STANDARD_LENGTH));
    }

    private static int[] buildTable(byte[] key, int positions) {
        int[] table = new int[positions * BYTE_VALUES];
        int[] bitWindows = new int[Byte.SIZE];
        for (int p = 0; p < positions; p++) {
            // Key bits 8p .. 8p+39 cover the windows of the eight bits of input byte p.
            long keyBits = 0;
            for (int b = 0; b < 5; b++) {
                keyBits = keyBits << 8 | (key[p + b] & 0xff);
            }
            for (int bit = 0; bit < Byte.SIZE; bit++) {
                // Input bit 7 - bit of the byte is key offset bit: its window starts 'bit' bits in.
                bitWindows[bit] = (int) (keyBits >>> (Byte.SIZE - bit));
            }
            int base = p * BYTE_VALUES;
            for (int v = 1; v < BYTE_VALUES; v++) {
                int lowest = Integer.numberOfTrailingZeros(v);
                // Value v is v-without-its-lowest-bit plus that bit, which is input bit 7 - lowest.
                table[base + v] = table[base + (v & (v - 1))] ^ bitWindows[Byte.SIZE - 1 - lowest];
            }
        }
        return table;
    }

    /** A copy of the key. */
    public byte[] key() {
        return key.clone();
    }

    /** The longest input this key hashes: key length − 4. */
    public int maxInputBytes() {
        return maxInputBytes;
    }

    /**
     * The hash of the IPv4 2-tuple, as a NIC computes it for IPv4 packets it does not hash by port
     * (ICMP, fragments, and UDP unless UDP hashing is enabled).
     *
     * @param src source address, first octet most significant (as {@code int} in network order)
     * @param dst destination address
     */
    public int hashIpv4(int src, int dst) {
        int[] t = contributions;
        return t[SRC_IP + (src >>> 24)]
                ^ t[SRC_IP + BYTE_VALUES + (src >>> 16 & 0xff)]
                ^ t[SRC_IP + 2 * BYTE_VALUES + (src >>> 8 & 0xff)]
                ^ t[SRC_IP + 3 * BYTE_VALUES + (src & 0xff)]
                ^ t[DST_IP + (dst >>> 24)]
                ^ t[DST_IP + BYTE_VALUES + (dst >>> 16 & 0xff)]
                ^ t[DST_IP + 2 * BYTE_VALUES + (dst >>> 8 & 0xff)]
                ^ t[DST_IP + 3 * BYTE_VALUES + (dst & 0xff)];
    }

    /**
     * The hash of the IPv4 4-tuple, as a NIC computes it for TCP (and, when enabled, UDP).
     * For a received packet pass the fields as they stand in its headers: {@code src} and
     * {@code srcPort} are the sender's.
     *
     * @param srcPort source port; only its low 16 bits are hashed
     * @param dstPort destination port; only its low 16 bits are hashed
     */
    public int hashIpv4Tcp(int src, int dst, int srcPort, int dstPort) {
        int[] t = contributions;
        return hashIpv4(src, dst)
                ^ t[SRC_PORT + (srcPort >>> 8 & 0xff)]
                ^ t[SRC_PORT + BYTE_VALUES + (srcPort & 0xff)]
                ^ t[DST_PORT + (dstPort >>> 8 & 0xff)]
                ^ t[DST_PORT + BYTE_VALUES + (dstPort & 0xff)];
    }

    /**
     * What the destination port adds to {@link #hashIpv4Tcp}: by linearity,
     * {@code hashIpv4Tcp(s, d, sp, dp) == hashIpv4Tcp(s, d, sp, 0) ^ ipv4TcpDestinationPortTerm(dp)}.
     * Choosing a local port tries many destination ports of one reply tuple; this keeps each try
     * to two loads.
     */
    public int ipv4TcpDestinationPortTerm(int dstPort) {
        int[] t = contributions;
        return t[DST_PORT + (dstPort >>> 8 & 0xff)] ^ t[DST_PORT + BYTE_VALUES + (dstPort & 0xff)];
    }

    /**
     * The hash of the IPv6 2-tuple. An address is two longs, the first eight bytes most
     * significant first.
     *
     * @throws IllegalStateException when the key is shorter than 36 bytes
     */
    public int hashIpv6(long srcHigh, long srcLow, long dstHigh, long dstLow) {
        requireInput(IPV6_INPUT_BYTES, "the IPv6 2-tuple");
        return hashLong(srcHigh, 0) ^ hashLong(srcLow, 8) ^ hashLong(dstHigh, 16) ^ hashLong(dstLow, 24);
    }

    /**
     * The hash of the IPv6 4-tuple.
     *
     * @throws IllegalStateException when the key is shorter than 40 bytes
     */
    public int hashIpv6Tcp(long srcHigh, long srcLow, long dstHigh, long dstLow, int srcPort, int dstPort) {
        requireInput(IPV6_L4_INPUT_BYTES, "the IPv6 4-tuple");
        int[] t = contributions;
        int ports = 32 * BYTE_VALUES;
        return hashLong(srcHigh, 0) ^ hashLong(srcLow, 8) ^ hashLong(dstHigh, 16) ^ hashLong(dstLow, 24)
                ^ t[ports + (srcPort >>> 8 & 0xff)]
                ^ t[ports + BYTE_VALUES + (srcPort & 0xff)]
                ^ t[ports + 2 * BYTE_VALUES + (dstPort >>> 8 & 0xff)]
                ^ t[ports + 3 * BYTE_VALUES + (dstPort & 0xff)];
    }

    /**
     * What destination port {@code dstPort} contributes to an IPv6 4-tuple hash:
     * {@code hashIpv6Tcp(s, d, sp, dp) == hashIpv6Tcp(s, d, sp, 0) ^ ipv6TcpDestinationPortTerm(dp)}
     * (the hash is linear), so local-port choice tries a port in two loads.
     *
     * @throws IllegalStateException when the key is shorter than 40 bytes
     */
    public int ipv6TcpDestinationPortTerm(int dstPort) {
        requireInput(IPV6_L4_INPUT_BYTES, "the IPv6 4-tuple");
        int[] t = contributions;
        int dst = 34 * BYTE_VALUES;
        return t[dst + (dstPort >>> 8 & 0xff)] ^ t[dst + BYTE_VALUES + (dstPort & 0xff)];
    }

    /** Eight input bytes, most significant first, at input positions {@code position}.. */
    private int hashLong(long v, int position) {
        int[] t = contributions;
        int h = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            h ^= t[(position + i) * BYTE_VALUES + (int) (v >>> (56 - 8 * i) & 0xff)];
        }
        return h;
    }

    /** The hash of all of {@code input}. */
    public int hash(byte[] input) {
        return hash(input, 0, input.length);
    }

    /**
     * The hash of {@code length} bytes of {@code input} from {@code offset}.
     *
     * @throws IllegalArgumentException  when the input is longer than the key covers
     * @throws IndexOutOfBoundsException when the range is not within {@code input}
     */
    public int hash(byte[] input, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, input.length);
        requireLength(length);
        int[] t = contributions;
        int h = 0;
        for (int p = 0; p < length; p++) {
            h ^= t[p * BYTE_VALUES + (input[offset + p] & 0xff)];
        }
        return h;
    }

    /**
     * The hash of {@code length} bytes of {@code segment} from {@code offset}: for hashing a
     * contiguous header field range straight out of packet memory, such as the IPv4 addresses at
     * bytes 12..19 of the IP header.
     *
     * @throws IllegalArgumentException  when the input is longer than the key covers
     * @throws IndexOutOfBoundsException when the range is not within {@code segment}
     */
    public int hash(MemorySegment segment, long offset, int length) {
        Objects.checkFromIndexSize(offset, length, segment.byteSize());
        requireLength(length);
        int[] t = contributions;
        int h = 0;
        for (int p = 0; p < length; p++) {
            h ^= t[p * BYTE_VALUES + (segment.get(ValueLayout.JAVA_BYTE, offset + p) & 0xff)];
        }
        return h;
    }

    private void requireLength(int length) {
        if (length > maxInputBytes) {
            throw new IllegalArgumentException("a " + key.length + "-byte RSS key hashes at most " + maxInputBytes
                    + " input bytes (key length >= input length + " + WINDOW_BYTES + "), got " + length);
        }
    }

    private void requireInput(int length, String what) {
        if (length > maxInputBytes) {
            throw new IllegalStateException(what + " has " + length + " bytes; this " + key.length
                    + "-byte RSS key hashes at most " + maxInputBytes + " (it needs a key of at least "
                    + (length + WINDOW_BYTES) + " bytes)");
        }
    }

    @Override
    public String toString() {
        return "Toeplitz[key=" + RssKey.toHex(key) + "]";
    }
}
