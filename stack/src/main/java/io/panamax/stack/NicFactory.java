package io.panamax.stack;

import io.panamax.nic.Nic;

/**
 * Opens the NIC a stack runs on, asking for one queue pair per shard; the backend may grant fewer
 * (then the stack steers in software). Implemented by each backend's configuration.
 */
@FunctionalInterface
public interface NicFactory {
    Nic open(int queuesWanted) throws Exception;

    /** A NIC that is already open (its queue count is what it is). */
    static NicFactory of(Nic nic) {
        return q -> nic;
    }
}
