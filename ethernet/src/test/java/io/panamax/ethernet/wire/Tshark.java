package io.panamax.ethernet.wire;

import io.panamax.reactor.testing.Environment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * tshark as the tie-breaking decoder: one row per frame with the requested fields ({@code -T
 * fields}, every occurrence, comma-separated). Callers have called {@link #require()}.
 */
final class Tshark {
    private Tshark() {
    }

    static void require() {
        Environment.requireCommands("tshark");
    }

    /**
     * Field values per frame (index 0 is frame 1): an absent field maps to "". {@code prefs} are
     * {@code -o name:value} settings, such as turning on checksum verification.
     */
    static List<Map<String, String>> fields(Path capture, List<String> prefs, String... fields) {
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
    static int number(String value) {
        if (value == null || value.isEmpty()) {
            return -1;
        }
        return value.startsWith("0x") ? Integer.parseInt(value.substring(2), 16) : Integer.parseInt(value);
    }

    /** A tshark MAC ("00:20:d2:5a:fb:3f") as the 48-bit long the codecs use. */
    static long mac(String value) {
        return Long.parseLong(value.replace(":", ""), 16);
    }
}
