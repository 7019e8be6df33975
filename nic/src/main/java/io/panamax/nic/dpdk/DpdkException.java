package io.panamax.nic.dpdk;

import io.panamax.dpdk.RteErrno;

/**
 * A DPDK control-path call failed: the message names the call, the device and DPDK's own
 * explanation ({@code rte_strerror}).
 */
public final class DpdkException extends RuntimeException {
    private final int errno;

    public DpdkException(String message, int errno) {
        super(message + ": " + RteErrno.describe(errno));
        this.errno = Math.abs(errno);
    }

    public DpdkException(String message) {
        super(message);
        this.errno = 0;
    }

    /** The error number (positive), 0 when none applies. */
    public int errno() {
        return errno;
    }

    /** Throws unless {@code rc} (a DPDK return value, negative errno on failure) is 0 or more. */
    static int check(int rc, String what) {
        if (rc < 0) {
            throw new DpdkException(what, rc);
        }
        return rc;
    }
}
