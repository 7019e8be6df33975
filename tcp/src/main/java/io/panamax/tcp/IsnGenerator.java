package io.panamax.tcp;

/**
 * Initial sequence numbers per RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), M a clock ticking every 4 µs and F a keyed hash, here SipHash-2-4 (Aumasson and
 * Bernstein) under the configured 128-bit secret. Also gives each connection its timestamp
 * offset (RFC 7323 5.4 / 7.1: timestamps should not reveal a host-wide clock), from the same hash
 * over the 4-tuple with a tweak word added. One per shard; not thread-safe.
 */
final class IsnGenerator {
    private static final long TIMESTAMP_TWEAK = 0x5453_4f46_4653_4554L; // "TSOFFSET"
    private final long k0;
    private final long k1;
    private final long[] words = new long[5];

    IsnGenerator(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /** The ISN for a connection at time {@code nanos} (RFC 6528 3). */
    int isn(int localIp, int localPort, int remoteIp, int remotePort, long nanos) {
        words[0] = (long) localIp << 32 | (remoteIp & 0xffffffffL);
        long f = sipHash24(k0, k1, words, 1, (localPort & 0xffffL) << 16 | (remotePort & 0xffff), 12);
        return (int) f + (int) (nanos / 4_000);
    }

    /** A per-connection offset for the Timestamps clock. */
    int timestampOffset(int localIp, int localPort, int remoteIp, int remotePort) {
        words[0] = (long) localIp << 32 | (remoteIp & 0xffffffffL);
        words[1] = TIMESTAMP_TWEAK;
        return (int) sipHash24(k0, k1, words, 2, (localPort & 0xffffL) << 16 | (remotePort & 0xffff), 20);
    }

    /** The ISN for a connection over IPv6: F covers both 128-bit addresses (RFC 6528 3 names the addresses, whatever their size). */
    int isn6(long localHigh, long localLow, int localPort, long remoteHigh, long remoteLow, int remotePort, long nanos) {
        words6(localHigh, localLow, remoteHigh, remoteLow);
        long f = sipHash24(k0, k1, words, 4, (localPort & 0xffffL) << 16 | (remotePort & 0xffff), 36);
        return (int) f + (int) (nanos / 4_000);
    }

    /** {@link #timestampOffset} for a connection over IPv6. */
    int timestampOffset6(long localHigh, long localLow, int localPort, long remoteHigh, long remoteLow, int remotePort) {
        words6(localHigh, localLow, remoteHigh, remoteLow);
        words[4] = TIMESTAMP_TWEAK;
        return (int) sipHash24(k0, k1, words, 5, (localPort & 0xffffL) << 16 | (remotePort & 0xffff), 44);
    }

    private void words6(long localHigh, long localLow, long remoteHigh, long remoteLow) {
        words[0] = localHigh;
        words[1] = localLow;
        words[2] = remoteHigh;
        words[3] = remoteLow;
    }

    /**
     * SipHash-2-4 of the message made of {@code wordCount} 8-byte little-endian words followed by
     * {@code len - 8·wordCount} (0..7) tail bytes, given as a little-endian value in {@code tail}.
     */
    static long sipHash24(long k0, long k1, long[] words, int wordCount, long tail, int len) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        for (int w = 0; w <= wordCount; w++) {
            long m = w < wordCount ? words[w] : ((long) len << 56) | (tail & 0x00ff_ffff_ffff_ffffL);
            v3 ^= m;
            for (int r = 0; r < 2; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        v2 ^= 0xff;
        for (int r = 0; r < 4; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
