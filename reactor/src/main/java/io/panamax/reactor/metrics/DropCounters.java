package io.panamax.reactor.metrics;

/**
 * One counter per drop reason of a layer, published as {@code <name>{reason="<reason>"}} with the
 * reason in lower case: every malformed or unwanted packet is counted under the reason it was
 * dropped for. Counting is an array index and a plain increment.
 */
public final class DropCounters<E extends Enum<E>> {
    private final Counter[] counters;
    private final E[] reasons;

    public DropCounters(ShardMetrics metrics, String name, String help, Class<E> reasonType, String... labels) {
        this.reasons = reasonType.getEnumConstants();
        this.counters = new Counter[reasons.length];
        for (E r : reasons) {
            String[] l = new String[labels.length + 2];
            System.arraycopy(labels, 0, l, 0, labels.length);
            l[labels.length] = "reason";
            l[labels.length + 1] = r.name().toLowerCase();
            counters[r.ordinal()] = metrics.counter(name, help, l);
        }
    }

    public void count(E reason) {
        counters[reason.ordinal()].increment();
    }

    public long get(E reason) {
        return counters[reason.ordinal()].get();
    }

    /** The sum over all reasons. */
    public long total() {
        long sum = 0;
        for (Counter c : counters) {
            sum += c.get();
        }
        return sum;
    }

    /** Readable "reason=count" pairs of the non-zero reasons (for logs and tools). */
    public String describeNonZero() {
        StringBuilder sb = new StringBuilder();
        for (E r : reasons) {
            long v = get(r);
            if (v != 0) {
                if (!sb.isEmpty()) {
                    sb.append(' ');
                }
                sb.append(r.name().toLowerCase()).append('=').append(v);
            }
        }
        return sb.toString();
    }
}
