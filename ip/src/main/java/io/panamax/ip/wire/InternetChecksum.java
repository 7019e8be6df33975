package io.panamax.ip.wire;

import io.panamax.reactor.buffer.Packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit
 * words. Sums are carried as plain {@code long}s and folded at the end, so partial sums (pseudo
 * header, header, payload fragments) simply add. Incremental update follows RFC 1624.
 */
public final class InternetChecksum {
    /** Eight bytes in the machine's order: the bulk sum needs no byte swap per load (see {@link #sum(MemorySegment, long, int)}). */
    private static final ValueLayout.OfLong NATIVE_U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private InternetChecksum() {
    }

    /**
     * The unfolded sum of {@code len} bytes at {@code off}, as 16-bit big-endian words (an odd last
     * byte is padded with zero on the right, RFC 1071 §4.1).
     *
     * <p>The bulk is summed as 32-bit words in the machine's byte order into two 64-bit
     * accumulators: a 32-bit word is congruent to the sum of its two 16-bit halves modulo 0xffff
     * (2^16 = 1 there), and the sum is byte-order independent up to a swap of the folded result
     * (RFC 1071 §2(A), §2(B)). So no byte swap per load and half the additions of summing the four
     * 16-bit words of each big-endian 64-bit load (a 64 KiB TCP segment: 8,192 loads, two adds
     * each). Two accumulators let consecutive loads' additions overlap. An accumulator gains at
     * most 2^33 per load and {@code len} is below 2^31, so neither overflows.
     */
    public static long sum(MemorySegment seg, long off, int len) {
        long a = 0;
        long b = 0;
        int i = 0;
        for (; i + 16 <= len; i += 16) {
            long w0 = seg.get(NATIVE_U64, off + i);
            long w1 = seg.get(NATIVE_U64, off + i + 8);
            a += (w0 & 0xffffffffL) + (w0 >>> 32);
            b += (w1 & 0xffffffffL) + (w1 >>> 32);
        }
        if (i + 8 <= len) {
            long w = seg.get(NATIVE_U64, off + i);
            a += (w & 0xffffffffL) + (w >>> 32);
            i += 8;
        }
        long sum = a + b;
        if (LITTLE_ENDIAN) {
            sum = swap(fold(sum));
        }
        for (; i + 2 <= len; i += 2) {
            sum += seg.get(U16, off + i) & 0xffff;
        }
        if (i < len) {
            sum += (seg.get(ValueLayout.JAVA_BYTE, off + i) & 0xff) << 8;
        }
        return sum;
    }

    /**
     * The unfolded sum of {@code len} bytes of {@code p} from {@code index}, across fragments: a
     * fragment that ends on an odd byte shifts the next fragment's words by one byte.
     */
    public static long sum(Packet p, int index, int len) {
        if (len == 0) {
            return 0;
        }
        long total = 0;
        boolean odd = false;
        int f = 0;
        int skip = index;
        while (p.fragmentLength(f) <= skip) {
            skip -= p.fragmentLength(f);
            f++;
        }
        int left = len;
        while (left > 0) {
            int n = Math.min(p.fragmentLength(f) - skip, left);
            long s = sum(p.fragmentMemory(f), p.fragmentOffset(f) + skip, n);
            // A sum that starts on an odd byte counts its bytes in the other half of each word:
            // swapping the bytes of the folded sum puts them back (RFC 1071 §2(B)).
            total += odd ? swap(fold(s)) : s;
            if ((n & 1) != 0) {
                odd = !odd;
            }
            left -= n;
            skip = 0;
            f++;
        }
        return total;
    }

    /** Folds a sum to 16 bits with end-around carry. */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** The checksum field value for {@code sum}: the complement of the folded sum. */
    public static int finish(long sum) {
        return ~fold(sum) & 0xffff;
    }

    /** The checksum of {@code len} bytes at {@code off}. */
    public static int checksum(MemorySegment seg, long off, int len) {
        return finish(sum(seg, off, len));
    }

    /** Whether data that includes its checksum field sums to all ones (is intact). */
    public static boolean verifies(long sumIncludingChecksumField) {
        return fold(sumIncludingChecksumField) == 0xffff;
    }

    /** The unfolded sum of the IPv4 pseudo header (RFC 793 §3.1, RFC 768) for TCP and UDP. */
    public static long pseudoHeaderSum(int srcIp, int dstIp, int protocol, int transportLength) {
        return (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff) + protocol + transportLength;
    }

    /**
     * RFC 1624 eqn. 3: the new checksum field after one 16-bit word changes from {@code oldWord}
     * to {@code newWord}, without summing the data again.
     *
     * <p>Eqn. 3 gives 0x0000 when the new data sums to zero (every word 0, as in an echo request
     * of identifier 0, sequence 0 and no data turned into its reply), but only 0xffff verifies
     * then: a receiver sums 0 + 0x0000 = 0, not all ones. 0xffff is returned instead; it verifies
     * whenever 0x0000 does (the data then sums to 0xffff), so it is always a correct field.
     */
    public static int update(int oldChecksum, int oldWord, int newWord) {
        long sum = (~oldChecksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        int updated = ~fold(sum) & 0xffff;
        return updated == 0 ? 0xffff : updated;
    }

    private static long swap(int folded) {
        return ((folded & 0xff) << 8) | (folded >>> 8);
    }
}
