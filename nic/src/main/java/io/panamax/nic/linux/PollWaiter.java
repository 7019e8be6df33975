package io.panamax.nic.linux;

import io.panamax.reactor.IdleWaiter;
import io.panamax.reactor.Shard;
import io.panamax.reactor.metrics.Counter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * An {@link IdleWaiter} that sleeps in {@code ppoll(2)} on the shard's NIC queue descriptors and an
 * {@link EventFd}: a frame from the kernel wakes the shard as soon as another thread's
 * {@link #wake()} (which rings the eventfd) does, so the shard need not spin on empty reads to
 * notice frames, nor sleep blind for a fixed time.
 *
 * <p>The wake protocol: the shard raises its parked flag, looks for work once more, then calls
 * {@link #await}; a waker that saw the flag writes the eventfd. A write before the {@code ppoll}
 * leaves the counter non-zero, so the {@code ppoll} returns at once: no wake is lost. The counter
 * is drained only after {@code ppoll} said it was readable, so a running shard pays nothing.
 *
 * <p>One per shard ({@link #of(Shard)}), installed as its waiter for the rest of the thread's life
 * (the shard closes it when its thread ends): descriptors come and go with {@link #watch} and
 * {@link #unwatch}, so that a waker never writes to an eventfd that was closed under it. Owned by
 * the shard's thread but for {@link #wake()}.
 */
public final class PollWaiter implements IdleWaiter {
    private static final System.Logger LOG = System.getLogger("io.panamax.nic");

    private final EventFd doorbell;
    private Pollable[] watched = new Pollable[0];
    /** {@link #watched}, then the doorbell last. */
    private PollSet set;
    private boolean failed;
    /** Waits in ppoll with at least one device descriptor watched: the shard slept on its NIC. */
    private final Counter deviceWaits;
    /** Of those, the waits a watched descriptor ended (a frame arrived), not the eventfd or the timeout. */
    private final Counter deviceWakes;

    private PollWaiter(EventFd doorbell, Shard shard) {
        this.doorbell = doorbell;
        this.set = new PollSet(doorbell);
        this.deviceWaits = shard.metrics().counter("nic_idle_descriptor_waits_total",
                "Idle waits in ppoll on the shard's NIC queue descriptors (not parked blind)");
        this.deviceWakes = shard.metrics().counter("nic_idle_descriptor_wakes_total",
                "Idle waits on NIC queue descriptors that a readable descriptor (a frame) ended");
    }

    /**
     * The calling shard's poll waiter, installed as its {@link Shard#idleWaiter()} on first use;
     * on the shard. Null in a manual-mode reactor (nobody sleeps there).
     */
    public static PollWaiter of(Shard shard) {
        shard.checkOwner("PollWaiter.of");
        IdleWaiter current = shard.idleWaiter();
        if (current == null) {
            return null;
        }
        if (current instanceof PollWaiter w) {
            return w;
        }
        PollWaiter w;
        try {
            w = new PollWaiter(EventFd.open(), shard);
        } catch (IOException e) {
            throw new UncheckedIOException("eventfd for shard " + shard.id() + "'s idle wait", e);
        }
        IdleWaiter previous = shard.idleWaiter(w);
        // The default parking waiter holds nothing; a waker that read it just before the swap
        // unparks a thread that is not parked, which is harmless (a later park returns at once).
        previous.close();
        return w;
    }

    /** Adds {@code p} to the descriptors the shard sleeps on; on the shard. */
    public void watch(Pollable p) {
        Pollable[] next = Arrays.copyOf(watched, watched.length + 1);
        next[watched.length] = p;
        rebuild(next);
    }

    /** Removes {@code p} (before its descriptor is closed); on the shard. */
    public void unwatch(Pollable p) {
        rebuild(Arrays.stream(watched).filter(q -> q != p).toArray(Pollable[]::new));
    }

    private void rebuild(Pollable[] next) {
        Pollable[] members = Arrays.copyOf(next, next.length + 1);
        members[next.length] = doorbell;
        PollSet old = set;
        set = new PollSet(members);
        watched = next;
        old.close();
    }

    /** Descriptors watched besides the eventfd. */
    public int watching() {
        return watched.length;
    }

    @Override
    public boolean watchesDevices() {
        return watched.length > 0;
    }

    @Override
    public void await(long maxNanos) {
        if (failed) {
            LockSupport.parkNanos(this, maxNanos);
            return;
        }
        PollSet s = set;
        int devices = watched.length;
        try {
            int ready = s.await(maxNanos);
            if (devices > 0) {
                deviceWaits.increment();
            }
            if (ready > 0) {
                if (s.isReady(devices)) {
                    doorbell.drain();
                }
                for (int i = 0; i < devices; i++) {
                    if (s.isReady(i)) {
                        deviceWakes.increment();
                        break;
                    }
                }
            }
        } catch (IOException e) {
            // ppoll fails only for bad arguments (EFAULT, EINVAL) or no memory (ENOMEM): sleep
            // blind from now on (wakes then come late, by the timeout) rather than spin.
            failed = true;
            LOG.log(System.Logger.Level.ERROR, "ppoll failed; the shard now sleeps blind", e);
            LockSupport.parkNanos(this, maxNanos);
        }
    }

    @Override
    public void wake() {
        doorbell.signal();
    }

    @Override
    public void close() {
        set.close();
        doorbell.close();
    }

    @Override
    public String toString() {
        return "ppoll on " + watched.length + " descriptor(s) and eventfd " + doorbell.fileDescriptor();
    }
}
