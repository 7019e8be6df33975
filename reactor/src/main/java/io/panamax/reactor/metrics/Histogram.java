package io.panamax.reactor.metrics;

import java.util.Arrays;

/**
 * A log-linear histogram of non-negative longs (latencies in ns, sizes in bytes): 16 buckets per
 * power of two, so quantiles are within about 6%. Single writer; recording allocates nothing.
 */
public final class Histogram {
    private static final int SUB_BITS = 4;
    private static final int SUB = 1 << SUB_BITS;
    private static final int BUCKETS = (64 - SUB_BITS + 1) * SUB;

    private final long[] counts = new long[BUCKETS];
    private long count;
    private long sum;
    private long max;

    public void record(long value) {
        if (value < 0) {
            value = 0;
        }
        counts[index(value)]++;
        count++;
        sum += value;
        if (value > max) {
            max = value;
        }
    }

    static int index(long v) {
        if (v < SUB) {
            return (int) v;
        }
        int exp = 63 - Long.numberOfLeadingZeros(v);
        int sub = (int) (v >>> (exp - SUB_BITS)) & (SUB - 1);
        return (exp - SUB_BITS + 1) * SUB + sub;
    }

    /** The smallest value that falls into bucket {@code i}. */
    static long lowerBound(int i) {
        if (i < SUB) {
            return i;
        }
        int exp = i / SUB + SUB_BITS - 1;
        int sub = i % SUB;
        return (1L << exp) | ((long) sub << (exp - SUB_BITS));
    }

    public long count() {
        return count;
    }

    public long sum() {
        return sum;
    }

    public long max() {
        return max;
    }

    /** A copy of the state, for reading on another thread or merging. */
    public Snapshot snapshot() {
        return new Snapshot(counts.clone(), count, sum, max);
    }

    /** An immutable histogram state; snapshots of several shards merge into one. */
    public record Snapshot(long[] counts, long count, long sum, long max) {
        public static Snapshot empty() {
            return new Snapshot(new long[BUCKETS], 0, 0, 0);
        }

        public Snapshot merge(Snapshot o) {
            long[] c = counts.clone();
            for (int i = 0; i < c.length; i++) {
                c[i] += o.counts[i];
            }
            return new Snapshot(c, count + o.count, sum + o.sum, Math.max(max, o.max));
        }

        /** The value below which fraction {@code q} of the recorded values fall (bucket lower bound). */
        public long quantile(double q) {
            if (count == 0) {
                return 0;
            }
            long rank = (long) Math.ceil(q * count);
            long seen = 0;
            for (int i = 0; i < counts.length; i++) {
                seen += counts[i];
                if (seen >= rank && counts[i] > 0) {
                    return Math.min(lowerBound(i), max);
                }
            }
            return max;
        }

        public double mean() {
            return count == 0 ? 0 : (double) sum / count;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Snapshot s && Arrays.equals(counts, s.counts) && count == s.count && sum == s.sum && max == s.max;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(counts) * 31 + Long.hashCode(count);
        }
    }
}
