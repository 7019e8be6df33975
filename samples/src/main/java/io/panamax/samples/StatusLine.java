package io.panamax.samples;

import io.panamax.nic.QueueTotals;

import java.util.Locale;
import java.util.Map;

/**
 * The echo sample's live status line: HTTP requests per second and open connections, frames per
 * second each way, and the drops counted so far (every {@code *_drops_total} of every layer); when
 * shards sleep on their NIC queues' descriptors (TAP, DPDK net_af_xdp), how often they did so far
 * and how many of those sleeps a frame ended.
 */
final class StatusLine {
    private StatusLine() {
    }

    /** What the line is computed from, at one moment. */
    record Sample(long rxPackets, long txPackets, long requests, long connections, long drops,
                  long descriptorWaits, long descriptorWakes) {
        /** From the NIC's totals and {@code MetricsRegistry.valuesByKey()} (the last value of each is the sum over shards). */
        static Sample of(QueueTotals nic, Map<String, long[]> metrics) {
            long requests = 0;
            long connections = 0;
            long drops = 0;
            long waits = 0;
            long wakes = 0;
            for (var e : metrics.entrySet()) {
                String key = e.getKey();
                long total = e.getValue()[e.getValue().length - 1];
                if (key.startsWith("http_requests_total{")) {
                    requests += total;
                } else if (key.equals("http_connections_open")) {
                    connections = total;
                } else if (key.contains("drops_total")) {
                    drops += total;
                } else if (key.equals("nic_idle_descriptor_waits_total")) {
                    waits = total;
                } else if (key.equals("nic_idle_descriptor_wakes_total")) {
                    wakes = total;
                }
            }
            return new Sample(nic.rxPackets(), nic.txPackets(), requests, connections, drops, waits, wakes);
        }
    }

    static String format(Sample a, Sample b, double seconds, boolean http) {
        String frames = String.format(Locale.ROOT, "rx %.0f pkt/s  tx %.0f pkt/s  drops %d",
                (b.rxPackets() - a.rxPackets()) / seconds, (b.txPackets() - a.txPackets()) / seconds, b.drops());
        if (b.descriptorWaits() > 0) {
            frames += String.format(Locale.ROOT, "  |  idle: %d waits on NIC descriptors, %d ended by a frame",
                    b.descriptorWaits(), b.descriptorWakes());
        }
        if (!http) {
            return frames;
        }
        return String.format(Locale.ROOT, "http %.0f req/s  %d conn  |  ", (b.requests() - a.requests()) / seconds,
                b.connections()) + frames;
    }
}
