package io.panamax.nic.linux;

import java.io.IOException;

/**
 * A system call failed: the operation, in words, and the {@code errno} it set. Callers that can
 * do better than report it (a device that already exists, a name the kernel refused) branch on
 * {@link #errno()}.
 */
public class ErrnoException extends IOException {
    private final int errno;

    public ErrnoException(String operation, int errno) {
        super(operation + ": " + Errno.describe(errno));
        this.errno = errno;
    }

    /** An exception with a message of the caller's choosing (it should still say what failed). */
    public ErrnoException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
