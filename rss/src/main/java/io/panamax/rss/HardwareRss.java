package io.panamax.rss;

import io.panamax.nic.RssControl;

import java.util.Objects;
import java.util.Set;

/**
 * Programs a NIC's receive-side scaling from the stack's steering, and reads steering back from
 * a NIC, through the device's {@link RssControl}. Both run on the control plane, before the
 * shards start or between reconfigurations, never on the data path.
 */
public final class HardwareRss {
    private HardwareRss() {
    }

    /**
     * Installs the key and redirection table of a {@linkplain FlowSteering.Mode#HARDWARE hardware}
     * steering on the device, so that the device sends each flow to the queue the steering
     * predicts.
     *
     * @throws IllegalArgumentException when {@code steering} is software steering
     */
    public static void configure(RssControl device, FlowSteering steering) {
        Objects.requireNonNull(device, "device");
        if (steering.mode() != FlowSteering.Mode.HARDWARE) {
            throw new IllegalArgumentException("only hardware steering is installed on a device, this is " + steering);
        }
        requireTcpHashing(device.hashTypes());
        device.setKey(steering.toeplitz().key());
        device.setRedirectionTable(steering.redirectionTable().toArray());
    }

    /**
     * The steering a device does now: its key and table, queue {@code q} polled by shard
     * {@code q mod shards}.
     *
     * @param queues the device's configured receive queues (every table entry must name one)
     * @throws IllegalArgumentException when the device does not hash TCP by ports, its table names
     *                                  a queue it does not have, or it has fewer queues than shards
     */
    public static FlowSteering steering(RssControl device, int queues, int shards) {
        Objects.requireNonNull(device, "device");
        requireTcpHashing(device.hashTypes());
        return FlowSteering.hardware(Toeplitz.of(device.key()), RedirectionTable.of(device.redirectionTable(), queues), shards);
    }

    /**
     * Local-port choice predicts the 4-tuple hash of TCP replies; a device that hashes TCP by
     * addresses only would send every connection to one remote host to the same queue.
     */
    private static void requireTcpHashing(Set<RssControl.HashType> types) {
        if (!types.contains(RssControl.HashType.IPV4_TCP)) {
            throw new IllegalArgumentException("the device does not hash IPv4/TCP by ports (hash types " + types
                    + "): replies could not be steered to the connecting shard");
        }
    }
}
