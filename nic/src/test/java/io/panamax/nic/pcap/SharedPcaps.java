package io.panamax.nic.pcap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

    /** A capture listed in {@code MANIFEST.tsv}: its name, link type column and frame count. */
    public record Capture(String name, String linkType, int packets) {
        public Path path() {
            return file(name);
        }

        public boolean isEthernet() {
            return linkType.startsWith("EN10MB");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Every capture in the manifest. */
    public static List<Capture> manifest() {
        Path manifest = sharedDir().resolve("pcaps").resolve("MANIFEST.tsv");
        try {
            List<Capture> all = new ArrayList<>();
            for (String line : Files.readAllLines(manifest)) {
                String[] col = line.split("\t");
                if (col.length < 5 || col[0].equals("file")) {
                    continue;
                }
                all.add(new Capture(col[0], col[3], Integer.parseInt(col[4].trim())));
            }
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + manifest, e);
        }
    }

    /** The Ethernet captures of the manifest that hold frames. */
    public static List<Capture> ethernetCaptures() {
        return manifest().stream().filter(c -> c.isEthernet() && c.packets() > 0).toList();
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
