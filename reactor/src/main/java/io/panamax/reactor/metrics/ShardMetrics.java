package io.panamax.reactor.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * One shard's metrics. Each metric has a name, a help text and optional label pairs; registering
 * the same name and labels again returns the existing instrument, so every layer can ask for its
 * counters without coordination. Registration happens on the shard's own thread (or before the
 * reactor starts), and from the stall detector's thread (a stall's place is known only when it
 * happens): it takes this object's monitor, which is uncontended but for that rare case and never
 * on a data path (layers register their instruments once, when they are built). Readers on other
 * threads see the published list, never the map.
 */
public final class ShardMetrics {
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private final int shard;
    private final Map<String, Metric> byKey = new LinkedHashMap<>();
    private volatile List<Metric> published = List.of();

    public ShardMetrics(int shard) {
        this.shard = shard;
    }

    public int shard() {
        return shard;
    }

    /**
     * A counter; {@code labels} alternate names and values: {@code "reason", "bad_checksum"}. Names
     * must be Prometheus metric and label names (the registry adds {@code shard} and, for
     * summaries, {@code quantile} itself); label values may be any text.
     */
    public Counter counter(String name, String help, String... labels) {
        return (Counter) register(name, help, MetricType.COUNTER, labels, new Counter());
    }

    /** A gauge read from {@code supplier} when metrics are read (on the reading thread). */
    public void gauge(String name, String help, LongSupplier supplier, String... labels) {
        register(name, help, MetricType.GAUGE, labels, supplier);
    }

    public Histogram histogram(String name, String help, String... labels) {
        return (Histogram) register(name, help, MetricType.SUMMARY, labels, new Histogram());
    }

    /** Everything registered so far; safe to call from any thread. */
    public List<Metric> all() {
        return published;
    }

    // Synchronized: control path only. Layers register their instruments once, when built, on the
    // shard's thread; the stall detector's own thread registers a counter the first time it sees a
    // new place. Never taken per packet: instruments are kept and updated without it.
    private synchronized Object register(String name, String help, MetricType type, String[] labels, Object fresh) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs: " + String.join(",", labels));
        }
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a Prometheus metric name: " + name);
        }
        for (int i = 0; i < labels.length; i += 2) {
            if (!LABEL_NAME.matcher(labels[i]).matches() || labels[i].equals("shard") || labels[i].equals("quantile")) {
                throw new IllegalArgumentException("not a label name (or one the registry sets itself): " + labels[i]);
            }
        }
        String key = name + labelText(labels);
        Metric existing = byKey.get(key);
        if (existing != null) {
            if (existing.type() != type) {
                throw new IllegalArgumentException(key + " is already registered as a " + existing.type());
            }
            return existing.instrument();
        }
        Metric m = new Metric(name, help, type, List.of(labels), fresh);
        byKey.put(key, m);
        published = List.copyOf(new ArrayList<>(byKey.values()));
        return fresh;
    }

    static String labelText(String[] labels) {
        if (labels.length == 0) {
            return "";
        }
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < labels.length; i += 2) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(labels[i]).append("=\"").append(MetricsRegistry.escapeLabelValue(labels[i + 1])).append('"');
        }
        return sb.append('}').toString();
    }

    /**
     * One registered metric.
     *
     * @param instrument a {@link Counter}, a {@link Histogram} or a {@link LongSupplier} (gauge)
     */
    public record Metric(String name, String help, MetricType type, List<String> labels, Object instrument) {
        /** The current value of a counter or gauge. */
        public long value() {
            return switch (instrument) {
                case Counter c -> c.get();
                case LongSupplier s -> s.getAsLong();
                case Histogram h -> h.count();
                default -> throw new IllegalStateException(String.valueOf(instrument));
            };
        }

        public String key() {
            return name + labelText(labels.toArray(String[]::new));
        }
    }
}
