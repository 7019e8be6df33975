package io.panamax.nic.wire;

import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.ShardMetrics;

/**
 * What the wire did to the frames sent on one queue, written by the shard that transmits on it
 * and readable anywhere. A frame the wire drops is counted once, under the first reason that
 * applied; {@link WireStats} sums these over the queues of a direction.
 */
public final class WireCounters {
    /** Frames lost at random ({@link Impairments#lossRate()}). */
    public final Counter lost = new Counter();
    /** Frames delivered twice. */
    public final Counter duplicated = new Counter();
    /** Frames held back that later frames overtook. */
    public final Counter reordered = new Counter();
    /** Frames with flipped bits. */
    public final Counter corrupted = new Counter();
    /** Frames given a delay (fixed or jitter). */
    public final Counter delayed = new Counter();
    /** Frames dropped because the rate limiter's queue was full. */
    public final Counter rateLimited = new Counter();
    /** Frames longer than the MTU allows (dropped; also the sender's {@code txErrors}). */
    public final Counter oversize = new Counter();
    /** Frames shorter than an Ethernet header (dropped; also the sender's {@code txErrors}). */
    public final Counter runt = new Counter();
    /** Frames dropped because the receiving ring was full (also the sender's {@code txDrops}). */
    public final Counter ringFull = new Counter();
    /** Frames dropped because the steering threw on them (also the sender's {@code txErrors}). */
    public final Counter steeringFailed = new Counter();

    /** Publishes these counters in a shard's metrics, labelled with the NIC and queue. */
    public void register(ShardMetrics metrics, String nic, int queue) {
        String q = Integer.toString(queue);
        reg(metrics, "lost", "Frames lost at random on the wire", lost, nic, q);
        reg(metrics, "ring_full", "Frames dropped because the peer's receive ring was full", ringFull, nic, q);
        reg(metrics, "rate_limited", "Frames dropped by the wire's rate limiter", rateLimited, nic, q);
        reg(metrics, "oversize", "Frames longer than the wire's MTU", oversize, nic, q);
        reg(metrics, "runt", "Frames shorter than an Ethernet header", runt, nic, q);
        reg(metrics, "steering_failed", "Frames the receive steering failed on", steeringFailed, nic, q);
        metrics.gauge("wire_duplicated_total", "Frames the wire delivered twice", duplicated::get, "nic", nic, "queue", q);
        metrics.gauge("wire_reordered_total", "Frames the wire delivered after later ones", reordered::get, "nic", nic, "queue", q);
        metrics.gauge("wire_corrupted_total", "Frames the wire flipped bits in", corrupted::get, "nic", nic, "queue", q);
        metrics.gauge("wire_delayed_total", "Frames the wire delayed", delayed::get, "nic", nic, "queue", q);
    }

    private static void reg(ShardMetrics m, String reason, String help, Counter c, String nic, String q) {
        m.gauge("wire_dropped_total", help, c::get, "nic", nic, "queue", q, "reason", reason);
    }
}
