package io.panamax.nic.dpdk;

import io.panamax.reactor.testing.Environment;

import java.util.concurrent.atomic.AtomicInteger;

/** What the DPDK tests share: the precondition check, unique device names. */
final class DpdkTests {
    private static final AtomicInteger DEVICE_SEQUENCE = new AtomicInteger();

    private DpdkTests() {
    }

    /**
     * Fails under CI, skips elsewhere, unless DPDK's libraries load and the process's EAL runs
     * (initialising it on first use: one EAL serves every DPDK test of this JVM).
     */
    static Eal requireEal() {
        String why = Eal.unavailableReason().orElse(null);
        Environment.require(why == null, "needs DPDK 22.11 with a working EAL: " + why);
        return Eal.get();
    }

    /** A vdev name never used before in this process: DPDK keeps names of removed devices apart. */
    static String uniqueVdev(String driver) {
        return driver + "_pmx" + DEVICE_SEQUENCE.incrementAndGet();
    }
}
