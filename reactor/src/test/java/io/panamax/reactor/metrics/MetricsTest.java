package io.panamax.reactor.metrics;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Per-shard counters and histograms, summed when read; the Prometheus text they render to. */
class MetricsTest {

    @Test
    void countersAreSummedAcrossShardsWhenRead() {
        MetricsRegistry reg = new MetricsRegistry(3);
        for (int i = 0; i < 3; i++) {
            Counter c = reg.shard(i).counter("drops_total", "Dropped frames", "reason", "checksum");
            c.add(10 * (i + 1));
            c.increment();
            reg.shard(i).counter("drops_total", "Dropped frames", "reason", "short").add(i);
            reg.shard(i).gauge("queue_depth", "Depth", () -> 5);
        }
        assertEquals(63, reg.total("drops_total{reason=\"checksum\"}"));
        assertEquals(3, reg.total("drops_total{reason=\"short\"}"));
        assertEquals(15, reg.total("queue_depth"));
        assertEquals(0, reg.total("no_such_metric"));
        Map<String, long[]> byKey = reg.valuesByKey();
        assertArrayEquals(new long[] {11, 21, 31, 63}, byKey.get("drops_total{reason=\"checksum\"}"));
        assertArrayEquals(new long[] {0, 1, 2, 3}, byKey.get("drops_total{reason=\"short\"}"));
        assertEquals(3, reg.shardCount());
    }

    @Test
    void registeringTheSameMetricAgainReturnsTheSameInstrument() {
        ShardMetrics m = new ShardMetrics(0);
        Counter a = m.counter("x_total", "help");
        assertSame(a, m.counter("x_total", "other help"));
        Histogram h = m.histogram("lat_ns", "help", "op", "read");
        assertSame(h, m.histogram("lat_ns", "help", "op", "read"));
        assertThrows(IllegalArgumentException.class, () -> m.histogram("x_total", "help"), "same name, other type");
        assertThrows(IllegalArgumentException.class, () -> m.counter("y_total", "help", "odd"), "labels come in pairs");
        assertThrows(IllegalArgumentException.class, () -> m.counter("bad name", "help"), "not a Prometheus name");
        assertThrows(IllegalArgumentException.class, () -> m.counter("ok_total", "help", "bad-label", "v"));
        assertEquals(2, m.all().size());
        assertEquals(0, m.shard());
    }

