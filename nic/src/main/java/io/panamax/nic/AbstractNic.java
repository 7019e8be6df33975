package io.panamax.nic;

/**
 * What most devices keep the same way: a name, a MAC and an MTU given when the device is opened,
 * and an array of queue pairs indexed by queue number. A backend extends it and writes only what
 * is its own (link state, capabilities, closing). TAP, whose MTU is asked of the kernel at each
 * call, implements {@link Nic} directly; decorators extend {@link ForwardingNic}.
 *
 * @param <Q> the backend's queue type, which {@link #queue(int)} answers
 */
public abstract class AbstractNic<Q extends NicQueue> implements Nic {
    private final String name;
    private final MacAddress mac;
    /** Volatile: a device may change it on the control path while shards read it. */
    private volatile int mtu;
    private Q[] queues;

    /**
     * @param queues the queue pairs, or null if the subclass makes them later ({@link #setQueues})
     */
    protected AbstractNic(String name, MacAddress mac, int mtu, Q[] queues) {
        this.name = name;
        this.mac = mac;
        this.mtu = mtu;
        this.queues = queues;
    }

    /** For queues made after the device (they point back at it): called once, before any is polled. */
    protected final void setQueues(Q[] queues) {
        this.queues = queues;
    }

    /** The device's MTU changed (set on the device, read back). */
    protected final void mtuChanged(int mtu) {
        this.mtu = mtu;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final MacAddress mac() {
        return mac;
    }

    @Override
    public final int mtu() {
        return mtu;
    }

    @Override
    public final int queueCount() {
        return queues.length;
    }

    @Override
    public final Q queue(int id) {
        if (id < 0 || id >= queues.length) {
            throw new IndexOutOfBoundsException(name + " has " + queues.length + " queue(s), not queue " + id);
        }
        return queues[id];
    }
}
