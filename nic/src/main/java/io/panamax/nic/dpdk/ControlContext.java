package io.panamax.nic.dpdk;

import java.util.concurrent.Callable;

/**
 * Where a {@link DpdkNic} runs its control-path calls (probe, configure, start, link and MTU
 * queries, close). Some drivers act in the calling thread's context: the TAP driver creates its
 * netdev, and later finds it by name through sockets, in the network namespace of the calling
 * thread. Pass {@code namespace::callInside} (see
 * {@link io.panamax.nic.linux.NetworkNamespace#callInside}) to keep all of them inside one.
 */
@FunctionalInterface
public interface ControlContext {
    /** Runs the calls on the calling thread, as they are. */
    ControlContext DIRECT = Callable::call;

    <T> T call(Callable<T> action) throws Exception;
}
