package io.panamax.nic.pcap;

import io.panamax.reactor.testing.Environment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
}
