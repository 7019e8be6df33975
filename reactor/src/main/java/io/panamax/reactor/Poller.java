package io.panamax.reactor;

/**
 * Work a shard polls on every iteration of its loop: typically a NIC queue pair. {@link #poll()}
 * runs at the start of an iteration (receive and process), {@link #flush()} at its end (send what
 * the iteration queued, as one burst).
 */
public interface Poller {

    /** Receives and processes what has arrived; returns how much work was done (0 when idle). */
    int poll();

    /** Sends what this iteration queued; returns how much work was done. */
    default int flush() {
        return 0;
    }

    /**
     * Whether work waits that another thread queued for this poller (a Netty event loop's task
     * queue): asked by the shard after it has announced that it parks, so that a producer that
     * saw it still running (and so did not unpark it) is not left waiting for the park's timeout.
     */
    default boolean hasPendingWork() {
        return false;
    }

    /**
     * Whether new work for this poller always ends the shard's idle wait by itself, so the shard
     * may wait past {@link IdlePolicy#maxParkNanos()} (up to {@link IdlePolicy#maxWaitNanos()})
     * without polling it: a NIC queue whose descriptor the shard's {@link IdleWaiter} watches.
     * False by default: such a poller is polled at least every {@code maxParkNanos}.
     */
    default boolean wakesIdleShard() {
        return false;
    }

    /**
     * Whether {@link #poll()} finds "nothing" without a system call (a ring in shared memory, a
     * queue in the heap), so that spinning on it while idle costs CPU only: a shard whose pollers
     * all say so spins for {@link IdlePolicy#waitSpinNanos()} before it waits on its devices. A
     * poller whose empty poll is a system call (a TAP queue's {@code read(2)}) says false, and the
     * shard then counts {@link IdlePolicy#waitSpinIterations()} only. True by default.
     */
    default boolean emptyPollIsCheap() {
        return true;
    }
}
