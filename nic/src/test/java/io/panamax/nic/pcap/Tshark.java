package io.panamax.nic.pcap;

import io.panamax.reactor.testing.Environment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs tshark on a capture file: Wireshark's decoders as the independent judge of what Panamax wrote. */
public final class Tshark {
    private Tshark() {
    }

    /** Skips (or fails under CI) when tshark is missing. */
    public static void require() {
        Environment.requireCommands("tshark");
    }

    /** {@code tshark -r file args...}: asserts exit status 0 and returns the lines printed. */
    public static List<String> read(Path file, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tshark", "-n", "-r", file.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "tshark did not finish on " + file);
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed: " + new String(err));
        return new String(out).lines().toList();
    }

    /** The values of {@code fields}, tab-separated, one line per frame. */
    public static List<String> fields(Path file, String... fields) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("-T", "fields"));
        for (String f : fields) {
            args.add("-e");
            args.add(f);
        }
        return read(file, args.toArray(String[]::new));
    }

    /** Numbers of the frames Wireshark flags as malformed. */
    public static List<String> malformed(Path file) throws IOException, InterruptedException {
        return read(file, "-Y", "_ws.malformed", "-T", "fields", "-e", "frame.number");
    }

    /**
     * {@code -T fields} with every occurrence of a field, comma-separated: the values per frame
     * (index 0 is frame 1): an absent field maps to "". {@code prefs} are
     * {@code -o name:value} settings, such as turning on checksum verification.
     */
    public static List<Map<String, String>> fieldRows(Path capture, List<String> prefs, String... fields) {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-n", "-r", capture.toString(), "-T", "fields",
                "-E", "occurrence=a", "-E", "aggregator=,", "-E", "separator=/t"));
        for (String p : prefs) {
            cmd.add("-o");
            cmd.add(p);
        }
        for (String f : fields) {
            cmd.add("-e");
            cmd.add(f);
        }
        try {
            Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = proc.waitFor();
            if (rc != 0) {
                throw new IllegalStateException("tshark exited " + rc + " on " + capture);
            }
            List<Map<String, String>> rows = new ArrayList<>();
            for (String line : out.split("\n", -1)) {
                if (line.isEmpty()) {
                    continue;
                }
                String[] v = line.split("\t", -1);
                Map<String, String> row = new HashMap<>();
                for (int i = 0; i < fields.length; i++) {
                    row.put(fields[i], i < v.length ? v[i] : "");
                }
                rows.add(row);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A tshark number ("0x0806", "12336", "1") as an int; -1 for an absent field. */
    public static int number(String value) {
        if (value == null || value.isEmpty()) {
            return -1;
        }
        return value.startsWith("0x") ? Integer.parseInt(value.substring(2), 16) : Integer.parseInt(value);
    }

    /** A tshark MAC ("00:20:d2:5a:fb:3f") as the 48-bit long the codecs use. */
    public static long mac(String value) {
        return Long.parseLong(value.replace(":", ""), 16);
    }
}
