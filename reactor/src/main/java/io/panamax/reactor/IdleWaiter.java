package io.panamax.reactor;

import java.util.concurrent.locks.LockSupport;

/**
 * How an idle shard sleeps and how other threads wake it: the shard's half of the park/wake
 * protocol, chosen per shard ({@link Shard#idleWaiter(IdleWaiter)}).
 *
 * <p>The default parks the thread ({@link LockSupport}). A shard whose NIC queues have file
 * descriptors (TAP) gets one from the NIC layer that sleeps in {@code ppoll(2)} on those
 * descriptors and an eventfd, so that a frame from the kernel wakes it as promptly as another
 * thread's {@link #wake()} does, and it need not spin on empty reads to notice one.
 *
 * <p>The contract the shard relies on (Dekker with its parked flag, see {@link Shard}): a
 * {@link #wake()} that happens before {@link #await} makes that {@code await} return at once, the
 * way an {@code unpark} before {@code park} does; {@code await} may also return early for no
 * reason. Wakers call {@code wake()} only after seeing the shard's parked flag raised, so a
 * running shard costs them no system call.
 */
public interface IdleWaiter extends AutoCloseable {

    /**
     * On the shard's thread: sleeps until {@link #wake()} (earlier or now), something the waiter
     * watches becomes ready, or {@code maxNanos} pass. Never throws: a waiter that cannot wait
     * sleeps blind for {@code maxNanos}.
     */
    void await(long maxNanos);

    /** Any thread: ends the current {@link #await}, or the next one if none is under way. */
    void wake();

    /**
     * Whether {@link #await} also returns when a frame arrives on the shard's devices (it waits
     * on their descriptors): the shard then spins only briefly before waiting
     * ({@link IdlePolicy#waitSpinIterations()}, and {@link IdlePolicy#waitSpinNanos()} when every
     * poller's empty poll is cheap).
     */
    default boolean watchesDevices() {
        return false;
    }

    /** Frees what the waiter holds; the shard calls it when its thread ends. */
    @Override
    default void close() {
    }

    /** The default waiter: {@link LockSupport#parkNanos} on {@code thread}, woken by {@code unpark}. */
    static IdleWaiter parking(Thread thread) {
        return new IdleWaiter() {
            @Override
            public void await(long maxNanos) {
                LockSupport.parkNanos(this, maxNanos);
            }

            @Override
            public void wake() {
                LockSupport.unpark(thread);
            }

            @Override
            public String toString() {
                return "parking";
            }
        };
    }
}
