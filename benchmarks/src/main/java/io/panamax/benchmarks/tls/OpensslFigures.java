package io.panamax.benchmarks.tls;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.tls.TlsCredentials;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenSSL's own figures on this machine, to set beside the TLS benchmarks: {@code openssl speed}
 * for the raw AES-GCM and ChaCha20-Poly1305 rate of one core on 16 KiB blocks (the ceiling of any
 * TLS bulk transfer), and {@code openssl s_time} against {@code openssl s_server} for full
 * handshakes per second over the kernel's TCP (loopback inside a network namespace made for the
 * run; both processes single-threaded), with the same kind of certificate as the benchmarks (EC
 * P-256). Needs root (the namespace) and openssl.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.panamax.benchmarks.tls.OpensslFigures
 * </pre>
 */
public final class OpensslFigures {
    static final Duration T = Duration.ofMinutes(2);

    private OpensslFigures() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        List<String> out = new ArrayList<>();
        out.add(NetworkNamespace.run(T, "openssl", "version").orThrow("openssl version").stdout().strip());
        for (String cipher : List.of("aes-256-gcm", "aes-128-gcm", "chacha20-poly1305")) {
            String text = NetworkNamespace.run(T, "openssl", "speed", "-seconds", Integer.toString(seconds), "-bytes", "16384",
                    "-evp", cipher).orThrow("openssl speed").stdout();
            // The last line: "AES-256-GCM    4241954.13k" (thousands of bytes per second).
            Matcher m = Pattern.compile("(?im)^" + Pattern.quote(cipher) + "\\s+([0-9.]+)k\\s*$").matcher(text);
            String rate = m.find() ? String.format("%.2f GB/s", Double.parseDouble(m.group(1)) * 1000 / 1e9) : "? (" + lastLine(text) + ")";
            out.add("openssl speed -evp " + cipher + ", 16 KiB blocks, one core: " + rate);
        }
        Path dir = Files.createTempDirectory("pmx-tls-openssl");
        TlsCredentials c = TlsCredentials.selfSigned(dir, TlsBench.NAME);
        try (NetworkNamespace ns = NetworkNamespace.createUnique("pmx-tls-bench")) {
            for (String version : List.of("-tls1_3", "-tls1_2")) {
                for (String mode : List.of("-new", "-reuse")) {
                    Process server = new ProcessBuilder(ns.prefixed("openssl", "s_server", "-accept", "4433", "-quiet",
                            "-cert", c.certificateFile().orElseThrow().toString(), "-key", c.keyFile().orElseThrow().toString()))
                            .redirectErrorStream(true).redirectOutput(dir.resolve("s_server.log").toFile()).start();
                    try {
                        Thread.sleep(500);
                        String text = ns.exec(T, "openssl", "s_time", "-connect", "127.0.0.1:4433", mode, version,
                                "-time", Integer.toString(seconds)).stdout();
                        Matcher m = Pattern.compile("(\\d+) connections in ([0-9.]+)s;\\s*([0-9.]+) connections/user sec")
                                .matcher(text);
                        Matcher real = Pattern.compile("(\\d+) connections in (\\d+) real seconds").matcher(text);
                        String rate = real.find()
                                ? String.format("%.0f connections/s (wall)", Double.parseDouble(real.group(1)) / Double.parseDouble(real.group(2)))
                                : "? (" + lastLine(text) + ")";
                        String user = m.find() ? ", " + m.group(3) + " connections per client CPU second" : "";
                        out.add("openssl s_time " + mode + " " + version + " against openssl s_server, loopback: " + rate + user);
                    } finally {
                        server.destroy();
                        server.waitFor();
                    }
                }
            }
        }
        out.forEach(System.out::println);
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1];
    }
}
