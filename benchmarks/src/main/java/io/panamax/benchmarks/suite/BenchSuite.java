package io.panamax.benchmarks.suite;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code bin/panamax bench}: runs each benchmark against its peer in the same run and writes
 * docs/benchmarks.md (summary table, then a part per benchmark with its commands, raw output and
 * notes) and the plots in docs/plots/.
 *
 * <pre>
 *   bin/panamax bench [--quick] [--only NAME,...] [--out FILE] [--list]
 * </pre>
 * {@code --quick}: a few minutes, short iterations, for a sanity check; it writes
 * benchmarks/target/suite/quick/benchmarks.md (not the docs) unless {@code --out} says otherwise.
 * {@code --only}: the named benchmarks; the page keeps the other parts as they were.
 */
public final class BenchSuite {
    static final List<SuiteBenchmark> ALL = List.of(
            new GarbageBench(),
            new IcmpBench(),
            new TcpSection(),
            new ScalingSection(),
            new RssSection(),
            new NicSection(),
            new ReactorSection(),
            new HttpSection(),
            new TlsSection(),
            new LossSection(),
            new RespSection(),
            new OffloadSection(),
            new NettySection(),
            new SynFloodSection());

    private BenchSuite() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args, System.out));
    }

    static int run(String[] args, PrintStream out) throws Exception {
        boolean quick = false;
        List<String> only = null;
        Path outFile = null;
        Path root = Path.of("").toAbsolutePath();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--only" -> only = List.of(value(args, ++i, "--only").split(","));
                case "--out" -> outFile = Path.of(value(args, ++i, "--out")).toAbsolutePath();
                case "--root" -> root = Path.of(value(args, ++i, "--root")).toAbsolutePath();
                case "--list" -> {
                    for (SuiteBenchmark b : ALL) {
                        out.printf("%-9s %s%n", b.name(), b.summary());
                    }
                    return 0;
                }
                case "--help", "-h" -> {
                    out.print(HELP);
                    return 0;
                }
                default -> {
                    System.err.println("panamax bench: unknown option '" + args[i] + "' (see --help)");
                    return 2;
                }
            }
        }
        List<SuiteBenchmark> selected = new ArrayList<>();
        if (only == null) {
            selected.addAll(ALL);
        } else {
            for (String name : only) {
                SuiteBenchmark b = ALL.stream().filter(x -> x.name().equals(name.strip())).findFirst().orElse(null);
                if (b == null) {
                    System.err.println("panamax bench: no benchmark '" + name + "' (--list shows them)");
                    return 2;
                }
                selected.add(b);
            }
        }
        Path jar = locateJar(root);
        Path work = root.resolve("benchmarks/target/suite");
        if (outFile == null) {
            outFile = quick ? work.resolve("quick/benchmarks.md") : root.resolve("docs/benchmarks.md");
        }
        Path plots = outFile.getParent().resolve("plots");
        Context ctx = new Context(quick, root, jar, work, plots, out);
        String commandLine = "bin/panamax bench" + (args.length == 0 ? "" : " " + String.join(" ", args));
        ctx.log("Panamax benchmark suite: " + selected.stream().map(SuiteBenchmark::name).toList() + (quick ? " (quick)" : "")
                + "; writing " + outFile);
        ctx.log("machine: " + Machine.cores() + " CPUs (" + Machine.cpuModel() + "), kernel " + Machine.kernel() + ", load "
                + Machine.loadText());

        // Ctrl-C or SIGTERM: stop the servers the suite started and remove its namespaces (in that order).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Cmd.stopAll();
            Netns.closeAll();
        }, "bench-cleanup"));
        Map<String, Report.Part> parts = Report.read(outFile);
        String commit = Machine.commit(root);
        int failures = 0;
        long suiteStart = System.nanoTime();
        for (SuiteBenchmark b : selected) {
            Section s = new Section(b.name(), b.title());
            LocalDateTime start = LocalDateTime.now();
            double[] loadBefore = Machine.load();
            long t0 = System.nanoTime();
            ctx.log("== " + b.name() + ": " + b.title() + " (load " + Machine.loadText() + ")");
            Optional<String> why = b.unavailable(ctx);
            String status;
            if (why.isPresent()) {
                ctx.log("   skipped: " + why.get());
                s.text("**Not run:** " + why.get() + ".");
                s.row(b.title(), "not run", "", "", "", "not run: " + why.get());
                status = "not run";
            } else {
                try {
                    b.run(ctx, s);
                    status = "ok";
                } catch (Exception | Error e) {
                    failures++;
                    status = "failed";
                    ctx.log("   FAILED: " + e);
                    e.printStackTrace(out);
                    s.text("**This benchmark failed in this run:**");
                    s.code(Cmd.tail(String.valueOf(e.getMessage()), 3000));
                    s.row(b.title(), "failed", "", "", "", "failed: " + firstLine(e.getMessage()));
                }
            }
            double minutes = (System.nanoTime() - t0) / 60e9;
            double[] loadAfter = Machine.load();
            String runLine = Fmt.f("Run %s, %.1f min, load average (1 min) %.2f at the start and %.2f at the end; commit %s; "
                            + "`%s`%s; %s.",
                    start.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")), minutes, loadBefore[0], loadAfter[0], commit,
                    "bin/panamax bench " + (quick ? "--quick " : "") + "--only " + b.name(),
                    commandLine.contains("--only") ? "" : " (as part of `" + commandLine + "`)", status);
            parts.put(b.name(), Report.part(s, runLine));
            ctx.log("   " + b.name() + ": " + status + Fmt.f(" in %.1f min", minutes));
            // Write after each benchmark: an interrupted run still leaves what it measured.
            write(outFile, parts, quick);
        }
        ctx.log(Fmt.f("done in %.1f min; wrote %s", (System.nanoTime() - suiteStart) / 60e9, outFile));
        return failures == 0 ? 0 : 1;
    }

    private static void write(Path outFile, Map<String, Report.Part> parts, boolean quick) throws IOException {
        List<String> order = ALL.stream().map(SuiteBenchmark::name).toList();
        String plotsLink = "plots/";
        String header = "# Benchmarks\n\n"
                + "Written by `bin/panamax bench` (`io.panamax.benchmarks.suite.BenchSuite`); edit the suite, not this page. "
                + "Every figure comes from a run of Panamax and its peer in the same run of the suite, on the machine "
                + "below, with the command that produced it and the load average at the time. Ratios are Panamax ÷ peer "
                + "for rates (above 1: Panamax is faster) and Panamax ÷ peer for times and costs (above 1: Panamax is "
                + "slower or costs more), as each row says. Plots are in [`" + plotsLink + "`](" + plotsLink + ").\n\n"
                + (quick ? "**This page comes from `--quick` runs: short iterations for a sanity check, not figures to quote.**\n\n" : "")
                + "Earlier figures and the component authors' analyses are in [benchmarks/](benchmarks/) "
                + "(reactor, dpdk, tap, wire, rss, tcp): they were measured under heavy load and the figures here, "
                + "re-measured by the suite, supersede them; their explanations still hold.\n\n"
                + "Run it: `bin/panamax bench` (all, under 30 minutes), `bin/panamax bench --quick` (a few minutes, writes "
                + "`benchmarks/target/suite/quick/benchmarks.md`), `bin/panamax bench --only NAME,...` (`--list` names them). "
                + "It needs root (network namespaces, TAP devices, DPDK's EAL) and the peers `bin/panamax` installs.";
        String machine = Fmt.f("| CPUs | CPU model | memory | kernel | OS | JDK |\n|---|---|---|---|---|---|\n| %d | %s | %d GiB | %s | %s | %s |",
                Machine.cores(), Machine.cpuModel(), Machine.memoryGiB(), Machine.kernel(), Machine.os(), Machine.jdk())
                + "\n\nA virtual machine shared with other engineers' builds and tests: each part says the load average "
                + "when it ran. With 2 CPUs, any other work competes with the benchmark and its peer; figures taken at a "
                + "load above about 1 are noisy, and ratios measured side by side are more reliable than absolute values.";
        Files.createDirectories(outFile.getParent());
        Files.writeString(outFile, Report.render(order, parts, header, machine), StandardCharsets.UTF_8);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        String l = s.strip().split("\n")[0];
        return l.length() > 120 ? l.substring(0, 120) + "…" : l;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /** The benchmarks jar this class runs from (or the one under the root). */
    private static Path locateJar(Path root) {
        try {
            Path self = Path.of(BenchSuite.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(self)) {
                return self.toAbsolutePath();
            }
        } catch (Exception e) {
            // fall through
        }
        return root.resolve("benchmarks/target/benchmarks.jar");
    }

    static Duration seconds(double s) {
        return Duration.ofMillis((long) (s * 1000));
    }

    static final String HELP = """
            usage: bin/panamax bench [--quick] [--only NAME,...] [--out FILE] [--list]

            Runs each benchmark with its peer in the same run and writes docs/benchmarks.md (a summary table,
            then a part per benchmark: commands, raw output, notes) and PNG plots in docs/plots/.

              --quick          short iterations (a few minutes in all): a sanity check; writes
                               benchmarks/target/suite/quick/benchmarks.md unless --out is given
              --only NAME,...  run only these (see --list); the page keeps the other parts as they were
              --out FILE       the page to write (plots go to plots/ beside it)
              --list           the benchmarks, one line each
            Needs root for the TAP, namespace and DPDK parts (others run without).
            """;
}
