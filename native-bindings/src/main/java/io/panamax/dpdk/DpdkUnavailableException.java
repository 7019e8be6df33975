package io.panamax.dpdk;

/**
 * DPDK cannot be used in this process: its shared libraries are missing, of the wrong ABI, or fail
 * to load. Raised the first time DPDK is used, never when unrelated code loads; the message says
 * what was looked for and which Debian packages provide it.
 */
public final class DpdkUnavailableException extends RuntimeException {
    /** The Debian packages that provide the DPDK 22.11 runtime and its drivers. */
    public static final String DEBIAN_PACKAGES = "dpdk libdpdk-dev";

    public DpdkUnavailableException(String message, Throwable cause) {
        super(message + " (on Debian/Ubuntu: apt-get install " + DEBIAN_PACKAGES + ")", cause);
    }
}
