package io.panamax.tcp;

/**
 * SYN cookies (RFC 4987 3.6), encoded as Linux encodes them (net/ipv4/syncookies.c), so that a
 * listener under a SYN flood answers with a SYN-ACK and keeps no state until the client's ACK
 * proves it got that SYN-ACK.
 *
 * <p>The cookie is the SYN-ACK's sequence number (the ISS):
 * <pre>
 *   cookie = H(0) + SEG.SEQ(SYN) + (count &lt;&lt; 24) + ((H(count) + mssIndex) mod 2^24)
 * </pre>
 * where H is SipHash-2-4 over the 4-tuple (and the count) under a per-stack secret, {@code count}
 * is the minute counter (valid for {@link #MAX_AGE_MINUTES} minutes) and {@code mssIndex} indexes
 * {@link #MSS_TABLE}, the peer's MSS rounded down. Window scale, SACK-permitted and ECN go in the
 * low 6 bits of the SYN-ACK's TSval (when the SYN offered timestamps), which the ACK echoes in
 * TSecr: | ECN (bit 5) | SACK (bit 4) | WScale (bits 3..0, 0xf for none) |. Without timestamps
 * the SYN-ACK offers only MSS (nothing else could be remembered).
 *
 * <p>One per {@link Tcp}; not thread-safe, nothing allocated per call.
 */
final class SynCookies {
    static final int COOKIE_BITS = 24;
    static final int COOKIE_MASK = (1 << COOKIE_BITS) - 1;
    /**
     * The MSS values a cookie can carry, as Linux's (chosen from observed MSS distributions):
     * 536, 1300, 1440 (PPPoE 1452 rounds down to it), 1460. Sorted.
     */
    static final int[] MSS_TABLE = {536, 1300, 1440, 1460};
    /** A cookie is accepted for this many minute-counter values (Linux's MAX_SYNCOOKIE_AGE). */
    static final int MAX_AGE_MINUTES = 2;
    static final long MINUTE_NANOS = 60_000_000_000L;
    /** TSval low bits holding options. */
    static final int TS_BITS = 6;
    static final int TS_OPT_WSCALE_MASK = 0xf;
    static final int TS_OPT_SACK = 1 << 4;
    static final int TS_OPT_ECN = 1 << 5;

    /** Domain tweaks that derive the cookie key from the stack's secret (so ISNs and cookies use different keys). */
    private static final long KEY_TWEAK_0 = 0x5359_4e43_4f4f_4b30L; // "SYNCOOK0"
    private static final long KEY_TWEAK_1 = 0x5359_4e43_4f4f_4b31L; // "SYNCOOK1"

    private final long k0;
    private final long k1;
    /** The message {@link #hash} covers: the addresses, then ports and count in one word. */
    private final long[] words = new long[5];
    private int addressWords;
    private long portBits;

    SynCookies(long secretHigh, long secretLow) {
        long[] w = new long[1];
        w[0] = KEY_TWEAK_0;
        this.k0 = IsnGenerator.sipHash24(secretHigh, secretLow, w, 1, 0, 8);
        w[0] = KEY_TWEAK_1;
        this.k1 = IsnGenerator.sipHash24(secretHigh, secretLow, w, 1, 0, 8);
    }

    /** The minute counter at {@code nanos} (Linux's tcp_cookie_time). */
    static int count(long nanos) {
        return (int) Math.floorDiv(nanos, MINUTE_NANOS);
    }

    /** The largest table index whose MSS is at most {@code mss} (index 0 for anything smaller). */
    static int mssIndex(int mss) {
        int i = MSS_TABLE.length - 1;
        while (i > 0 && mss < MSS_TABLE[i]) {
            i--;
        }
        return i;
    }

    /** The cookie (the SYN-ACK's ISS) for a SYN with sequence number {@code synSeq}. */
    int cookie(int localIp, int localPort, int remoteIp, int remotePort, int synSeq, int mssIndex, long nanos) {
        tuple(localIp, localPort, remoteIp, remotePort);
        return cookie(synSeq, mssIndex, nanos);
    }

    /** {@link #cookie(int, int, int, int, int, int, long)} for a SYN that came over IPv6: the hash covers both 128-bit addresses. */
    int cookie6(long localHigh, long localLow, int localPort, long remoteHigh, long remoteLow, int remotePort,
                int synSeq, int mssIndex, long nanos) {
        tuple6(localHigh, localLow, localPort, remoteHigh, remoteLow, remotePort);
        return cookie(synSeq, mssIndex, nanos);
    }

