package io.panamax.nic.linux;

import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * The {@code errno} of a native call, captured by FFM ({@link Linker.Option#captureCallState}) so
 * that nothing the JVM does in between can overwrite it; and {@code strerror} text for messages.
 */
public final class Errno {
    public static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    public static final StructLayout LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int EMFILE = 24;
    public static final int ENOTTY = 25;
    public static final int ENAMETOOLONG = 36;
    public static final int EMSGSIZE = 90;
    public static final int EOPNOTSUPP = 95;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETDOWN = 100;
    public static final int ENOBUFS = 105;

    private Errno() {
    }

    /** Reads errno out of a capture segment. */
    public static int get(MemorySegment captured) {
        return (int) ERRNO.get(captured, 0L);
    }

    /** A short description such as "EPERM (Operation not permitted)". */
    public static String describe(int errno) {
        String name = switch (errno) {
            case EPERM -> "EPERM (operation not permitted: root or CAP_NET_ADMIN needed)";
            case ENOENT -> "ENOENT (no such file or directory)";
            case EINTR -> "EINTR";
            case EIO -> "EIO (I/O error: is the interface down?)";
            case ENXIO -> "ENXIO (no such device or address)";
            case E2BIG -> "E2BIG (too many)";
            case EBADF -> "EBADF (bad file descriptor)";
            case EAGAIN -> "EAGAIN (try again)";
            case ENOMEM -> "ENOMEM (out of memory)";
            case EACCES -> "EACCES (permission denied)";
            case EFAULT -> "EFAULT (bad address)";
            case EBUSY -> "EBUSY (device or resource busy)";
            case EEXIST -> "EEXIST (already exists)";
            case ENODEV -> "ENODEV (no such device)";
            case EINVAL -> "EINVAL (invalid argument)";
            case EMFILE -> "EMFILE (too many open files)";
            case ENOTTY -> "ENOTTY (inappropriate ioctl for this file)";
            case ENAMETOOLONG -> "ENAMETOOLONG (name too long)";
            case EMSGSIZE -> "EMSGSIZE (message too long)";
            case EOPNOTSUPP -> "EOPNOTSUPP (operation not supported)";
            case EADDRNOTAVAIL -> "EADDRNOTAVAIL (address not available)";
            case ENETDOWN -> "ENETDOWN (network is down)";
            case ENOBUFS -> "ENOBUFS (no buffer space)";
            default -> "errno " + errno;
        };
        return name;
    }

    /** An {@link ErrnoException} for a failed {@code operation}, with the errno in {@code captured}. */
    public static ErrnoException exception(String operation, MemorySegment captured) {
        return new ErrnoException(operation, get(captured));
    }
}
