package io.panamax.reactor.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metrics of every shard of a reactor. Values are per shard and summed only when read: no
 * shard ever writes a shared counter.
 */
public final class MetricsRegistry {
    private final ShardMetrics[] shards;

    public MetricsRegistry(int shardCount) {
        shards = new ShardMetrics[shardCount];
        for (int i = 0; i < shardCount; i++) {
            shards[i] = new ShardMetrics(i);
        }
    }

    public ShardMetrics shard(int i) {
        return shards[i];
    }

    public int shardCount() {
        return shards.length;
    }

    /** The sum over all shards of the counter or gauge {@code key} (name plus label text), or 0. */
    public long total(String key) {
        long sum = 0;
        for (ShardMetrics s : shards) {
            for (ShardMetrics.Metric m : s.all()) {
                if (m.key().equals(key) && m.type() != MetricType.SUMMARY) {
                    sum += m.value();
                }
            }
        }
        return sum;
    }

    /** Per-shard values and totals of every counter and gauge, keyed by name plus labels. */
    public Map<String, long[]> valuesByKey() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (int i = 0; i < shards.length; i++) {
            for (ShardMetrics.Metric m : shards[i].all()) {
                if (m.type() == MetricType.SUMMARY) {
                    continue;
                }
                long[] v = out.computeIfAbsent(m.key(), k -> new long[shards.length + 1]);
                long x = m.value();
                v[i] += x;
                v[shards.length] += x;
            }
        }
        return out;
    }

    /**
     * The Prometheus text exposition format (version 0.0.4): every metric per shard with a
     * {@code shard} label, and its sum over shards with {@code shard="all"}.
     */
    public String toPrometheusText() {
        Map<String, List<Sample>> families = new LinkedHashMap<>();
        Map<String, ShardMetrics.Metric> meta = new LinkedHashMap<>();
        for (int i = 0; i < shards.length; i++) {
            for (ShardMetrics.Metric m : shards[i].all()) {
                meta.putIfAbsent(m.name(), m);
                families.computeIfAbsent(m.name(), k -> new ArrayList<>()).add(new Sample(i, m));
            }
        }
        StringBuilder sb = new StringBuilder();
        for (var e : families.entrySet()) {
            ShardMetrics.Metric first = meta.get(e.getKey());
            sb.append("# HELP ").append(first.name()).append(' ').append(escapeHelp(first.help())).append('\n');
            sb.append("# TYPE ").append(first.name()).append(' ').append(first.type().name().toLowerCase()).append('\n');
            Map<String, Object> totals = new LinkedHashMap<>();
            for (Sample s : e.getValue()) {
                String labels = labels(s.metric.labels(), String.valueOf(s.shard));
                String otherLabels = labels(s.metric.labels(), "all");
                if (s.metric.type() == MetricType.SUMMARY) {
                    Histogram.Snapshot h = ((Histogram) s.metric.instrument()).snapshot();
                    writeSummary(sb, first.name(), s.metric.labels(), String.valueOf(s.shard), h);
                    totals.merge(otherLabels, h, (a, b) -> ((Histogram.Snapshot) a).merge((Histogram.Snapshot) b));
                } else {
                    long v = s.metric.value();
                    sb.append(first.name()).append(labels).append(' ').append(v).append('\n');
                    totals.merge(otherLabels, v, (a, b) -> (Long) a + (Long) b);
                }
            }
            for (var t : totals.entrySet()) {
                if (t.getValue() instanceof Histogram.Snapshot h) {
                    List<String> l = e.getValue().stream().filter(s -> labels(s.metric.labels(), "all").equals(t.getKey()))
                            .findFirst().orElseThrow().metric.labels();
                    writeSummary(sb, first.name(), l, "all", h);
                } else {
                    sb.append(first.name()).append(t.getKey()).append(' ').append(t.getValue()).append('\n');
                }
            }
        }
        return sb.toString();
    }

    private static void writeSummary(StringBuilder sb, String name, List<String> labels, String shard, Histogram.Snapshot h) {
        for (double q : new double[] {0.5, 0.9, 0.99, 0.999}) {
            List<String> withQ = new ArrayList<>(labels);
            withQ.add("quantile");
            withQ.add(Double.toString(q));
            sb.append(name).append(labels(withQ, shard)).append(' ').append(h.quantile(q)).append('\n');
        }
        sb.append(name).append("_sum").append(labels(labels, shard)).append(' ').append(h.sum()).append('\n');
        sb.append(name).append("_count").append(labels(labels, shard)).append(' ').append(h.count()).append('\n');
    }

    private static String labels(List<String> pairs, String shard) {
        StringBuilder sb = new StringBuilder("{shard=\"").append(shard).append('"');
        for (int i = 0; i < pairs.size(); i += 2) {
            sb.append(',').append(pairs.get(i)).append("=\"").append(escapeLabelValue(pairs.get(i + 1))).append('"');
        }
        return sb.append('}').toString();
    }

    /** A HELP text as the exposition format wants it: backslash and line feed escaped. */
    static String escapeHelp(String help) {
        return help.replace("\\", "\\\\").replace("\n", "\\n");
    }

    /** A label value as the exposition format wants it: backslash, double quote and line feed escaped. */
    static String escapeLabelValue(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private record Sample(int shard, ShardMetrics.Metric metric) {
    }
}