    /**
     * Checks an ACK's cookie ({@code SEG.ACK - 1}) against its sequence number ({@code SEG.SEQ - 1},
     * the SYN's): the MSS table index it carries, or -1 if it is forged or older than
     * {@link #MAX_AGE_MINUTES} minutes.
     */
    int check(int cookie, int localIp, int localPort, int remoteIp, int remotePort, int synSeq, long nanos) {
        tuple(localIp, localPort, remoteIp, remotePort);
        return check(cookie, synSeq, nanos);
    }

    /** {@link #check(int, int, int, int, int, int, long)} for an ACK that came over IPv6. */
    int check6(int cookie, long localHigh, long localLow, int localPort, long remoteHigh, long remoteLow, int remotePort,
               int synSeq, long nanos) {
        tuple6(localHigh, localLow, localPort, remoteHigh, remoteLow, remotePort);
        return check(cookie, synSeq, nanos);
    }

    private int cookie(int synSeq, int mssIndex, long nanos) {
        int count = count(nanos);
        return hash(0, 0) + synSeq + (count << COOKIE_BITS) + ((hash(count, 1) + mssIndex) & COOKIE_MASK);
    }

    private int check(int cookie, int synSeq, long nanos) {
        int count = count(nanos);
        int c = cookie - (hash(0, 0) + synSeq);
        // What is left: (count << 24) + (H(count) + data) mod 2^24; the top byte gives the age.
        int age = (count - (c >>> COOKIE_BITS)) & (0xffffffff >>> COOKIE_BITS);
        if (age >= MAX_AGE_MINUTES) {
            return -1;
        }
        int data = (c - hash(count - age, 1)) & COOKIE_MASK;
        return data < MSS_TABLE.length ? data : -1;
    }

    /**
     * The SYN-ACK's TSval: the connection's timestamp clock {@code tsNow} with its low 6 bits
     * replaced by the options, and never ahead of the clock (so the connection's later TSvals do
     * not go backwards, RFC 7323 5.4).
     *
     * @param windowScale the peer's shift (0..14), or -1 if its SYN had no Window Scale
     */
    static int timestamp(int tsNow, int windowScale, boolean sack, boolean ecn) {
        int options = windowScale >= 0 ? Math.min(windowScale, 14) : TS_OPT_WSCALE_MASK;
        if (sack) {
            options |= TS_OPT_SACK;
        }
        if (ecn) {
            options |= TS_OPT_ECN;
        }
        int ts = (tsNow >>> TS_BITS << TS_BITS) | options;
        if (ts - tsNow > 0) {  // the clock wraps: compare as sequence numbers
            ts -= 1 << TS_BITS;
        }
        return ts;
    }

    /** The peer's window shift echoed in {@code tsEcr}, or -1 for none. */
    static int windowScale(int tsEcr) {
        int w = tsEcr & TS_OPT_WSCALE_MASK;
        return w == TS_OPT_WSCALE_MASK ? -1 : w;
    }

    /** Whether the peer's SYN offered SACK-permitted, from {@code tsEcr}. */
    static boolean sack(int tsEcr) {
        return (tsEcr & TS_OPT_SACK) != 0;
    }

    /** Whether the peer's SYN was ECN-setup and the cookie's SYN-ACK agreed (RFC 3168 6.1.1), from {@code tsEcr}. */
    static boolean ecn(int tsEcr) {
        return (tsEcr & TS_OPT_ECN) != 0;
    }

    /** The 4-tuple {@link #hash} covers next: IPv4 addresses in one word, then the ports. */
    private void tuple(int localIp, int localPort, int remoteIp, int remotePort) {
        words[0] = (long) localIp << 32 | (remoteIp & 0xffffffffL);
        addressWords = 1;
        portBits = (localPort & 0xffffL) << 48 | (remotePort & 0xffffL) << 32;
    }

    /** An IPv6 4-tuple: the four address halves in four words, then the ports. */
    private void tuple6(long localHigh, long localLow, int localPort, long remoteHigh, long remoteLow, int remotePort) {
        words[0] = localHigh;
        words[1] = localLow;
        words[2] = remoteHigh;
        words[3] = remoteLow;
        addressWords = 4;
        portBits = (localPort & 0xffffL) << 48 | (remotePort & 0xffffL) << 32;
    }

    /** SipHash-2-4 of the 4-tuple, the count and which of the two hashes ({@code c}), truncated to 32 bits. */
    private int hash(int count, int c) {
        words[addressWords] = portBits | (count & 0xffffffffL);
        int n = addressWords + 1;
        return (int) IsnGenerator.sipHash24(k0, k1, words, n, c, 8 * n + 1);
    }
}
