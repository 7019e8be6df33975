package io.panamax.benchmarks.suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What could hold a server's requests back during one measured window, for a latency tail: its
 * JVM's stop-the-world pauses (the lines its {@code -Xlog:gc,safepoint} file gained), how often
 * its two busiest threads (the event loop or the shard, and what competed with it: the JIT
 * compiler, a GC thread) were preempted (involuntary context switches) or slept (voluntary ones), and the CPU the server's CPU gave its softirq thread (work the kernel
 * deferred there competes with the server like any thread). Taken before and after the window,
 * from /proc and the log file: nothing runs during it.
 */
final class ServerWindow {
    /** A safepoint line of -Xlog:safepoint: its operation and its total time. */
    private static final Pattern SAFEPOINT = Pattern.compile("Safepoint \"([^\"]+)\".* Total: (\\d+) ns");

    private final long pid;
    private final Path gcLog;
    private final String serverCpu;
    private final long logOffset;
    private final Map<String, long[]> threads;
    private final long softirqTicks;

    private ServerWindow(long pid, Path gcLog, String serverCpu) {
        this.pid = pid;
        this.gcLog = gcLog;
        this.serverCpu = serverCpu;
        this.logOffset = size(gcLog);
        this.threads = threads(pid);
        this.softirqTicks = softirqTicks(serverCpu);
    }

    /** Opens the window: the state now. */
    static ServerWindow open(long pid, Path gcLog, String serverCpu) {
        return new ServerWindow(pid, gcLog, serverCpu);
    }

    /** Closes the window: one line for the raw output, what happened since {@link #open}. */
    String close() {
        Map<String, long[]> after = threads(pid);
        List<Map.Entry<String, long[]>> moved = new ArrayList<>();
        for (var e : after.entrySet()) {
            long[] b = threads.get(e.getKey());
            if (b != null) {
                long[] a = e.getValue();
                moved.add(Map.entry(e.getKey(), new long[] {a[0] - b[0], a[1] - b[1], a[2] - b[2]}));
            }
        }
        moved.sort((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0]));
        StringBuilder busiest = new StringBuilder();
        for (var e : moved.subList(0, Math.min(2, moved.size()))) {
            long[] d = e.getValue();
            busiest.append(Fmt.f("; %s %d ms CPU, preempted %d times, slept %d times", e.getKey().substring(e.getKey().indexOf(' ') + 1),
                    d[0] * 1000 / Machine.ticksPerSecond(), d[1], d[2]));
        }
        int gcPauses = 0;
        int others = 0;
        long gcNanos = 0;
        long longest = 0;
        try {
            byte[] all = Files.readAllBytes(gcLog);
            String added = new String(all, (int) Math.min(logOffset, all.length), (int) Math.max(0, all.length - logOffset));
            Matcher m = SAFEPOINT.matcher(added);
            while (m.find()) {
                long ns = Long.parseLong(m.group(2));
                if (m.group(1).contains("Collect") || m.group(1).startsWith("G1")) {
                    gcPauses++;
                    gcNanos += ns;
                } else {
                    others++;
                }
                longest = Math.max(longest, ns);
            }
        } catch (IOException | RuntimeException e) {
            return "server pauses: unreadable (" + e + ")\n";
        }
        long softirq = softirqTicks(serverCpu) - softirqTicks;
        return Fmt.f("server JVM: %d GC pauses (%.1f ms in all), %d other safepoints, longest %.2f ms; ksoftirqd/%s CPU %d ms%s "
                        + "(its two busiest threads; preempted: involuntary context switches, slept: voluntary ones)%n",
                gcPauses, gcNanos / 1e6, others, longest / 1e6, serverCpu, softirq * 1000 / Machine.ticksPerSecond(), busiest);
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Each thread of {@code pid}, as "TID NAME": its CPU ticks, involuntary and voluntary context switches so far. */
    private static Map<String, long[]> threads(long pid) {
        Map<String, long[]> m = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String st = Files.readString(t.resolve("stat"));
                    String[] f = st.substring(st.lastIndexOf(')') + 2).split("\\s+");
                    long cpu = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    long nonvoluntary = 0;
                    long voluntary = 0;
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                            nonvoluntary = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                        } else if (line.startsWith("voluntary_ctxt_switches:")) {
                            voluntary = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                        }
                    }
                    String name = Files.readString(t.resolve("comm")).strip();
                    m.put(t.getFileName() + " " + name, new long[] {cpu, nonvoluntary, voluntary});
                } catch (IOException | RuntimeException e) {
                    // a thread that ended meanwhile
                }
            }
        } catch (IOException e) {
            // the process is gone: no threads
        }
        return m;
    }

    /** CPU ticks (user + system) of the kernel's ksoftirqd thread of CPU {@code cpu} so far; 0 if not found. */
    private static long softirqTicks(String cpu) {
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String n = p.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (Files.readString(p.resolve("comm")).strip().equals("ksoftirqd/" + cpu)) {
                        String st = Files.readString(p.resolve("stat"));
                        String[] f = st.substring(st.lastIndexOf(')') + 2).split("\\s+");
                        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (IOException | RuntimeException e) {
                    // a process that ended meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }
}
