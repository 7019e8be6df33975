package io.panamax.nic.tap;

import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.ShardMetrics;

/**
 * Why a TAP queue dropped or refused frames, one counter per reason. The generic
 * {@link io.panamax.nic.QueueStats} say how many frames failed ({@code rxErrors},
 * {@code txErrors}); these say why. Written by the queue's shard, readable anywhere.
 */
public final class TapCounters {
    /** Frames longer than a receive buffer: the kernel copied a prefix; dropped (also rxErrors). */
    public final Counter rxTruncated = new Counter();
    /** Frames shorter than an Ethernet header; dropped (also rxErrors). */
    public final Counter rxRunts = new Counter();
    /** {@code read} failures other than EAGAIN (also rxErrors). */
    public final Counter rxReadErrors = new Counter();
    /**
     * Receive bursts cut short because the shard's buffer pool was empty. Nothing is lost: the
     * frames wait in the device's kernel queue, which drops (and counts, in the kernel's tx_dropped
     * for the device) only when it is full.
     */
    public final Counter rxNoBuffer = new Counter();
    /** With offloads: frames whose virtio-net header asked for a checksum outside the frame; dropped (also rxErrors). */
    public final Counter rxBadHeader = new Counter();
    /** With offloads: super-segments the kernel handed over whole (GSO/GRO frames longer than the MTU). */
    public final Counter rxCoalesced = new Counter();
    /** With offloads and fillReceivedChecksums: checksums the kernel left to fill (NEEDS_CSUM), filled. */
    public final Counter rxChecksumsFilled = new Counter();
    /** With offloads: TCP super-segments handed to the kernel to cut (TSO). */
    public final Counter txSegmentationOffloaded = new Counter();
    /** With offloads: frames whose offload request did not fit the frame (not IPv4, too short); dropped (also txErrors). */
    public final Counter txBadOffload = new Counter();
    /** Frames refused because the device was down (EIO); dropped (also txErrors). */
    public final Counter txLinkDown = new Counter();
    /**
     * Frames the kernel refused as frames: shorter than an Ethernet header, too long, too many
     * fragments, memory it cannot read (EINVAL, EMSGSIZE, EFAULT); dropped (also txErrors).
     */
    public final Counter txRejected = new Counter();
    /** Other {@code write}/{@code writev} failures and short writes; dropped (also txErrors). */
    public final Counter txWriteErrors = new Counter();

    private volatile int lastErrno;

    /** The errno of the most recent failed read or write (0 if none): for diagnosis, not for control. */
    public int lastErrno() {
        return lastErrno;
    }

    void recordErrno(int errno) {
        lastErrno = errno;
    }

    /** Publishes the counters in a shard's metrics, labelled with the NIC and queue. */
    public void register(ShardMetrics metrics, String nic, int queue) {
        String q = Integer.toString(queue);
        reg(metrics, "tap_rx_truncated_total", "Frames longer than a receive buffer, dropped", rxTruncated, nic, q);
        reg(metrics, "tap_rx_runts_total", "Frames shorter than an Ethernet header, dropped", rxRunts, nic, q);
        reg(metrics, "tap_rx_read_errors_total", "read() failures on the TAP queue", rxReadErrors, nic, q);
        reg(metrics, "tap_rx_no_buffer_total", "Receive bursts cut short by an empty buffer pool", rxNoBuffer, nic, q);
        reg(metrics, "tap_rx_bad_header_total", "Frames with a virtio-net header that does not fit them, dropped", rxBadHeader, nic, q);
        reg(metrics, "tap_rx_coalesced_total", "Super-segments received whole (GSO/GRO)", rxCoalesced, nic, q);
        reg(metrics, "tap_rx_checksums_filled_total", "Checksums the kernel left undone, filled", rxChecksumsFilled, nic, q);
        reg(metrics, "tap_tx_segmentation_offloaded_total", "TCP super-segments the kernel cuts (TSO)", txSegmentationOffloaded, nic, q);
        reg(metrics, "tap_tx_bad_offload_total", "Frames whose offload request does not fit them, dropped", txBadOffload, nic, q);
        reg(metrics, "tap_tx_link_down_total", "Frames dropped because the device was down", txLinkDown, nic, q);
        reg(metrics, "tap_tx_rejected_total", "Frames the kernel refused (size, fragments, memory)", txRejected, nic, q);
        reg(metrics, "tap_tx_write_errors_total", "Other write failures on the TAP queue", txWriteErrors, nic, q);
    }

    private static void reg(ShardMetrics m, String name, String help, Counter c, String nic, String q) {
        m.gauge(name, help, c::get, "nic", nic, "queue", q);
    }
}
