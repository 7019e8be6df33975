package io.panamax.ip.wire;

import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The shared real captures ({@code ../shared/pcaps}, described by {@code MANIFEST.tsv}) read with
 * pcap4j (libpcap underneath), for tests. The shared directory is found by walking up from the
 * module directory to the first directory with a sibling named {@code shared}: the worktree layout
 * here and the CI layout (the repository cloned with {@code ../shared} beside it) both fit.
 */
final class Captures {
    /** One MANIFEST.tsv row. */
    record Entry(String file, String linkType, int packets, String protocols, String notes) {
        Path path() {
            return pcapsDir().resolve(file);
        }

        /** libpcap refuses the file (MANIFEST says so: the reader must reject it). */
        boolean rejected() {
            return linkType.contains("file rejected");
        }
    }

    /** A captured frame: its bytes (possibly cut by the snap length) and its length on the wire. */
    record Frame(int number, byte[] data, int originalLength) {
    }

    private Captures() {
    }

    static Path sharedDir() {
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path shared = dir.resolveSibling("shared");
            if (dir.getParent() != null && Files.isRegularFile(shared.resolve("pcaps").resolve("MANIFEST.tsv"))) {
                return shared;
            }
        }
        throw new IllegalStateException("no directory named 'shared' with pcaps/MANIFEST.tsv beside " + start
                + " or any of its parents: clone the shared test data next to the repository (../shared)");
    }

    static Path pcapsDir() {
        return sharedDir().resolve("pcaps");
    }

    static List<Entry> manifest() {
        try {
            List<String> lines = Files.readAllLines(pcapsDir().resolve("MANIFEST.tsv"));
            List<Entry> entries = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                entries.add(new Entry(f[0], f[3], Integer.parseInt(f[4]), f[5], f[6]));
            }
            return entries;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Entry entry(String file) {
        return manifest().stream().filter(e -> e.file().equals(file)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not in MANIFEST.tsv: " + file));
    }

    /** Every frame of {@code file}, in order, numbered from 1 as tshark numbers them. */
    static List<Frame> frames(String file) throws PcapNativeException {
        List<Frame> frames = new ArrayList<>();
        PcapHandle handle = Pcaps.openOffline(pcapsDir().resolve(file).toString());
        try {
            while (true) {
                byte[] data;
                try {
                    data = handle.getNextRawPacketEx();
                } catch (EOFException e) {
                    break;
                } catch (TimeoutException e) {
                    continue;
                }
                frames.add(new Frame(frames.size() + 1, data, handle.getOriginalLength()));
            }
        } catch (NotOpenException e) {
            throw new IllegalStateException(e);
        } finally {
            handle.close();
        }
        return frames;
    }

    /** One frame of {@code file} by its 1-based number. */
    static Frame frame(String file, int number) throws PcapNativeException {
        return frames(file).get(number - 1);
    }
}
