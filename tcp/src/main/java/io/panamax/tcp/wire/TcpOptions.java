package io.panamax.tcp.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * TCP options (RFC 9293 3.2): the parsed options of one segment, and the functions that write
 * them. An instance is a reusable holder that {@link #parse} fills without allocating; writing is
 * static, at an offset, with the length returned.
 *
 * <p>Parsing follows RFC 9293 3.2: EOL ends the list, NOP is skipped, options this stack does not
 * know are skipped by their length (MUST-6). A length byte below 2 or running past the option
 * area makes the whole option list malformed ({@link Problem#BAD_LENGTH}); so does a known option
 * with a length other than its own, since a sender that gets that wrong cannot be trusted with
 * the value either.
 */
public final class TcpOptions {
    public static final int KIND_EOL = 0;
    public static final int KIND_NOP = 1;
    /** Maximum Segment Size (RFC 9293 3.7.1). */
    public static final int KIND_MSS = 2;
    /** Window Scale (RFC 7323 2). */
    public static final int KIND_WINDOW_SCALE = 3;
    /** SACK-Permitted (RFC 2018 2). */
    public static final int KIND_SACK_PERMITTED = 4;
    /** SACK blocks (RFC 2018 3). */
    public static final int KIND_SACK = 5;
    /** Timestamps (RFC 7323 3). */
    public static final int KIND_TIMESTAMPS = 8;
    /** User Timeout (RFC 5482 3). */
    public static final int KIND_USER_TIMEOUT = 28;

    public static final int LENGTH_MSS = 4;
    public static final int LENGTH_WINDOW_SCALE = 3;
    public static final int LENGTH_SACK_PERMITTED = 2;
    public static final int LENGTH_TIMESTAMPS = 10;
    public static final int LENGTH_USER_TIMEOUT = 4;
    /** RFC 5482 3: the Granularity bit of the UTO value; set, the 15-bit User Timeout counts minutes, else seconds. */
    public static final int UTO_GRANULARITY_MINUTES = 0x8000;
    /** RFC 5482 3: the largest User Timeout field (15 bits), in either unit. */
    public static final int UTO_MAX_VALUE = 0x7fff;
    /** Bytes per SACK block: left and right edge. */
    public static final int SACK_BLOCK_LENGTH = 8;
    /** Most SACK blocks that fit in 40 bytes of option space (RFC 2018 3). */
    public static final int MAX_SACK_BLOCKS = 4;
    /** The largest shift a Window Scale option may ask for (RFC 7323 2.3). */
    public static final int MAX_WINDOW_SHIFT = 14;
    /**
     * Bytes that timestamps take on every segment once negotiated: NOP, NOP, then the 10-byte
     * option, keeping the header 32-bit aligned as RFC 7323 Appendix A suggests.
     */
    public static final int ALIGNED_TIMESTAMPS_LENGTH = 12;

    /** Why an option list cannot be used. */
    public enum Problem {
        /** An option length below 2, past the end of the option area, or wrong for its kind. */
        BAD_LENGTH
    }

    private static final ValueLayout.OfShort U16 = TcpHeader.U16;
    private static final ValueLayout.OfInt U32 = TcpHeader.U32;

    /** The MSS option's value, or -1 when absent. */
    public int mss;
    /** The Window Scale option's shift count as sent (may exceed 14), or -1 when absent. */
    public int windowScale;
    public boolean sackPermitted;
    public boolean hasTimestamps;
    /** TSval, meaningful when {@link #hasTimestamps}. */
    public int tsVal;
    /** TSecr, meaningful when {@link #hasTimestamps}. */
    public int tsEcr;
    /**
     * The User Timeout option's 16 bits as sent (RFC 5482 3: Granularity bit, then 15 bits of
     * timeout), or -1 when absent; {@link #userTimeoutSeconds} reads it.
     */
    public int userTimeout = -1;
    /** SACK blocks present (0..4). */
    public int sackBlocks;
    /** Left edges of the SACK blocks. */
    public final int[] sackLeft = new int[MAX_SACK_BLOCKS];
    /** Right edges of the SACK blocks. */
    public final int[] sackRight = new int[MAX_SACK_BLOCKS];
    /** Options of a kind this stack does not implement, skipped. */
    public int unknown;

    /** Forgets everything parsed before: no option present. */
    public void clear() {
        mss = -1;
        windowScale = -1;
        sackPermitted = false;
        hasTimestamps = false;
        tsVal = 0;
        tsEcr = 0;
        userTimeout = -1;
        sackBlocks = 0;
        unknown = 0;
    }

    /**
     * Parses the {@code len} bytes of options at {@code off} into this holder. Returns null when
     * the list is well formed; never throws, whatever the bytes.
     */
    public Problem parse(MemorySegment seg, long off, int len) {
        clear();
        if (len < 0 || off < 0 || off + len > seg.byteSize()) {
            return Problem.BAD_LENGTH;
        }
        int i = 0;
        while (i < len) {
            int kind = seg.get(ValueLayout.JAVA_BYTE, off + i) & 0xff;
            if (kind == KIND_EOL) {
                return null;
            }
            if (kind == KIND_NOP) {
                i++;
                continue;
            }
            if (i + 1 >= len) {
                return Problem.BAD_LENGTH;
            }
            int olen = seg.get(ValueLayout.JAVA_BYTE, off + i + 1) & 0xff;
            if (olen < 2 || i + olen > len) {
                return Problem.BAD_LENGTH;
            }
            long at = off + i + 2;
            switch (kind) {
                case KIND_MSS -> {
                    if (olen != LENGTH_MSS) {
                        return Problem.BAD_LENGTH;
                    }
                    mss = seg.get(U16, at) & 0xffff;
                }
                case KIND_WINDOW_SCALE -> {
                    if (olen != LENGTH_WINDOW_SCALE) {
                        return Problem.BAD_LENGTH;
                    }
                    windowScale = seg.get(ValueLayout.JAVA_BYTE, at) & 0xff;
                }
                case KIND_SACK_PERMITTED -> {
                    if (olen != LENGTH_SACK_PERMITTED) {
                        return Problem.BAD_LENGTH;
                    }
                    sackPermitted = true;
                }
                case KIND_TIMESTAMPS -> {
                    if (olen != LENGTH_TIMESTAMPS) {
                        return Problem.BAD_LENGTH;
                    }
                    hasTimestamps = true;
                    tsVal = seg.get(U32, at);
                    tsEcr = seg.get(U32, at + 4);
                }
                case KIND_USER_TIMEOUT -> {
                    if (olen != LENGTH_USER_TIMEOUT) {
                        return Problem.BAD_LENGTH;
                    }
                    userTimeout = seg.get(U16, at) & 0xffff;
                }
                case KIND_SACK -> {
                    int n = (olen - 2) / SACK_BLOCK_LENGTH;
                    if ((olen - 2) % SACK_BLOCK_LENGTH != 0 || n < 1 || n > MAX_SACK_BLOCKS) {
                        return Problem.BAD_LENGTH;
                    }
                    for (int b = 0; b < n; b++) {
                        sackLeft[b] = seg.get(U32, at + (long) b * SACK_BLOCK_LENGTH);
                        sackRight[b] = seg.get(U32, at + (long) b * SACK_BLOCK_LENGTH + 4);
                    }
                    sackBlocks = n;
                }
                default -> unknown++;
            }
            i += olen;
        }
        return null;
    }

    // ---- writing ------------------------------------------------------------------------

    /** Writes an MSS option at {@code off}; returns its length. */
    public static int writeMss(MemorySegment seg, long off, int mss) {
        seg.set(ValueLayout.JAVA_BYTE, off, (byte) KIND_MSS);
        seg.set(ValueLayout.JAVA_BYTE, off + 1, (byte) LENGTH_MSS);
        seg.set(U16, off + 2, (short) mss);
        return LENGTH_MSS;
    }

    /** Writes a NOP then a Window Scale option (4 bytes, keeping alignment); returns 4. */
    public static int writeNopWindowScale(MemorySegment seg, long off, int shift) {
        seg.set(ValueLayout.JAVA_BYTE, off, (byte) KIND_NOP);
        seg.set(ValueLayout.JAVA_BYTE, off + 1, (byte) KIND_WINDOW_SCALE);
        seg.set(ValueLayout.JAVA_BYTE, off + 2, (byte) LENGTH_WINDOW_SCALE);
        seg.set(ValueLayout.JAVA_BYTE, off + 3, (byte) shift);
        return 4;
    }

    /** Writes a SACK-Permitted option; returns 2. */
    public static int writeSackPermitted(MemorySegment seg, long off) {
        seg.set(ValueLayout.JAVA_BYTE, off, (byte) KIND_SACK_PERMITTED);
        seg.set(ValueLayout.JAVA_BYTE, off + 1, (byte) LENGTH_SACK_PERMITTED);
        return LENGTH_SACK_PERMITTED;
    }

    /** Writes a Timestamps option (10 bytes, unaligned); returns 10. */
    public static int writeTimestamps(MemorySegment seg, long off, int tsVal, int tsEcr) {
        seg.set(ValueLayout.JAVA_BYTE, off, (byte) KIND_TIMESTAMPS);
        seg.set(ValueLayout.JAVA_BYTE, off + 1, (byte) LENGTH_TIMESTAMPS);
        seg.set(U32, off + 2, tsVal);
        seg.set(U32, off + 6, tsEcr);
        return LENGTH_TIMESTAMPS;
    }

    /** Writes a User Timeout option (RFC 5482 3) with the 16-bit {@code value} (G bit and timeout); returns 4. */
    public static int writeUserTimeout(MemorySegment seg, long off, int value) {
        seg.set(ValueLayout.JAVA_BYTE, off, (byte) KIND_USER_TIMEOUT);
        seg.set(ValueLayout.JAVA_BYTE, off + 1, (byte) LENGTH_USER_TIMEOUT);
        seg.set(U16, off + 2, (short) value);
        return LENGTH_USER_TIMEOUT;
    }

    /** The timeout a User Timeout option's 16 bits say (RFC 5482 3), in seconds: minutes when G is set. */
    public static long userTimeoutSeconds(int value) {
        long t = value & UTO_MAX_VALUE;
        return (value & UTO_GRANULARITY_MINUTES) != 0 ? t * 60 : t;
    }

    /**
     * The User Timeout option's 16 bits for a timeout of {@code seconds}: seconds while they fit in
     * 15 bits (32,767 s, 9.1 hours), else minutes rounded up (G set), at most 32,767 minutes
     * (22.7 days). Rounding up: the peer is told no less than the timeout this side keeps.
     */
    public static int userTimeoutValue(long seconds) {
        if (seconds <= 0) {
            return 0;
        }
        if (seconds <= UTO_MAX_VALUE) {
            return (int) seconds;
        }
        return UTO_GRANULARITY_MINUTES | (int) Math.min(UTO_MAX_VALUE, (seconds + 59) / 60);
    }

    /** Writes NOP, NOP, Timestamps (RFC 7323 Appendix A layout); returns 12. */
    public static int writeAlignedTimestamps(MemorySegment seg, long off, int tsVal, int tsEcr) {
        seg.set(ValueLayout.JAVA_BYTE, off, (byte) KIND_NOP);
        seg.set(ValueLayout.JAVA_BYTE, off + 1, (byte) KIND_NOP);
        writeTimestamps(seg, off + 2, tsVal, tsEcr);
        return ALIGNED_TIMESTAMPS_LENGTH;
    }

    /**
     * Writes NOP, NOP, then a SACK option with the first {@code n} blocks of {@code left}/{@code
     * right}; returns 4 + 8n.
     */
    public static int writeAlignedSack(MemorySegment seg, long off, int[] left, int[] right, int n) {
        seg.set(ValueLayout.JAVA_BYTE, off, (byte) KIND_NOP);
        seg.set(ValueLayout.JAVA_BYTE, off + 1, (byte) KIND_NOP);
        seg.set(ValueLayout.JAVA_BYTE, off + 2, (byte) KIND_SACK);
        seg.set(ValueLayout.JAVA_BYTE, off + 3, (byte) (2 + n * SACK_BLOCK_LENGTH));
        for (int b = 0; b < n; b++) {
            seg.set(U32, off + 4 + (long) b * SACK_BLOCK_LENGTH, left[b]);
            seg.set(U32, off + 8 + (long) b * SACK_BLOCK_LENGTH, right[b]);
        }
        return 4 + n * SACK_BLOCK_LENGTH;
    }

    /** The bytes an aligned SACK option of {@code n} blocks takes ({@link #writeAlignedSack}). */
    public static int alignedSackLength(int n) {
        return n == 0 ? 0 : 4 + n * SACK_BLOCK_LENGTH;
    }

    /**
     * Pads an option list of {@code written} bytes at {@code off} to a multiple of 4 with EOL
     * (zero) bytes, as RFC 9293 3.1 asks the header to end on a 32-bit boundary; returns the
     * padded length.
     */
    public static int pad(MemorySegment seg, long off, int written) {
        int padded = (written + 3) & ~3;
        for (int i = written; i < padded; i++) {
            seg.set(ValueLayout.JAVA_BYTE, off + i, (byte) KIND_EOL);
        }
        return padded;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("TcpOptions[");
        if (mss >= 0) {
            sb.append("mss=").append(mss).append(' ');
        }
        if (windowScale >= 0) {
            sb.append("wscale=").append(windowScale).append(' ');
        }
        if (sackPermitted) {
            sb.append("sackOK ");
        }
        if (hasTimestamps) {
            sb.append("TS val ").append(Integer.toUnsignedString(tsVal)).append(" ecr ").append(Integer.toUnsignedString(tsEcr)).append(' ');
        }
        if (userTimeout >= 0) {
            sb.append("uto ").append(userTimeoutSeconds(userTimeout)).append("s ");
        }
        for (int b = 0; b < sackBlocks; b++) {
            sb.append("sack ").append(Integer.toUnsignedString(sackLeft[b])).append('-').append(Integer.toUnsignedString(sackRight[b])).append(' ');
        }
        return sb.toString().trim() + "]";
    }
}
