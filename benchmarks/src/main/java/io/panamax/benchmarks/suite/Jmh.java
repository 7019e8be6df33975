package io.panamax.benchmarks.suite;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs JMH benchmarks from the suite (JMH forks a fresh JVM for each, with this JVM's options) and
 * gives their results, the equivalent {@code java -jar benchmarks.jar ...} command, and the
 * results table JMH printed.
 */
final class Jmh {
    private final Context ctx;

    Jmh(Context ctx) {
        this.ctx = ctx;
    }

    /** One JMH invocation: what it ran and what came out. */
    record Run(String command, List<RunResult> results, String table, Path log) {
        /**
         * The results of {@code method} whose parameters include every given one: a simple name
         * ({@code transfer}), or {@code Class.method} where several classes of a run share one.
         */
        List<RunResult> find(String method, String... params) {
            List<RunResult> out = new ArrayList<>();
            for (RunResult r : results) {
                String b = r.getParams().getBenchmark();
                int dot = b.lastIndexOf('.');
                String name = method.contains(".") ? b.substring(b.lastIndexOf('.', dot - 1) + 1) : b.substring(dot + 1);
                if (!name.equals(method)) {
                    continue;
                }
                boolean all = true;
                for (int i = 0; i + 1 < params.length; i += 2) {
                    all &= params[i + 1].equals(r.getParams().getParam(params[i]));
                }
                if (all) {
                    out.add(r);
                }
            }
            return out;
        }

        /** The single result of {@code method} with those parameters, or null. */
        RunResult one(String method, String... params) {
            List<RunResult> l = find(method, params);
            return l.isEmpty() ? null : l.getFirst();
        }
    }

    /** The primary score of {@code r}. */
    static double score(RunResult r) {
        return r.getPrimaryResult().getScore();
    }

    static double error(RunResult r) {
        return r.getPrimaryResult().getScoreError();
    }

    /** A secondary result (a profiler's, an auxiliary counter) by name, or NaN. */
    static double secondary(RunResult r, String name) {
        Result<?> s = r.getSecondaryResults().get(name);
        return s == null ? Double.NaN : s.getScore();
    }

    static double secondaryError(RunResult r, String name) {
        Result<?> s = r.getSecondaryResults().get(name);
        return s == null ? Double.NaN : s.getScoreError();
    }

    /** A percentile of a sample-time result. */
    static double percentile(RunResult r, double p) {
        return r.getPrimaryResult().getStatistics().getPercentile(p);
    }

    /**
     * Runs the benchmarks matching {@code regex} with {@code params} (name → values), with the GC
     * profiler if {@code gc}. Iterations: 3 × 1 s warm-up and 5 × 1 s measured (quick: 1 × 0.5 s
     * and 2 × 0.5 s), one fork. Waits (up to 5 minutes) for another JMH run to release JMH's lock.
     */
    Run run(String logName, String regex, Map<String, String[]> params, boolean gc) throws IOException, InterruptedException {
        int wi = ctx.quick ? 1 : 3;
        int mi = ctx.quick ? 2 : 5;
        String wt = ctx.quick ? "500ms" : "1s";
        String mt = ctx.quick ? "500ms" : "1s";
        TimeValue w = TimeValue.fromString(wt);
        TimeValue m = TimeValue.fromString(mt);
        Path log = ctx.logs.resolve(logName + ".jmh.log");
        Files.createDirectories(log.getParent());
        ChainedOptionsBuilder b = new OptionsBuilder().include(regex).forks(1).warmupIterations(wi).warmupTime(w)
                .measurementIterations(mi).measurementTime(m).shouldFailOnError(true).output(log.toString());
        List<String> cli = new ArrayList<>(ctx.javaCommandPrefix());
        cli.set(0, "java");
        cli.addAll(List.of("-jar", ctx.displayJar(), regex, "-f", "1", "-wi", Integer.toString(wi), "-w", wt, "-i",
                Integer.toString(mi), "-r", mt));
        if (gc) {
            b.addProfiler(GCProfiler.class);
            cli.addAll(List.of("-prof", "gc"));
        }
        for (Map.Entry<String, String[]> e : params.entrySet()) {
            b.param(e.getKey(), e.getValue());
            cli.addAll(List.of("-p", e.getKey() + "=" + String.join(",", e.getValue())));
        }
        String command = Cmd.shell(cli);
        ctx.log("  jmh: " + command);
        long deadline = System.nanoTime() + 300_000_000_000L;
        Collection<RunResult> results;
        while (true) {
            try {
                results = new Runner(b.build()).run();
                break;
            } catch (RunnerException e) {
                String why = String.valueOf(e.getMessage());
                if (why.contains("lock") && System.nanoTime() < deadline) {
                    ctx.log("  jmh: another JMH run holds JMH's lock; waiting");
                    Thread.sleep(10_000);
                    continue;
                }
                throw new IllegalStateException("JMH failed: " + why + "\n" + Cmd.tail(readLog(log), 4000), e);
            }
        }
        if (results.isEmpty()) {
            throw new IllegalStateException("JMH ran nothing for " + regex + " (see " + log + "):\n" + Cmd.tail(readLog(log), 4000));
        }
        return new Run(command, new ArrayList<>(results), resultTable(readLog(log)), log);
    }

    Run run(String logName, String regex, boolean gc) throws IOException, InterruptedException {
        return run(logName, regex, new LinkedHashMap<>(), gc);
    }

    private static String readLog(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The final results table of a JMH log (from the last line that starts with "Benchmark"). */
    static String resultTable(String log) {
        String[] lines = log.split("\n");
        int start = -1;
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].startsWith("Benchmark ")) {
                start = i;
                break;
            }
        }
        if (start < 0) {
            return Cmd.tail(log, 3000);
        }
        StringBuilder b = new StringBuilder();
        for (int i = start; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                b.append(lines[i]).append('\n');
            }
        }
        return b.toString();
    }

    /** Lines of the JMH log that contain {@code marker} (what a benchmark printed in tear-down). */
    static List<String> printed(Run run, String marker) {
        List<String> out = new ArrayList<>();
        for (String l : readLog(run.log()).split("\n")) {
            if (l.contains(marker)) {
                out.add(l.strip());
            }
        }
        return out;
    }
}
