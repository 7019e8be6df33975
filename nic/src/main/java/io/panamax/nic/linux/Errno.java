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
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
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
            case EBADF -> "EBADF (bad file descriptor)";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES (permission denied)";
            case EBUSY -> "EBUSY (device or resource busy)";
            case EEXIST -> "EEXIST (already exists)";
            case ENODEV -> "ENODEV (no such device)";
            case EINVAL -> "EINVAL (invalid argument)";
            case ENOBUFS -> "ENOBUFS (no buffer space)";
            default -> "errno " + errno;
        };
        return name;
    }
}
