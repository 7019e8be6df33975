package io.panamax.nic;

import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;

/**
 * One receive/transmit queue pair of a {@link Nic}, polled by exactly one shard. Bursts move
 * packets without copying where the device allows; ownership moves with them.
 */
public interface NicQueue {

    int id();

    /**
     * Binds the queue to the calling shard before its first poll: received packets are wrapped in
     * packets from {@code packets} (and, unless the device brings its own memory, stored in
     * buffers from {@code packets.buffers()}).
     */
    void attach(PacketPool packets);

    /**
     * Receives up to {@code max} frames into {@code out[0..n)} and returns {@code n}. The caller
     * owns the packets. Never blocks.
     */
    int receive(Packet[] out, int max);

    /**
     * Offers {@code packets[0..count)} for transmission and returns how many the device took, from
     * the front; it owns (and will release) those, the caller keeps the rest. Never blocks.
     */
    int transmit(Packet[] packets, int count);

    QueueStats stats();

    /**
     * Unbinds the queue from its shard, on that shard, once it will be polled no more: buffers the
     * queue keeps ready for the next receive go back to the shard's pool (so the pools are full
     * again when the stack checks them for leaks). Does nothing for queues that keep none.
     */
    default void detach() {
    }

    /**
     * A file descriptor that {@code poll(2)} reports readable when {@link #receive} would find a
     * frame (a TAP queue's {@code /dev/net/tun} file, a DPDK net_af_xdp queue's AF_XDP socket), or
     * -1 if the device has none (DPDK's other drivers, the in-memory wire, pcap) or is closed: an idle shard sleeps on it instead of spinning on empty
     * receives ({@link NicPoller#waitOnDescriptor()}).
     */
    default int readyDescriptor() {
        return -1;
    }

    /**
     * Whether a {@link #receive} that finds nothing makes no system call (a DPDK driver reading its
     * ring in shared memory), so an idle shard may spin on it for a few tens of microseconds
     * ({@link io.panamax.reactor.IdlePolicy#waitSpinNanos()}) before it sleeps on
     * {@link #readyDescriptor()}. False by default, and for TAP (each empty receive is a
     * {@code read(2)}).
     */
    default boolean emptyPollIsCheap() {
        return false;
    }
}
