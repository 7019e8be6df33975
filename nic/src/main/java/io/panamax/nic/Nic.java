package io.panamax.nic;

import io.panamax.reactor.BufferPoolFactory;

import java.util.Optional;

/**
 * A network interface as the stack sees it: one or more queue pairs (one per shard), a MAC, an
 * MTU, offload capabilities and statistics. Backends: DPDK ports, Linux TAP devices, the in-memory
 * wire, pcap files; {@link io.panamax.nic.capture.CapturingNic} decorates any of them.
 *
 * <p>Queue {@code i} is polled by one shard only. The {@code Nic} object itself is set up and
 * closed from outside the shards.
 */
public interface Nic extends AutoCloseable {

    /** A name for logs and metrics: {@code "tap:pmx0"}, {@code "dpdk:0"}. */
    String name();

    MacAddress mac();

    /** The largest IP datagram a frame carries (1500 on Ethernet). */
    int mtu();

    boolean linkUp();

    NicCapabilities capabilities();

    /** Queue pairs configured (at most {@link NicCapabilities#maxQueues()}). */
    int queueCount();

    NicQueue queue(int id);

    /** Control of the device's receive-side scaling, when it has any. */
    default Optional<RssControl> rss() {
        return Optional.empty();
    }

    /**
     * Buffer pools made of the device's own packet memory (DPDK mbufs), for
     * {@code Reactor.builder().bufferPools(...)}: packets the stack builds can then be handed to the
     * device without a copy. Empty for devices that read and write plain memory.
     */
    default Optional<BufferPoolFactory> deviceBufferPools() {
        return Optional.empty();
    }

    /** Totals over all queues (reads counters written by the shards). */
    default QueueTotals totals() {
        return QueueTotals.of(this);
    }

    /** Stops the device and frees what it holds; queues must no longer be polled. */
    @Override
    void close();
}
