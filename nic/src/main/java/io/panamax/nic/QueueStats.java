package io.panamax.nic;

import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.ShardMetrics;

/**
 * The counters of one queue pair, written by the shard that polls it and readable anywhere.
 * Backends count what they see; the names follow the Prometheus conventions.
 */
public final class QueueStats {
    public final Counter rxPackets = new Counter();
    public final Counter rxBytes = new Counter();
    /** Frames the device or backend dropped before the stack saw them (no buffer, ring full). */
    public final Counter rxDrops = new Counter();
    /** Frames received in error (truncated, bad CRC, read errors). */
    public final Counter rxErrors = new Counter();
    public final Counter txPackets = new Counter();
    public final Counter txBytes = new Counter();
    /** Frames the stack sent that the device refused and were dropped (ring full after retries). */
    public final Counter txDrops = new Counter();
    public final Counter txErrors = new Counter();

    /** Publishes these counters in a shard's metrics, labelled with the NIC and queue. */
    public void register(ShardMetrics metrics, String nic, int queue) {
        String q = Integer.toString(queue);
        reg(metrics, "nic_rx_packets_total", "Frames received", rxPackets, nic, q);
        reg(metrics, "nic_rx_bytes_total", "Bytes received", rxBytes, nic, q);
        reg(metrics, "nic_rx_drops_total", "Frames dropped on receive before the stack saw them", rxDrops, nic, q);
        reg(metrics, "nic_rx_errors_total", "Frames received in error", rxErrors, nic, q);
        reg(metrics, "nic_tx_packets_total", "Frames sent", txPackets, nic, q);
        reg(metrics, "nic_tx_bytes_total", "Bytes sent", txBytes, nic, q);
        reg(metrics, "nic_tx_drops_total", "Frames dropped on transmit (device ring full)", txDrops, nic, q);
        reg(metrics, "nic_tx_errors_total", "Frames that failed to transmit", txErrors, nic, q);
    }

    private static void reg(ShardMetrics m, String name, String help, Counter c, String nic, String q) {
        m.gauge(name, help, c::get, "nic", nic, "queue", q);
    }
}
