package io.panamax.nic.testing;

import io.panamax.nic.linux.NetworkNamespace;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A tcpdump capture on an interface inside a network namespace: the kernel's own view of the
 * frames on the wire, independent of the code under test. Frames come back as bytes (read from the
 * pcap file while tcpdump writes it, packet-buffered) and, on request, decoded by tshark into named
 * fields ({@code arp.opcode}, {@code icmp.type}...).
 *
 * <p>{@link #start} returns once tcpdump says it is listening, so frames sent afterwards are
 * captured. Close it to stop tcpdump and delete the file.
 */
public final class FrameCapture implements AutoCloseable {
    private final Process process;
    private final Path file;
    private final String iface;
    private final StringBuilder stderr = new StringBuilder();

    private FrameCapture(Process process, Path file, String iface) {
        this.process = process;
        this.file = file;
        this.iface = iface;
    }

    /**
     * Starts {@code tcpdump -i iface filter} inside {@code ns} ({@code filter} in pcap-filter
     * syntax, empty for everything) and waits until it listens.
     */
    public static FrameCapture start(NetworkNamespace ns, String iface, String filter) throws IOException {
        Path file = Files.createTempFile("pmx-capture-", ".pcap");
        // --immediate-mode: libpcap's TPACKET_V3 ring hands packets over a block at a time, and on
        // Linux 6.18 here a block that was not full stayed with the kernel until tcpdump was
        // stopped, which then wrote none of them ("11 packets received by filter, 0 captured").
        List<String> cmd = new ArrayList<>(ns.prefixed("tcpdump", "--immediate-mode", "-i", iface, "-U", "-n", "-Z", "root",
                "-s", "0", "-w", file.toString()));
        if (filter != null && !filter.isBlank()) {
            cmd.add(filter);
        }
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        FrameCapture cap = new FrameCapture(p, file, iface);
        CompletableFuture<Boolean> listening = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (cap.stderr) {
                        cap.stderr.append(line).append('\n');
                    }
                    if (line.contains("listening on")) {
                        listening.complete(true);
                    }
                }
            } catch (IOException e) {
                // the process went away; reported below
            }
            listening.complete(false);
        });
        boolean ok;
        try {
            ok = listening.get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            ok = false;
        }
        if (!ok) {
            cap.close();
            throw new IOException("tcpdump on " + iface + " in " + ns.name() + " did not start: " + cap.stderr());
        }
        return cap;
    }

    /** Every frame captured so far. */
    public List<byte[]> frames() throws IOException {
        return PcapReader.frames(file);
    }

    /**
     * Waits until at least {@code count} captured frames match, or {@code timeout} passes, and
     * returns the matching ones (possibly fewer: the caller asserts).
     */
    public List<byte[]> awaitFrames(Predicate<byte[]> match, int count, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<byte[]> hits = frames().stream().filter(match).toList();
            if (hits.size() >= count || System.nanoTime() > deadline) {
                return hits;
            }
            sleep(20);
        }
    }

    /**
     * The captured frames decoded by tshark: one map per frame, from field name to its value
     * (several occurrences joined by commas; missing fields absent).
     */
    public List<Map<String, String>> decode(String... fields) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-r", file.toString(), "-n", "-T", "fields",
                "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"));
        for (String f : fields) {
            cmd.add("-e");
            cmd.add(f);
        }
        NetworkNamespace.Result r = NetworkNamespace.run(Duration.ofSeconds(60), cmd.toArray(String[]::new));
        // tshark exits 2 when the last record is cut short by the running capture: still valid.
        if (r.exitCode() != 0 && r.exitCode() != 2) {
            throw new IOException("tshark failed (exit " + r.exitCode() + "): " + r.stderr());
        }
        List<Map<String, String>> out = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] values = line.split("\t", -1);
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < fields.length && i < values.length; i++) {
                if (!values[i].isEmpty()) {
                    m.put(fields[i], values[i]);
                }
            }
            out.add(m);
        }
        return out;
    }

    /** A short listing of what was captured, for assertion messages. */
    public String describe() {
        try {
            StringBuilder sb = new StringBuilder();
            for (byte[] f : frames()) {
                sb.append("\n  ").append(HexFormat.of().formatHex(f, 0, Math.min(f.length, 42)))
                        .append(f.length > 42 ? "... (" + f.length + " bytes)" : "");
            }
            return sb.isEmpty() ? " (nothing captured on " + iface + ")" : sb.toString();
        } catch (IOException e) {
            return " (capture unreadable: " + e.getMessage() + ")";
        }
    }

    public Path file() {
        return file;
    }

    private String stderr() {
        synchronized (stderr) {
            return stderr.toString().strip();
        }
    }

    /** Stops tcpdump and deletes the capture file. */
    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        Files.deleteIfExists(file);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
