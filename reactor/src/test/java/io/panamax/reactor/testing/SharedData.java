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
 * working directory is tried), with the real captures in {@code pcaps/} (described by
 * {@code pcaps/MANIFEST.tsv}) and the RSS vectors in {@code rss/}. {@code -Dpanamax.shared.dir=DIR}
 * names it explicitly. This is the one place tests locate it.
 */
public final class SharedData {
    /** System property that names the shared directory, overriding the search. */
    public static final String PROPERTY = "panamax.shared.dir";
    private static final String MANIFEST = "MANIFEST.tsv";
    private static final String MANIFEST_HEADER = "file\tsource (repo@commit:path)\tlicense\tlink type\tpackets\tprotocols seen\tnotes";

    private SharedData() {
    }

    /** One row of {@code pcaps/MANIFEST.tsv}. */
    public record Capture(String file, String source, String license, String linkType, int packets,
                          String protocols, String notes) {
        /** The capture file, which exists. */
        public Path path() {
            return pcap(file);
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

    /** A capture of {@code shared/pcaps}, which must exist. */
    public static Path pcap(String name) {
        Path p = pcapsDirectory().resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("missing shared capture " + p + " (see pcaps/" + MANIFEST + ")");
        }
        return p;
    }

    /** Every capture the manifest lists, in its order; a malformed manifest is an error naming the line. */
    public static List<Capture> captures() {
        Path manifest = pcapsDirectory().resolve(MANIFEST);
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
            all.add(new Capture(f[0], f[1], f[2], f[3], packets, f[5], f[6]));
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
                .orElseThrow(() -> new IllegalArgumentException("not in pcaps/" + MANIFEST + ": " + file));
    }
}