    @Test
    void aCounterReadFromAnotherThreadOnlyMovesForward() throws Exception {
        Counter c = new Counter();
        int n = 5_000_000;
        Thread writer = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                c.increment();
            }
        });
        writer.start();
        long last = 0;
        while (writer.isAlive()) {
            long v = c.get();
            assertTrue(v >= last, "went back from " + last + " to " + v);
            last = v;
        }
        writer.join();
        assertEquals(n, c.get());
    }

    @Test
    void smallValuesAreExactAndLargeOnesWithinASixteenth() {
        Histogram h = new Histogram();
        for (long v = 0; v < 16; v++) {
            assertEquals(v, Histogram.lowerBound(Histogram.index(v)));
        }
        Random rnd = new Random(5);
        for (int i = 0; i < 100_000; i++) {
            long v = (rnd.nextLong() >>> 1) >>> rnd.nextInt(63);
            long lb = Histogram.lowerBound(Histogram.index(v));
            assertTrue(lb <= v && v - lb <= v / 16, v + " in a bucket from " + lb);
        }
        h.record(Long.MAX_VALUE);
        h.record(-5); // counted as 0
        assertEquals(2, h.count());
        assertEquals(Long.MAX_VALUE, h.max());
        assertEquals(0, h.snapshot().quantile(0.5));
    }

    @Test
    void quantilesAreWithinTheDocumentedError() {
        Random rnd = new Random(11);
        for (String dist : List.of("uniform", "exponential", "bimodal", "constant")) {
            Histogram h = new Histogram();
            int n = 200_000;
            long[] values = new long[n];
            for (int i = 0; i < n; i++) {
                long v = switch (dist) {
                    case "uniform" -> 1 + rnd.nextInt(1_000_000);
                    case "exponential" -> (long) (-Math.log(1 - rnd.nextDouble()) * 50_000);
                    case "bimodal" -> rnd.nextBoolean() ? 1_000 + rnd.nextInt(100) : 5_000_000 + rnd.nextInt(100_000);
                    default -> 12_345;
                };
                values[i] = v;
                h.record(v);
            }
            Arrays.sort(values);
            Histogram.Snapshot s = h.snapshot();
            assertEquals(n, s.count());
            assertEquals(values[n - 1], s.max());
            assertEquals(Arrays.stream(values).sum(), s.sum());
            assertEquals((double) s.sum() / n, s.mean(), 1e-6);
            for (double q : new double[] {0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0}) {
                long exact = values[Math.max(0, (int) Math.ceil(q * n) - 1)];
                long est = s.quantile(q);
                // The documented error: the estimate is the bucket's lower bound, at most 1/16 below.
                assertTrue(est <= exact && exact - est <= exact / 16,
                        dist + " q" + q + ": estimated " + est + ", exact " + exact);
            }
        }
        assertEquals(0, Histogram.Snapshot.empty().quantile(0.5));
        assertEquals(0, Histogram.Snapshot.empty().mean());
    }

    @Test
    void snapshotsMergeIntoTheHistogramOfAllValues() {
        Histogram a = new Histogram();
        Histogram b = new Histogram();
        Histogram all = new Histogram();
        Random rnd = new Random(2);
        for (int i = 0; i < 10_000; i++) {
            long v = rnd.nextInt(1 << 20);
            (i % 3 == 0 ? a : b).record(v);
            all.record(v);
        }
        assertEquals(all.snapshot(), a.snapshot().merge(b.snapshot()));
        assertEquals(all.snapshot().hashCode(), a.snapshot().merge(b.snapshot()).hashCode());
        assertEquals(all.snapshot(), Histogram.Snapshot.empty().merge(all.snapshot()));
    }

    // ---- the Prometheus text format ------------------------------------------------------------

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") ((?:[^\\\\\\n]|\\\\\\\\|\\\\n)*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|summary|histogram|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(.*)\\})? (-?[0-9.eE+]+|NaN|[+-]Inf)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\\\\\|\\\\\"|\\\\n)*)\"(,|$)");

    /** One sample: its family, name, labels and value. */
    private record Sample(String family, String name, Map<String, String> labels, double value) {
    }

    /** Parses exposition text strictly; fails the test on any line the format does not allow. */
    private static List<Sample> parse(String text) {
        assertTrue(text.endsWith("\n"), "ends with a line feed");
        List<Sample> out = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        Set<String> helped = new HashSet<>();
        Set<String> series = new HashSet<>();
        Set<String> closedFamilies = new HashSet<>();
        String family = null;
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                assertTrue(helped.add(m.group(1)), "one HELP per family: " + line);
                switchFamily(m.group(1), family, closedFamilies);
                family = m.group(1);
            } else if ((m = TYPE.matcher(line)).matches()) {
                assertTrue(types.put(m.group(1), m.group(2)) == null, "one TYPE per family: " + line);
                assertEquals(family, m.group(1), "TYPE follows its HELP");
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                String name = m.group(1);
                assertTrue(family != null && types.containsKey(family), "sample before its TYPE: " + line);
                boolean summary = types.get(family).equals("summary");
                assertTrue(name.equals(family) || summary && (name.equals(family + "_sum") || name.equals(family + "_count")),
                        "sample " + name + " outside its family " + family);
                Map<String, String> labels = new LinkedHashMap<>();
                if (m.group(3) != null) {
                    Matcher l = LABEL.matcher(m.group(3));
                    int at = 0;
                    while (at < m.group(3).length()) {
                        assertTrue(l.find(at) && l.start() == at, "bad labels in: " + line);
                        assertTrue(labels.put(l.group(1), unescape(l.group(2))) == null, "label twice: " + line);
                        at = l.end();
                    }
                }
                if (summary && name.equals(family)) {
                    assertTrue(labels.containsKey("quantile"), "a summary sample has a quantile: " + line);
                }
                assertTrue(series.add(name + labels), "duplicate series: " + line);
                out.add(new Sample(family, name, labels, Double.parseDouble(m.group(4))));
            } else {
                fail("not a line of the Prometheus text format: [" + line + "]");
            }
        }
        return out;
    }

    private static void switchFamily(String next, String current, Set<String> closed) {
        if (current != null) {
            closed.add(current);
        }
        assertTrue(!closed.contains(next), "family " + next + " appears twice, not grouped");
    }

    private static String unescape(String s) {
        return s.replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\");
    }

    @Test
    void prometheusTextIsWellFormedAndTotalsAreTheSumOfShards() {
        MetricsRegistry reg = new MetricsRegistry(2);
        for (int i = 0; i < 2; i++) {
            ShardMetrics m = reg.shard(i);
            m.counter("frames_total", "Frames seen", "dir", "rx").add(100 + i);
            m.counter("frames_total", "Frames seen", "dir", "tx").add(7);
            int g = i;
            m.gauge("connections", "Open connections", () -> 3 + g);
            Histogram h = m.histogram("rtt_nanoseconds", "Round-trip time", "peer", "a");
            for (int k = 1; k <= 1000; k++) {
                h.record(k * 1000L * (i + 1));
            }
        }
        List<Sample> samples = parse(reg.toPrometheusText());
        Map<String, Double> byKey = new HashMap<>();
        for (Sample s : samples) {
            byKey.put(s.name() + s.labels(), s.value());
        }
        assertEquals(201.0, byKey.get("frames_total{shard=all, dir=rx}"));
        assertEquals(100.0, byKey.get("frames_total{shard=0, dir=rx}"));
        assertEquals(14.0, byKey.get("frames_total{shard=all, dir=tx}"));
        assertEquals(7.0, byKey.get("connections{shard=all}"));
        assertEquals(2000.0, byKey.get("rtt_nanoseconds_count{shard=all, peer=a}"));
        assertEquals(1000.0, byKey.get("rtt_nanoseconds_count{shard=1, peer=a}"));
        double sum0 = byKey.get("rtt_nanoseconds_sum{shard=0, peer=a}");
        double sum1 = byKey.get("rtt_nanoseconds_sum{shard=1, peer=a}");
        assertEquals(sum0 + sum1, byKey.get("rtt_nanoseconds_sum{shard=all, peer=a}"));
        double p99all = byKey.get("rtt_nanoseconds{shard=all, peer=a, quantile=0.99}");
        // The 1980th of the 2000 values of both shards is shard 1's 980th, 1,960,000.
        assertTrue(p99all >= 1_960_000 * 15.0 / 16 && p99all <= 1_960_000, "p99 over both shards: " + p99all);
        for (String family : List.of("frames_total", "connections", "rtt_nanoseconds")) {
            assertTrue(samples.stream().anyMatch(s -> s.family().equals(family)), family);
        }
    }

    @Test
    void helpTextsAndLabelValuesAreEscaped() {
        MetricsRegistry reg = new MetricsRegistry(1);
        reg.shard(0).counter("odd_total", "Help with a \\ backslash\nand a second line", "path", "C:\\dir \"quoted\"\nnext")
                .increment();
        String text = reg.toPrometheusText();
        List<Sample> samples = parse(text);
        assertTrue(text.contains("# HELP odd_total Help with a \\\\ backslash\\nand a second line\n"), text);
        assertEquals("C:\\dir \"quoted\"\nnext", samples.getFirst().labels().get("path"));
        assertEquals(2, samples.size());
    }

    @Test
    void theReactorsOwnMetricsRenderWellFormed() {
        try (io.panamax.reactor.Reactor r = io.panamax.reactor.Reactor.builder().shards(2).manual()
                .clock(new io.panamax.reactor.ManualClock()).buffersPerShard(4).build().start()) {
            r.runOn(0, () -> r.shard(0).metrics().histogram("test_latency_nanoseconds", "A test histogram").record(5));
            List<Sample> samples = parse(r.metrics().toPrometheusText());
            assertTrue(samples.stream().anyMatch(s -> s.name().equals("reactor_buffers_capacity")
                    && s.labels().equals(Map.of("shard", "all")) && s.value() == 8));
            assertTrue(samples.stream().anyMatch(s -> s.name().equals("test_latency_nanoseconds_count")));
        }
    }
}
