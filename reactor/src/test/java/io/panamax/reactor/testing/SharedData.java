package io.panamax.reactor.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The project's data from outside the project: the directory {@code shared} that sits beside the
 * repository (CI clones it there; a git worktree may sit deeper, so every directory above the
 * working directory is tried), with the real captures in {@code pcaps/} and {@code pcaps-v6/} (each
 * described by its {@code MANIFEST.tsv}: one corpus, which every capture-driven test iterates) and
 * the RSS vectors in {@code rss/}. {@code -Dpanamax.shared.dir=DIR}
 * names it explicitly. This is the one place tests locate it.
 */
public final class SharedData {
    /** System property that names the shared directory, overriding the search. */
    public static final String PROPERTY = "panamax.shared.dir";
    private static final String MANIFEST = "MANIFEST.tsv";
    private static final String MANIFEST_HEADER = "file\tsource (repo@commit:path)\tlicense\tlink type\tpackets\tprotocols seen\tnotes";

    private SharedData() {
    }

    /** The directories of captures, each with its manifest: IPv4 and everything else, then IPv6 and DHCP. */
    public static final List<String> CAPTURE_DIRECTORIES = List.of("pcaps", "pcaps-v6");

    /** One row of a captures manifest ({@code pcaps/MANIFEST.tsv}, {@code pcaps-v6/MANIFEST.tsv}). */
    public record Capture(String file, String source, String license, String linkType, int packets,
                          String protocols, String notes, String directory) {
        /** The capture file, which exists. */
        public Path path() {
            Path p = SharedData.directory().resolve(directory).resolve(file);
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException("missing shared capture " + p + " (see " + directory + "/" + MANIFEST + ")");
            }
            return p;
        }

        /** An Ethernet capture (link type 1). */
        public boolean isEthernet() {
            return linkType.startsWith("EN10MB");
        }

        /** A file that libpcap refuses too: the manifest says the reader must reject it. */
        public boolean rejected() {
            return linkType.contains("file rejected");
        }

        /** Whether the capture holds a protocol the manifest lists under "protocols seen" (eth, ip, tcp, ...). */
        public boolean has(String protocol) {
            for (String p : protocols.split(",")) {
                if (p.trim().equals(protocol)) {
                    return true;
                }
            }
            return false;
        }

        /** The name without its extension ({@code cs-tcp_handshake}). */
        public String baseName() {
            int dot = file.indexOf('.');
            return dot < 0 ? file : file.substring(0, dot);
        }

        @Override
        public String toString() {
            return file;
        }
    }

    /** The {@code shared} directory; fails naming where it looked when there is none. */
    public static Path directory() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured).toAbsolutePath();
            if (!Files.isDirectory(p)) {
                throw new IllegalStateException("-D" + PROPERTY + "=" + configured + " is not a directory");
            }
            return p;
        }
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path dir = start; dir != null && dir.getParent() != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared");
            if (Files.isRegularFile(candidate.resolve("pcaps").resolve(MANIFEST))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no directory named 'shared' with pcaps/" + MANIFEST + " beside " + start
                + " or any directory above it: clone the shared test data next to the repository (../shared),"
                + " or name it with -D" + PROPERTY + "=DIR");
    }

    /** A file under {@code shared/}, which must exist ({@code "rss/toeplitz-vectors.tsv"}). */
    public static Path file(String relative) {
        Path p = directory().resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("missing shared file " + p);
        }
        return p;
    }

    /** The directory of the captures. */
    public static Path pcapsDirectory() {
        return directory().resolve("pcaps");
    }

    /** A capture of {@code shared/pcaps} or else of {@code shared/pcaps-v6}, which must exist. */
    public static Path pcap(String name) {
        for (String dir : CAPTURE_DIRECTORIES) {
            Path p = directory().resolve(dir).resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IllegalStateException("missing shared capture " + name + " in " + CAPTURE_DIRECTORIES + " of " + directory()
                + " (see their " + MANIFEST + ")");
    }

    /**
     * Every capture the manifests list, {@code pcaps/} first, each in its order; a malformed
     * manifest is an error naming the line.
     */
    public static List<Capture> captures() {
        List<Capture> all = new ArrayList<>();
        for (String dir : CAPTURE_DIRECTORIES) {
            all.addAll(captures(dir));
        }
        return List.copyOf(all);
    }

    /** The captures of one directory's manifest ({@code "pcaps-v6"}). */
    public static List<Capture> captures(String dir) {
        Path manifest = directory().resolve(dir).resolve(MANIFEST);
        List<String> lines;
        try {
            lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + manifest, e);
        }
        if (lines.isEmpty() || !lines.getFirst().equals(MANIFEST_HEADER)) {
            throw new IllegalStateException(manifest + ": unexpected header, expected '" + MANIFEST_HEADER + "'");
        }
        List<Capture> all = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 7) {
                throw new IllegalStateException(manifest + ":" + (i + 1) + ": expected 7 tab-separated fields, got " + f.length);
            }
            int packets;
            try {
                packets = Integer.parseInt(f[4].trim());
            } catch (NumberFormatException e) {
                throw new IllegalStateException(manifest + ":" + (i + 1) + ": packet count '" + f[4] + "' is not a number");
            }
            all.add(new Capture(f[0], f[1], f[2], f[3], packets, f[5], f[6], dir));
        }
        return List.copyOf(all);
    }

    /** The Ethernet captures of the manifest that hold frames (what a replay can feed a stack). */
    public static List<Capture> ethernetCaptures() {
        return captures().stream().filter(c -> c.isEthernet() && c.packets() > 0).toList();
    }

    /** The manifest's row for {@code file}. */
    public static Capture capture(String file) {
        return captures().stream().filter(c -> c.file().equals(file)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not in any of " + CAPTURE_DIRECTORIES + "' " + MANIFEST + ": " + file));
    }
}
