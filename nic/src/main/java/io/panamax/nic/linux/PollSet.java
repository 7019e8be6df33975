package io.panamax.nic.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A fixed set of {@link Pollable}s that one thread waits on with {@code ppoll(2)} until one is
 * readable or a timeout passes: how an idle shard can sleep until a frame arrives on one of its
 * NIC queues or another thread rings its {@link EventFd}, instead of parking for a fixed time.
 *
 * <p>Confined to its owner thread. {@link #await} allocates nothing: the {@code pollfd} array,
 * the timespec and the errno capture are made once.
 */
public final class PollSet implements AutoCloseable {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;

    private final Arena arena = Arena.ofShared();
    private final Pollable[] members;
    private final MemorySegment pollfds;
    private final MemorySegment timespec;
    private final MemorySegment errno;

    public PollSet(Pollable... members) {
        if (members.length == 0) {
            throw new IllegalArgumentException("a poll set needs at least one descriptor");
        }
        this.members = Arrays.copyOf(members, members.length);
        this.pollfds = arena.allocate((long) Libc.POLLFD_BYTES * members.length, 8);
        this.timespec = arena.allocate(16, 8);
        this.errno = arena.allocate(Errno.LAYOUT);
    }

    public int size() {
        return members.length;
    }

    /**
     * Waits until a member is readable or {@code timeoutNanos} pass (a negative timeout waits
     * without limit). Returns how many members are ready (0 on timeout or an interrupting
     * signal); {@link #isReady} says which.
     */
    public int await(long timeoutNanos) throws IOException {
        for (int i = 0; i < members.length; i++) {
            long at = (long) i * Libc.POLLFD_BYTES;
            pollfds.set(INT, at, members[i].fileDescriptor());
            pollfds.set(SHORT, at + 4, Libc.POLLIN);
            pollfds.set(SHORT, at + 6, (short) 0);
        }
        long ts = 0;
        if (timeoutNanos >= 0) {
            timespec.set(ValueLayout.JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
            timespec.set(ValueLayout.JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
            ts = timespec.address();
        }
        int n = Libc.ppoll(errno, pollfds.address(), members.length, ts);
        if (n < 0) {
            int e = Errno.get(errno);
            if (e == Errno.EINTR) {
                return 0;
            }
            throw new ErrnoException("ppoll", e);
        }
        return n;
    }

    /** Whether member {@code i} was readable (or in error: a read will say which) at the last wait. */
    public boolean isReady(int i) {
        short revents = pollfds.get(SHORT, (long) i * Libc.POLLFD_BYTES + 6);
        return revents != 0;
    }

    /** The events {@code poll} reported for member {@code i} (POLLIN, POLLERR, POLLHUP, POLLNVAL). */
    public short events(int i) {
        return pollfds.get(SHORT, (long) i * Libc.POLLFD_BYTES + 6);
    }

    @Override
    public void close() {
        arena.close();
    }
}
