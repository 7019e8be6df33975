package io.panamax.benchmarks.suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the figures were measured on, and how busy it was. */
final class Machine {
    private Machine() {
    }

    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** The CPU model from /proc/cpuinfo. */
    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }

    static String kernel() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            return System.getProperty("os.version");
        }
    }

    static String os() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring(12).replace("\"", "");
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return System.getProperty("os.name");
    }

    static String jdk() {
        return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " ("
                + System.getProperty("java.vendor") + ")";
    }

    static long memoryGiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / (1024 * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return -1;
    }

    /** The 1-, 5- and 15-minute load averages. */
    static double[] load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (IOException | RuntimeException e) {
            return new double[] {-1, -1, -1};
        }
    }

    static String loadText() {
        double[] l = load();
        return String.format("%.2f %.2f %.2f", l[0], l[1], l[2]);
    }

    /** Whole-machine CPU time so far, in seconds (user + nice + system + irq + softirq + steal), from /proc/stat. */
    static double busyCpuSeconds() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().split("\\s+");
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]) + Long.parseLong(f[8]);
            return busy / (double) ticksPerSecond();
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** CPU seconds (user + system) a process has used so far, from /proc/PID/stat; NaN if it is gone. */
    static double processCpuSeconds(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split("\\s+");
            // After the command name: state is field 3 of stat(5), so utime (14) and stime (15) are at 11 and 12.
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) ticksPerSecond();
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    static long ticksPerSecond() {
        return 100; // USER_HZ on every Linux architecture the project targets
    }

    /** The commit the sources were built from (and whether the tree had changes), or "unknown". */
    static String commit(Path root) {
        try {
            Cmd.Result r = Cmd.run(java.time.Duration.ofSeconds(10), List.of("git", "-C", root.toString(), "rev-parse", "--short", "HEAD"));
            Cmd.Result d = Cmd.run(java.time.Duration.ofSeconds(10), List.of("git", "-C", root.toString(), "status", "--porcelain",
                    "--untracked-files=no"));
            if (r.ok()) {
                return r.output().strip() + (d.ok() && !d.output().isBlank() ? " (with local changes)" : "");
            }
        } catch (IOException | InterruptedException e) {
            // fall through
        }
        return "unknown";
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return false;
    }
}
