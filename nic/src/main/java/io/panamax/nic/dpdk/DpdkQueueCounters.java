package io.panamax.nic.dpdk;

import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.ShardMetrics;

/**
 * What a {@link DpdkQueue} counts beyond {@link io.panamax.nic.QueueStats}: each drop under its
 * reason, and how frames crossed (zero-copy or copied). Written by the polling shard only.
 */
public final class DpdkQueueCounters {
    /** Received mbufs with impossible fields (data outside the buffer, a broken chain): dropped. */
    public final Counter rxMalformedDrops = new Counter();
    /** Received mbufs of another pool that could not be copied for lack of buffers: dropped. */
    public final Counter rxNoBufferDrops = new Counter();
    /** Received mbufs of another pool (or with external data), copied into this queue's buffers. */
    public final Counter rxCopied = new Counter();
    /** Frames sent straight from the stack's buffer. */
    public final Counter txZeroCopy = new Counter();
    /** Frames gathered (copied) into fresh mbufs: several fragments, or not an mbuf of this queue. */
    public final Counter txCopied = new Counter();
    /** Empty frames: dropped. */
    public final Counter txEmptyDrops = new Counter();
    /** Frames longer than one mbuf on a device that cannot send chains, or than 65535 bytes: dropped. */
    public final Counter txOversizeDrops = new Counter();
    /** Frames asking for checksums that are not IPv4 packets long enough to carry them: dropped. */
    public final Counter txBadOffloadDrops = new Counter();
    /**
     * Receive bursts that brought at least one frame: frames per burst is what a receive-side
     * coalescing (DPDK's GRO library works within one burst) could merge at most.
     */
    public final Counter rxBursts = new Counter();
    /** TCP super-segments handed to the device to cut ({@code RTE_MBUF_F_TX_TCP_SEG}). */
    public final Counter txSegmentationOffloaded = new Counter();
    /** TCP super-segments that would make more segments than the driver can cut at once: dropped. */
    public final Counter txTooManySegmentsDrops = new Counter();
    /** Bursts cut short because no mbuf was free for a copy (the frames wait, nothing is lost). */
    public final Counter txNoMbufStalls = new Counter();

    /** Publishes the counters in a shard's metrics, labelled with the NIC, queue and reason. */
    public void register(ShardMetrics m, String nic, int queue) {
        String q = Integer.toString(queue);
        String drops = "Frames the DPDK backend dropped, by reason";
        m.gauge("nic_dpdk_rx_drops_total", drops, rxMalformedDrops::get, "nic", nic, "queue", q, "reason", "malformed");
        m.gauge("nic_dpdk_rx_drops_total", drops, rxNoBufferDrops::get, "nic", nic, "queue", q, "reason", "no_buffer");
        m.gauge("nic_dpdk_tx_drops_total", drops, txEmptyDrops::get, "nic", nic, "queue", q, "reason", "empty");
        m.gauge("nic_dpdk_tx_drops_total", drops, txOversizeDrops::get, "nic", nic, "queue", q, "reason", "oversize");
        m.gauge("nic_dpdk_tx_drops_total", drops, txBadOffloadDrops::get, "nic", nic, "queue", q, "reason", "bad_offload");
        m.gauge("nic_dpdk_tx_drops_total", drops, txTooManySegmentsDrops::get, "nic", nic, "queue", q, "reason",
                "tso_segments");
        m.gauge("nic_dpdk_rx_bursts_total", "Receive bursts that brought frames", rxBursts::get, "nic", nic, "queue", q);
        m.gauge("nic_dpdk_tx_tso_total", "TCP super-segments the device was asked to cut", txSegmentationOffloaded::get,
                "nic", nic, "queue", q);
        m.gauge("nic_dpdk_rx_copied_total", "Received frames copied out of foreign mbufs", rxCopied::get,
                "nic", nic, "queue", q);
        m.gauge("nic_dpdk_tx_frames_total", "Frames sent, by path", txZeroCopy::get, "nic", nic, "queue", q,
                "path", "zero_copy");
        m.gauge("nic_dpdk_tx_frames_total", "Frames sent, by path", txCopied::get, "nic", nic, "queue", q,
                "path", "copied");
        m.gauge("nic_dpdk_tx_no_mbuf_stalls_total", "Transmit bursts cut short for lack of mbufs",
                txNoMbufStalls::get, "nic", nic, "queue", q);
    }
}
