package io.panamax.benchmarks.suite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** External commands: run to completion with a time limit, or start in the background. */
final class Cmd {
    private Cmd() {
    }

    /** What a finished command printed (stdout and stderr together) and how it ended. */
    record Result(List<String> command, int exit, String output, boolean timedOut, double seconds) {
        boolean ok() {
            return exit == 0 && !timedOut;
        }

        Result orThrow(String what) {
            if (!ok()) {
                throw new IllegalStateException(what + " failed (" + (timedOut ? "timed out" : "exit " + exit) + "): "
                        + String.join(" ", command) + "\n" + tail(output, 2000));
            }
            return this;
        }
    }

    static Result run(Duration timeout, String... command) throws IOException, InterruptedException {
        return run(timeout, List.of(command));
    }

    /** Runs {@code command}, waits up to {@code timeout} (then kills it), returns its output. */
    static Result run(Duration timeout, List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("pmx-bench-cmd", ".out");
        try {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            FOREGROUND.add(p);
            boolean done;
            try {
                done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                FOREGROUND.remove(p);
            }
            if (!done) {
                killTree(p.toHandle());
                p.waitFor(10, TimeUnit.SECONDS);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            String text = Files.readString(out, StandardCharsets.UTF_8);
            return new Result(List.copyOf(command), done ? p.exitValue() : -1, text, !done, seconds);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Kills a process and its descendants (the ones this suite started), children first. */
    static void killTree(ProcessHandle h) {
        h.descendants().forEach(ProcessHandle::destroyForcibly);
        h.destroyForcibly();
    }

    /** A command running in the background, its output going to a log file. */
    static final class Background implements AutoCloseable {
        final String name;
        final Process process;
        final Path log;

        private Background(String name, Process process, Path log) {
            this.name = name;
            this.process = process;
            this.log = log;
        }

        long pid() {
            return process.pid();
        }

        String output() {
            try {
                return Files.readString(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        /** Waits until the output has a line matching {@code regex}; fails if the process ends or time runs out. */
        void awaitLine(String regex, Duration timeout) throws InterruptedException {
            Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!p.matcher(output()).find()) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " ended (exit " + process.exitValue() + ") before printing /"
                            + regex + "/:\n" + tail(output(), 3000));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + " did not print /" + regex + "/ within " + timeout + ":\n"
                            + tail(output(), 3000));
                }
                Thread.sleep(50);
            }
        }

        /** SIGTERM, then SIGKILL after {@code grace}; returns the exit status (or -1). */
        int stop(Duration grace) throws InterruptedException {
            RUNNING.remove(this);
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    killTree(process.toHandle());
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
            return process.isAlive() ? -1 : process.exitValue();
        }

        @Override
        public void close() throws InterruptedException {
            stop(Duration.ofSeconds(15));
        }
    }

    /** Commands being waited for: an interrupted suite kills them too. */
    private static final java.util.Set<Process> FOREGROUND = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Every background process started and not yet stopped: the suite's shutdown hook stops them. */
    private static final java.util.Set<Background> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static Background start(String name, Path log, List<String> command) throws IOException {
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Background b = new Background(name, p, log);
        RUNNING.add(b);
        return b;
    }

    /** Stops what is still running (on an interrupted run). */
    static void stopAll() {
        for (Process p : FOREGROUND) {
            killTree(p.toHandle());
        }
        for (Background b : RUNNING) {
            try {
                b.stop(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The last {@code chars} characters of {@code s}. */
    static String tail(String s, int chars) {
        return s.length() <= chars ? s : "…" + s.substring(s.length() - chars);
    }

    /** {@code prefix} + {@code command}, as a new list. */
    static List<String> prefixed(List<String> prefix, List<String> command) {
        List<String> all = new ArrayList<>(prefix);
        all.addAll(command);
        return all;
    }

    /** A command line as a shell would take it (arguments with spaces or quotes are quoted). */
    static String shell(List<String> command) {
        StringBuilder b = new StringBuilder();
        for (String a : command) {
            if (!b.isEmpty()) {
                b.append(' ');
            }
            if (a.matches("[A-Za-z0-9_./:=,@%+-]+")) {
                b.append(a);
            } else {
                b.append('\'').append(a.replace("'", "'\\''")).append('\'');
            }
        }
        return b.toString();
    }

    /** Whether {@code name} is on the PATH. */
    static boolean onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(":")) {
            if (Files.isExecutable(Path.of(d, name))) {
                return true;
            }
        }
        return false;
    }
}
