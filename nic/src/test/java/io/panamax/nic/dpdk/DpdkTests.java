package io.panamax.nic.dpdk;

import io.panamax.reactor.testing.Environment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** What the DPDK tests share: the precondition check, unique device names, the shared data directory. */
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

    /**
     * The {@code shared} directory (captures, RSS vectors) that sits beside the repository: found
     * by walking up from the working directory to the first directory with a sibling named
     * {@code shared}, or given with {@code -Dpanamax.shared.dir}.
     */
    static Path sharedDirectory() {
        String configured = System.getProperty("panamax.shared.dir");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null && dir.getParent() != null; dir = dir.getParent()) {
            Path sibling = dir.resolveSibling("shared");
            if (Files.isDirectory(sibling.resolve("pcaps"))) {
                return sibling;
            }
        }
        throw new IllegalStateException("no directory named 'shared' with pcaps/ beside any parent of "
                + Path.of("").toAbsolutePath() + " (CI clones the repository with ../shared beside it)");
    }

    static Path capture(String name) {
        Path p = sharedDirectory().resolve("pcaps").resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("capture " + p + " is missing (see pcaps/MANIFEST.tsv)");
        }
        return p;
    }
}
