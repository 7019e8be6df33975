package io.panamax.nic.pcap;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the captures in {@code shared/pcaps}: the directory {@code shared} beside the checkout
 * (CI clones the repository with {@code ../shared} next to it; a worktree may sit deeper), found by
 * walking up from the module directory.
 */
public final class SharedPcaps {
    private SharedPcaps() {
    }

    /** The {@code shared} directory; fails with the places it looked when there is none. */
    public static Path sharedDir() {
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d = start; d != null && d.getParent() != null; d = d.getParent()) {
            Path candidate = d.getParent().resolve("shared");
            if (Files.isDirectory(candidate.resolve("pcaps"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no directory named 'shared' (with pcaps/ inside) beside " + start
                + " or any directory above it: clone the shared test data next to the checkout");
    }

    /** A capture of {@code shared/pcaps}, which must exist. */
    public static Path file(String name) {
        Path p = sharedDir().resolve("pcaps").resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("missing shared capture " + p + " (see shared/pcaps/MANIFEST.tsv)");
        }
        return p;
    }
}
