package io.panamax.benchmarks.suite;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** What every benchmark of the suite shares: settings, paths, the Java command line, helpers. */
final class Context {
    final boolean quick;
    final Path root;
    final Path jar;
    final Path work;
    final Path logs;
    final Path plots;
    final PrintStream console;
    private Path rrPeer;
    private Path udpRtt;

    Context(boolean quick, Path root, Path jar, Path work, Path plots, PrintStream console) {
        this.quick = quick;
        this.root = root;
        this.jar = jar;
        this.work = work;
        this.logs = work.resolve("logs");
        this.plots = plots;
        this.console = console;
    }

    void log(String line) {
        console.println(LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")) + " " + line);
        console.flush();
    }

    /** {@code full} in a full run, {@code quick} with --quick. */
    double seconds(double full, double quick) {
        return this.quick ? quick : full;
    }

    int count(int full, int quick) {
        return this.quick ? quick : full;
    }

    /** The Java binary this suite runs on (child JVMs use the same). */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java} and the options every Panamax JVM needs. */
    List<String> javaCommandPrefix() {
        return new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
    }

    /** The benchmarks jar as the page shows it (relative to the repository root when inside it). */
    String displayJar() {
        return jar.startsWith(root) ? root.relativize(jar).toString() : jar.toString();
    }

    /** A command line that runs {@code main} from the benchmarks jar in a fresh JVM. */
    List<String> javaMain(String main, String... args) {
        List<String> c = javaCommandPrefix();
        c.addAll(List.of("-cp", jar.toString(), main));
        c.addAll(List.of(args));
        return c;
    }

    /** The same, as the page shows it. */
    String displayJavaMain(String main, String... args) {
        List<String> c = new ArrayList<>(List.of("java", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", displayJar(), main));
        c.addAll(List.of(args));
        return Cmd.shell(c);
    }

    /** The C request/response peer, compiled once into the work directory. */
    synchronized Path rrPeer() throws IOException, InterruptedException {
        if (rrPeer == null) {
            rrPeer = compiledPeer("rr/rr_peer.c", "rr_peer");
        }
        return rrPeer;
    }

    synchronized Path udpRtt() throws IOException, InterruptedException {
        if (udpRtt == null) {
            udpRtt = compiledPeer("udp/udp_rtt.c", "udp_rtt");
        }
        return udpRtt;
    }

    /** Compiles one of the suite's C peers ({@code benchmarks/src/main/c/SOURCE}) into the work directory. */
    private Path compiledPeer(String source, String name) throws IOException, InterruptedException {
        Path src = root.resolve("benchmarks/src/main/c/" + source);
        if (!Files.exists(src)) {
            throw new IllegalStateException("missing " + src + " (run the suite from the repository root, or pass --root)");
        }
        Path bin = work.resolve(name);
        Files.createDirectories(work);
        Cmd.run(Duration.ofSeconds(60), "gcc", "-O2", "-o", bin.toString(), src.toString()).orThrow("compiling " + source);
        return bin;
    }

    /** The path of {@code p} as the page shows it (relative to the repository root when inside it). */
    String display(Path p) {
        return p.startsWith(root) ? root.relativize(p).toString() : p.toString();
    }
}
