package io.panamax.nic.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The C library calls the Linux backends make, bound through FFM. Every call takes a segment of
 * {@link Errno#LAYOUT} first, where FFM stores {@code errno} the moment the call returns; results
 * are the raw C results (negative on failure), so the fast path branches on them without
 * exceptions.
 *
 * <p>The data-path calls ({@link #read}, {@link #write}, {@link #readv}, {@link #writev}) take
 * buffer addresses as plain {@code long}s: a packet buffer plus an offset is then an addition,
 * not a new {@link MemorySegment} slice per frame. The caller guarantees the range is inside
 * memory it owns.
 */
public final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();

    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle READV = bind("readv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle WRITEV = bind("writev", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    // ioctl(2) is variadic: the third argument is passed as a variadic one.
    private static final MethodHandle IOCTL_PTR = bind("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_INT = bind("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle PPOLL = bind("ppoll", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = bind("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));

    /** {@code open(2)} flags. */
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 0x2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;

    /** {@code socket(2)} arguments. */
    public static final int AF_INET = 2;
    public static final int AF_PACKET = 17;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    /** {@code AF_XDP}: the address family of the sockets DPDK's net_af_xdp driver opens. */
    public static final int AF_XDP = 44;
    public static final int SOL_SOCKET = 1;
    /** {@code SO_DOMAIN}: a socket's address family, read with {@code getsockopt}. */
    public static final int SO_DOMAIN = 39;

    /** {@code struct pollfd}: fd (int), events (short), revents (short). */
    public static final int POLLFD_BYTES = 8;
    public static final short POLLIN = 0x1;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;

    /** {@code struct iovec}: a base address and a length, 16 bytes on 64-bit Linux. */
    public static final int IOVEC_BYTES = 16;
    /** The most iovecs one {@code readv}/{@code writev} takes ({@code IOV_MAX}). */
    public static final int IOV_MAX = 1024;

    private Libc() {
    }

    private static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Errno.CAPTURE;
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no '" + name + "'"));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** {@code open(path, flags)}: a file descriptor, or -1. */
    public static int open(MemorySegment errno, MemorySegment path, int flags) {
        try {
            return (int) OPEN.invokeExact(errno, path, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code close(fd)}: 0, or -1. */
    public static int close(MemorySegment errno, int fd) {
        try {
            return (int) CLOSE.invokeExact(errno, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code read(fd, address, count)}: bytes read, or -1. */
    public static long read(MemorySegment errno, int fd, long address, long count) {
        try {
            return (long) READ.invokeExact(errno, fd, address, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code write(fd, address, count)}: bytes written, or -1. */
    public static long write(MemorySegment errno, int fd, long address, long count) {
        try {
            return (long) WRITE.invokeExact(errno, fd, address, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code readv(fd, iov, iovcnt)} with {@code iov} the address of {@code iovcnt} iovecs. */
    public static long readv(MemorySegment errno, int fd, long iov, int iovcnt) {
        try {
            return (long) READV.invokeExact(errno, fd, iov, iovcnt);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code writev(fd, iov, iovcnt)} with {@code iov} the address of {@code iovcnt} iovecs. */
    public static long writev(MemorySegment errno, int fd, long iov, int iovcnt) {
        try {
            return (long) WRITEV.invokeExact(errno, fd, iov, iovcnt);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ioctl(fd, request, arg)} with a pointer argument: 0 (or a positive value), or -1. */
    public static int ioctl(MemorySegment errno, int fd, long request, MemorySegment arg) {
        try {
            return (int) IOCTL_PTR.invokeExact(errno, fd, request, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ioctl(fd, request, value)} with an integer argument (TUNSETPERSIST and the like). */
    public static int ioctl(MemorySegment errno, int fd, long request, int value) {
        try {
            return (int) IOCTL_INT.invokeExact(errno, fd, request, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code socket(domain, type, protocol)}: a file descriptor, or -1. */
    public static int socket(MemorySegment errno, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(errno, domain, type, protocol);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code poll(fds, nfds, timeoutMillis)} with {@code fds} the address of {@code struct pollfd}s. */
    public static int poll(MemorySegment errno, long fds, long nfds, int timeoutMillis) {
        try {
            return (int) POLL.invokeExact(errno, fds, nfds, timeoutMillis);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code ppoll(fds, nfds, timeout, NULL)}: {@code poll} with a {@code struct timespec} timeout
     * (nanosecond resolution, where {@code poll} has milliseconds); {@code timeout} 0 waits forever.
     */
    public static int ppoll(MemorySegment errno, long fds, long nfds, long timeout) {
        try {
            return (int) PPOLL.invokeExact(errno, fds, nfds, timeout, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code eventfd(initval, flags)}: a file descriptor, or -1. */
    public static int eventfd(MemorySegment errno, int initval, int flags) {
        try {
            return (int) EVENTFD.invokeExact(errno, initval, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code getsockopt(fd, level, name, value, length)} with {@code value} and {@code length}
     * addresses ({@code length} an {@code int} holding the value's size in, its length out): 0, or -1.
     */
    public static int getsockopt(MemorySegment errno, int fd, int level, int name, long value, long length) {
        try {
            return (int) GETSOCKOPT.invokeExact(errno, fd, level, name, value, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        // Downcalls throw nothing checked; anything else is a binding bug.
        throw new IllegalStateException(t);
    }
}
