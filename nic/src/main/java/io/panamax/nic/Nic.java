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

    /** How a device delivers the link-layer multicast groups the stack listens to ({@link #setMulticastGroups}). */
    enum MulticastDelivery {
        /** The device filters: the listed groups (and broadcast) reach the stack, other multicast does not. */
        FILTERED,
        /**
         * The device refused the list (no filter, or too many groups for it) and delivers every
         * multicast frame instead (all-multicast); the Ethernet layer filters them.
         */
        ALL_MULTICAST,
        /**
         * The device has no multicast filter of its own and delivers every frame it is given (TAP,
         * the in-memory wire, a capture file); the Ethernet layer filters.
         */
        UNFILTERED,
        /** The device took neither the list nor all-multicast: multicast (IPv6 neighbour discovery) may not arrive. */
        REFUSED
    }

    /**
     * Sets the link-layer multicast groups the device delivers besides its own address and
     * broadcast, replacing the previous set: IPv6's all-nodes and solicited-node groups (RFC 4861
     * §7.2.1). Control path: may block on the device; call it off the shards. The default is a
     * device without a filter.
     *
     * @param groups 48-bit multicast MACs
     */
    default MulticastDelivery setMulticastGroups(long[] groups) {
        return MulticastDelivery.UNFILTERED;
    }

    /**
     * Buffer pools made of the device's own packet memory (DPDK mbufs), for
     * {@code Reactor.builder().bufferPools(...)}: packets the stack builds can then be handed to the
     * device without a copy. Empty for devices that read and write plain memory.
     */
    default Optional<BufferPoolFactory> deviceBufferPools() {
        return Optional.empty();
    }

    /**
     * Whether the TCP checksum and segmentation offloads of {@link #capabilities()} also take
     * IPv6 frames (the pseudo-header of RFC 8200 8.1, IPv6 super-segments). False by default:
     * a backend says so only when its transmit path knows IPv6 headers (TAP's virtio-net
     * {@code GSO_TCPV6}); over the others, TCP computes IPv6 checksums itself and sends no
     * super-segments.
     */
    default boolean ipv6TcpOffloads() {
        return false;
    }

    /** Totals over all queues (reads counters written by the shards). */
    default QueueTotals totals() {
        return QueueTotals.of(this);
    }

    /** Stops the device and frees what it holds; queues must no longer be polled. */
    @Override
    void close();
}
