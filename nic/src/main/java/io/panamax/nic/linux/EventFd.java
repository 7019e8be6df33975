package io.panamax.nic.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A Linux {@code eventfd(2)}: a 64-bit counter behind a file descriptor that {@code poll(2)}
 * reports readable while it is non-zero. Here it is a doorbell: any thread {@link #signal()}s, the
 * owner waits on it among its other descriptors (see {@link PollSet}) and {@link #drain()}s it.
 *
 * <p>{@link #signal()} may be called from any thread; {@link #drain()} and {@link #close()} by
 * the owner. Each thread that signals uses its own scratch memory, so nothing here is shared but
 * the descriptor.
 */
public final class EventFd implements Pollable, AutoCloseable {
    public static final int EFD_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;

    /** Per-thread native scratch (the 8-byte counter value, the errno capture), made once per thread. */
    private record Scratch(MemorySegment value, MemorySegment errno) {
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(
            () -> new Scratch(Arena.global().allocate(8, 8), Arena.global().allocate(Errno.LAYOUT)));

    private volatile int fd;

    private EventFd(int fd) {
        this.fd = fd;
    }

    /** A non-blocking eventfd with the counter at zero. */
    public static EventFd open() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(Errno.LAYOUT);
            int fd = Libc.eventfd(errno, 0, EFD_NONBLOCK | EFD_CLOEXEC);
            if (fd < 0) {
                throw Errno.exception("eventfd", errno);
            }
            return new EventFd(fd);
        }
    }

    @Override
    public int fileDescriptor() {
        return fd;
    }

    /** Adds one to the counter, making the descriptor readable. Returns false if it is closed. */
    public boolean signal() {
        int f = fd;
        if (f < 0) {
            return false;
        }
        Scratch s = SCRATCH.get();
        s.value().set(ValueLayout.JAVA_LONG, 0, 1L);
        // EAGAIN only when the counter would overflow: it is readable anyway.
        return Libc.write(s.errno(), f, s.value().address(), 8) == 8 || Errno.get(s.errno()) == Errno.EAGAIN;
    }

    /** Resets the counter to zero; returns the signals it had gathered (0 if none). */
    public long drain() {
        int f = fd;
        if (f < 0) {
            return 0;
        }
        Scratch s = SCRATCH.get();
        if (Libc.read(s.errno(), f, s.value().address(), 8) != 8) {
            return 0;
        }
        return s.value().get(ValueLayout.JAVA_LONG, 0);
    }

    @Override
    public void close() {
        int f = fd;
        if (f >= 0) {
            fd = -1;
            Libc.close(SCRATCH.get().errno(), f);
        }
    }
}
