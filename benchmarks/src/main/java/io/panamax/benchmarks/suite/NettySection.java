package io.panamax.benchmarks.suite;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Netty application ({@code e2e/NettyTransportServer}: the HTTP echo of {@code NettyEchoServer}
 * and the gRPC hello-world Greeter) on Netty's epoll transport over a veth pair, and unchanged but
 * for its transport line on the Panamax Netty transport over TAP, over DPDK's net_tap and over
 * DPDK's net_af_xdp on a veth pair (as {@link HttpSection}'s af_xdp pass runs the echo sample); each
 * server confined to one CPU, the clients (wrk, a gRPC load generator) on the other, from the
 * same client namespace, in the same run.
 */
final class NettySection implements SuiteBenchmark {
    static final int[] WRK_CONNECTIONS = {32, 256};
    /** The loads, as the tables name them. */
    static final List<String> LOADS = List.of("wrk -c32", "wrk -c256", "gRPC unary");
    static final int GRPC_CONNECTIONS = 4;
    static final int GRPC_CONCURRENCY = 64;
    /** The CPU the servers run on; the clients get the other one. */
    static final String SERVER_CPU = "1";
    static final String CLIENT_CPU = "0";
    static final String SERVER_MAIN = "io.panamax.benchmarks.e2e.NettyTransportServer";
    static final String GRPC_MAIN = "io.panamax.benchmarks.e2e.GrpcLoad";
    /** The transports, in the order each round runs them. */
    static final List<String> TRANSPORTS = List.of("epoll", "tap", "dpdk", "af_xdp");
    private static final Duration T = Duration.ofSeconds(20);

    @Override
    public String name() {
        return "netty";
    }

    @Override
    public String title() {
        return "12. A Netty application on the Panamax transport (TAP, DPDK net_tap, DPDK net_af_xdp) against the same one on Netty's epoll: HTTP and gRPC";
    }

    @Override
    public String summary() {
        return "the same Netty HTTP echo (wrk -c32, -c256) and gRPC Greeter (unary) on Netty epoll over veth and on the Panamax "
                + "transport over TAP, DPDK net_tap and DPDK net_af_xdp (veth), one core each: requests/s, p99, CPU and heap bytes per request";
    }

    @Override
    public Optional<String> unavailable(Context ctx) {
        if (!Machine.isRoot()) {
            return Optional.of("needs root (network namespaces, TAP devices)");
        }
        for (String c : List.of("wrk", "taskset")) {
            if (!Cmd.onPath(c)) {
                return Optional.of("needs " + c + " (Debian: wrk, util-linux)");
            }
        }
        if (Machine.cores() < 2) {
            return Optional.of("needs 2 CPUs: one for the server, one for the clients");
        }
        return Optional.empty();
    }

    /**
     * One measured load on one server. {@code perCoreRate}: requests per second of the server's CPU
     * (gRPC: see {@link #grpc}); for wrk, which saturates the server's one CPU, the rate itself.
     */
    record Result(double rate, double p50Ms, double p99Ms, double cpuPerRequest, double heapPerRequest, long errors, double perCoreRate) {
        Result(double rate, double p50Ms, double p99Ms, double cpuPerRequest, double heapPerRequest, long errors) {
            this(rate, p50Ms, p99Ms, cpuPerRequest, heapPerRequest, errors, rate);
        }
    }

    /** A receive queue whose packet steering (RPS) a gRPC run points at one CPU: see {@link #grpc}. */
    record Steering(String netns, String device, String cpu) {
    }

    /** What one server gave: by load name ("wrk -c32", "gRPC unary"). */
    static final class Figures {
        final String server;
        final Map<String, Result> byLoad = new LinkedHashMap<>();

        Figures(String server) {
            this.server = server;
        }
    }

    @Override
    public void run(Context ctx, Section s) throws Exception {
        double seconds = ctx.seconds(10, 3);
        double warmup = ctx.seconds(5, 2);
        double jitWarmup = ctx.seconds(JIT_WARMUP_SECONDS, 2);
        int rounds = ctx.count(2, 1);
        StringBuilder commands = new StringBuilder();
        StringBuilder raw = new StringBuilder();
        Map<String, Figures> best = new LinkedHashMap<>();
        String why = NicSection.dpdkUnavailable();
        double loadBefore = Machine.load()[0];
        try (Netns ns = Netns.create()) {
            commands.append(ns.describe());
            String tap = Netns.tapName("pmxy");
            for (int round = 1; round <= rounds; round++) {
                StringBuilder cmds = round == 1 ? commands : new StringBuilder();
                if (rounds > 1) {
                    cmds.append("# round ").append(round).append(" of ").append(rounds).append('\n');
                }
                for (String transport : TRANSPORTS) {
                    if (!transport.equals("epoll") && !transport.equals("tap") && why != null) {
                        cmds.append("# DPDK not run: ").append(why).append('\n');
                        continue;
                    }
                    if (transport.equals("af_xdp") && !Cmd.onPath("ethtool")) {
                        cmds.append("# DPDK net_af_xdp not run: needs ethtool (Debian: ethtool)\n");
                        continue;
                    }
                    Path stats = ctx.logs.resolve("netty-alloc-" + transport + ".txt");
                    Files.createDirectories(stats.getParent());
                    Files.deleteIfExists(stats);
                    List<String> args = new ArrayList<>(List.of("--transport", transport, "--stats", stats.toString()));
                    String xdpEnd = null;
                    if (transport.equals("af_xdp")) {
                        xdpEnd = afXdpPair(ns, tap, cmds);
                        args.set(1, "dpdk");
                        args.addAll(List.of("--netns", ns.client, "--dpdk-vdev", "net_af_xdp_pmx0,iface=" + xdpEnd
                                + ",queue_count=1,busy_budget=0"));
                    } else if (!transport.equals("epoll")) {
                        args.addAll(List.of("--netns", ns.client, "--tap", tap));
                    }
                    List<String> java = new ArrayList<>(List.of("taskset", "-c", SERVER_CPU));
                    java.addAll(ctx.javaMain(SERVER_MAIN, args.toArray(String[]::new)));
                    // The JVM's pauses, read for each measured window (ServerWindow): one line per GC or safepoint.
                    Path gcLog = ctx.logs.resolve("netty-gc-" + transport + "-" + round + ".log");
                    java.add(java.indexOf("-cp"), "-Xlog:gc,safepoint:file=" + gcLog);
                    List<String> cmd = transport.equals("epoll") ? Netns.in(ns.server, java) : java;
                    cmds.append(transport.equals("epoll") ? "ip netns exec " + ns.server + " " : "").append("taskset -c ").append(SERVER_CPU)
                            .append(' ').append(ctx.displayJavaMain(SERVER_MAIN, args.toArray(String[]::new))
                                    .replaceFirst("^java ", "java -Xlog:gc,safepoint:file=netty-gc.log ")).append(" &\n");
                    String label = switch (transport) {
                        case "epoll" -> "Netty epoll, kernel TCP over veth";
                        case "tap" -> "Panamax transport over TAP";
                        case "dpdk" -> "Panamax transport over DPDK net_tap";
                        default -> "Panamax transport over DPDK net_af_xdp (veth)";
                    };
                    String ip = transport.equals("epoll") ? Netns.KERNEL_IP : Netns.STACK_IP;
                    try (Cmd.Background server = Cmd.start("Netty server (" + transport + ")",
                            ctx.logs.resolve("netty-" + transport + "-" + round + ".log"), cmd)) {
                        server.awaitLine("^ready", Duration.ofSeconds(90));
                        // Each receiver's kernel input on its own side's CPU during the gRPC load (see grpc()).
                        List<Steering> steering = transport.equals("epoll")
                                ? List.of(new Steering(ns.server, ns.vethServer, SERVER_CPU), new Steering(ns.client, ns.vethClient, CLIENT_CPU))
                                : List.of(new Steering(ns.client, tap, CLIENT_CPU));
                        Figures f = measure(ctx, ns, ip, server, stats, gcLog, label, seconds, warmup, jitWarmup, cmds, raw, round, steering);
                        Figures b = best.computeIfAbsent(label, Figures::new);
                        for (var e : f.byLoad.entrySet()) {
                            b.byLoad.merge(e.getKey(), e.getValue(), (x, y) -> y.perCoreRate > x.perCoreRate ? y : x);
                        }
                    } finally {
                        if (xdpEnd != null) {
                            // Deleting the kernel's end deletes both: the next round's TAP device takes 10.7.0.1 again.
                            Cmd.run(T, Netns.in(ns.client, "ip", "link", "del", tap));
                        }
                    }
                }
            }
        }
        double load = Math.max(loadBefore, Machine.load()[0]);
        report(s, best, commands, raw, seconds, warmup, jitWarmup, rounds, why, load > UNDER_LOAD * Machine.cores() ? load : Double.NaN);
    }

    /**
     * The veth pair for the af_xdp run, in the client namespace where the TAP device was: its
     * kernel end is named {@code tap} and takes the TAP's address (10.7.0.1/24), so wrk and the gRPC
     * load reach the stack at the same address over the same kind of path; DPDK's net_af_xdp drives
     * the other end. As the echo sample's af_xdp backend makes it (samples/DpdkBackend): the kernel's
     * end sends with real checksums (TX checksum offload off, which turns TSO off too: the stack
     * reads the frames raw from AF_XDP and would drop a CHECKSUM_PARTIAL frame), IPv6 off on both
     * ends. libxdp keeps its dispatcher in bpffs, mounted here where it is missing. Returns the
     * driver's end.
     */
    private static String afXdpPair(Netns ns, String tap, StringBuilder cmds) throws Exception {
        if (Files.readString(Path.of("/proc/self/mounts")).lines().noneMatch(l -> l.contains(" /sys/fs/bpf bpf "))) {
            Cmd.run(T, List.of("mount", "-t", "bpf", "bpf", "/sys/fs/bpf")).orThrow("mount bpffs");
            cmds.append("mount -t bpf bpf /sys/fs/bpf\n");
        }
        String xdpEnd = tap + "x";
        String[] ipv6Off = {"net.ipv6.conf." + tap + ".disable_ipv6=1", "net.ipv6.conf." + xdpEnd + ".disable_ipv6=1"};
        inClient(ns, cmds, "ip", "link", "add", tap, "type", "veth", "peer", "name", xdpEnd);
        inClient(ns, cmds, "ethtool", "-K", tap, "tx", "off");
        inClient(ns, cmds, "sysctl", "-qw", ipv6Off[0], ipv6Off[1]);
        inClient(ns, cmds, "ip", "addr", "add", Netns.TAP_HOST_CIDR, "dev", tap);
        inClient(ns, cmds, "ip", "link", "set", xdpEnd, "up");
        inClient(ns, cmds, "ip", "link", "set", tap, "up");
        return xdpEnd;
    }

    /** Runs {@code command} in the client namespace (it must succeed) and shows it with the commands. */
    private static void inClient(Netns ns, StringBuilder cmds, String... command) throws Exception {
        List<String> full = Netns.in(ns.client, command);
        Cmd.run(T, full).orThrow(String.join(" ", command));
        cmds.append(Cmd.shell(full)).append('\n');
    }

    /** Above this load average per CPU, the figures are marked as measured under load. */
    static final double UNDER_LOAD = 0.75;

    /**
     * Unmeasured HTTP load each server gets first, so that its JIT has compiled its hot paths before
     * any measured window. After the former 5 s alone, the compiler threads still took 26 % (Panamax
     * over TAP) and 34 % (epoll) of the server's one CPU during the measured wrk -c32 window (load 5-6);
     * after 20 s, 12 % and 1 %. The Panamax server has more Java to compile (the stack itself), so a
     * short warm-up measured its compiler more than its requests: -c32, measured first, read lower
     * than -c256. The compiler's share of each measured window is in the raw output.
     */
    static final double JIT_WARMUP_SECONDS = 20;

    private Figures measure(Context ctx, Netns ns, String ip, Cmd.Background server, Path stats, Path gcLog, String label, double seconds,
                            double warmup, double jitWarmup, StringBuilder commands, StringBuilder raw, int round, List<Steering> steering)
            throws Exception {
        Figures f = new Figures(label);
        String sec = Fmt.f("%.0f", seconds);
        String wu = Fmt.f("%.0f", warmup);
        String url = "http://" + ip + ":8080/echo";
        List<String> jit = List.of("taskset", "-c", CLIENT_CPU, "wrk", "-t1", "-c" + WRK_CONNECTIONS[0], "-d" + Fmt.f("%.0f", jitWarmup) + "s", url);
        commands.append(Cmd.shell(Netns.in(ns.client, jit))).append("   # JIT warm-up, unmeasured\n");
        Cmd.run(Duration.ofSeconds((long) jitWarmup + 60), Netns.in(ns.client, jit));
        for (int c : WRK_CONNECTIONS) {
            List<String> warm = List.of("taskset", "-c", CLIENT_CPU, "wrk", "-t1", "-c" + c, "-d" + wu + "s", url);
            Cmd.run(Duration.ofSeconds((long) warmup + 60), Netns.in(ns.client, warm));
            List<String> cmd = List.of("taskset", "-c", CLIENT_CPU, "wrk", "-t1", "-c" + c, "-d" + sec + "s", "--latency", url);
            commands.append(Cmd.shell(Netns.in(ns.client, cmd))).append("   # after the same for ").append(wu).append(" s, unmeasured\n");
            ctx.log("  " + label + ": " + Cmd.shell(cmd));
            double c0 = Machine.processCpuSeconds(server.pid());
            double j0 = compilerCpuSeconds(server.pid());
            double[] b0 = busyCpuSecondsByCpu();
            long a0 = allocated(stats);
            ServerWindow window = ServerWindow.open(server.pid(), gcLog, SERVER_CPU);
            Cmd.Result r = Cmd.run(Duration.ofSeconds((long) seconds + 60), Netns.in(ns.client, cmd)).orThrow("wrk");
            String pauses = window.close();
            double cpu = Machine.processCpuSeconds(server.pid()) - c0;
            double jitCpu = compilerCpuSeconds(server.pid()) - j0;
            double[] busy = minus(busyCpuSecondsByCpu(), b0);
            long alloc = allocated(stats) - a0;
            double requests = group(r.output(), "(\\d+) requests in");
            double rps = group(r.output(), "Requests/sec:\\s+([0-9.]+)");
            f.byLoad.put("wrk -c" + c, new Result(rps, HttpSection.latencyMs(r.output(), "50%"), HttpSection.latencyMs(r.output(), "99%"),
                    cpu / requests, alloc / requests, errors(r.output())));
            raw.append("## round ").append(round).append(", ").append(label).append(", wrk -c").append(c).append('\n')
                    .append(r.output().strip()).append(Fmt.f("%nserver CPU %.2f s (JIT compiler threads %.2f s), heap allocated %d bytes%n",
                            cpu, jitCpu, alloc)).append(perCpu(busy, requests)).append(pauses).append('\n');
        }
        try {
            steer(steering, true, commands);
            grpc(ctx, ns, ip, server, stats, label, seconds, jitWarmup, commands, raw, round, f);
        } catch (IllegalStateException e) {
            // One failed load (seen once: the load generator's first call found no connection within
            // 30 s on a starved machine) leaves that round without a gRPC figure, not the section.
            ctx.log("  " + label + ": gRPC load failed: " + e.getMessage().lines().findFirst().orElse(""));
            raw.append("## round ").append(round).append(", ").append(label).append(", gRPC unary: FAILED\n")
                    .append(Cmd.tail(e.getMessage(), 1500).strip()).append("\n\n");
        } finally {
            steer(steering, false, commands);
        }
        return f;
    }

    /**
     * Points each receive queue's packet steering (RPS, {@code rps_cpus}) at its CPU, or back to none.
     * Without it the kernel's TCP input of a frame runs on the CPU that sent it: over the veth pair,
     * epoll's own TCP input ran inside the client's {@code write(2)} on the clients' CPU, and the
     * server's {@code write(2)} (veth or tun) ran the client's TCP input on the server's CPU, so the
     * server's CPU paid the client's receive path and epoll's did not pay its own (docs/netty.md,
     * "Where a request's CPU goes"). Steered, each side's receive path is on its own CPU.
     */
    private static void steer(List<Steering> steering, boolean on, StringBuilder commands) throws Exception {
        for (Steering st : steering) {
            String mask = on ? Integer.toHexString(1 << Integer.parseInt(st.cpu())) : "0";
            List<String> cmd = Netns.in(st.netns(), "sh", "-c", "echo " + mask + " > /sys/class/net/" + st.device() + "/queues/rx-0/rps_cpus");
            // A queue left unsteered is said in the commands, not fatal: the figures then charge as before.
            boolean ok = Cmd.run(T, cmd).ok();
            commands.append(Cmd.shell(cmd)).append(on ? "   # for the gRPC load" : "").append(ok ? "" : "   # FAILED").append('\n');
        }
    }

    private void grpc(Context ctx, Netns ns, String ip, Cmd.Background server, Path stats, String label, double seconds, double warmup,
                      StringBuilder commands, StringBuilder raw, int round, Figures f) throws Exception {
        String sec = Fmt.f("%.0f", seconds);
        String wu = Fmt.f("%.0f", warmup);
        List<String> grpc = new ArrayList<>(List.of("taskset", "-c", CLIENT_CPU));
        // gRPC's own paths (HTTP/2, the call) compile during the load generator's warm-up: as long as the HTTP one.
        String[] grpcArgs = {"--target", ip + ":50051", "--connections", Integer.toString(GRPC_CONNECTIONS), "--concurrency",
                Integer.toString(GRPC_CONCURRENCY), "--seconds", sec, "--warmup", wu};
        grpc.addAll(ctx.javaMain(GRPC_MAIN, grpcArgs));
        commands.append("ip netns exec ").append(ns.client).append(" taskset -c ").append(CLIENT_CPU).append(' ')
                .append(ctx.displayJavaMain(GRPC_MAIN, grpcArgs)).append('\n');
        ctx.log("  " + label + ": gRPC unary, " + GRPC_CONCURRENCY + " calls in flight on " + GRPC_CONNECTIONS + " connections");
        // The load generator warms up inside its own run and says when its measured window starts
        // and ends: the server's CPU and heap are taken over the same window.
        double cpu;
        double jitCpu;
        double[] busy;
        double[] interrupts;
        long alloc;
        String output;
        try (Cmd.Background load = Cmd.start("gRPC load generator", ctx.logs.resolve("netty-grpc-" + round + ".log"),
                Netns.in(ns.client, grpc))) {
            load.awaitLine("^measuring", Duration.ofSeconds((long) warmup + 90));
            double c0 = Machine.processCpuSeconds(server.pid());
            double j0 = compilerCpuSeconds(server.pid());
            double[] b0 = busyCpuSecondsByCpu();
            double[] i0 = interruptCpuSecondsByCpu();
            long a0 = allocated(stats);
            load.awaitLine("^measured", Duration.ofSeconds((long) seconds + 60));
            cpu = Machine.processCpuSeconds(server.pid()) - c0;
            jitCpu = compilerCpuSeconds(server.pid()) - j0;
            busy = minus(busyCpuSecondsByCpu(), b0);
            interrupts = minus(interruptCpuSecondsByCpu(), i0);
            alloc = allocated(stats) - a0;
            load.awaitLine("^qps=.* errors=\\d+\\n", Duration.ofSeconds(30)); // the whole line
            output = load.output();
        }
        Matcher m = Pattern.compile("qps=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+) calls=(\\d+) errors=(\\d+)").matcher(output);
        if (!m.find()) {
            throw new IllegalStateException(label + ": the gRPC load generator printed no result:\n" + Cmd.tail(output, 2000));
        }
        double qps = Double.parseDouble(m.group(1));
        double calls = Double.parseDouble(m.group(4));
        // Per core: the gRPC client (Java, like the server) costs about as much per call as the
        // server, so neither CPU is saturated and both bound the closed loop (in the idle run of
        // 940cba2, epoll and TAP: the clients' CPU 90-95 % busy, the servers' 84-90 %): a faster
        // server moves the call rate by much less than its own gain. So the rate per core is calls per second of the server's CPU:
        // its process's time plus the interrupts and softirqs on its CPU (ticks spent there are not
        // charged to any process), with packet steering putting each side's kernel receive path on
        // its own side's CPU (steer()).
        double serverCpu = cpu + interrupts[1];
        f.byLoad.put("gRPC unary", new Result(qps, Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)), cpu / calls,
                alloc / calls, Long.parseLong(m.group(5)), calls / serverCpu));
        raw.append("## round ").append(round).append(", ").append(label).append(", gRPC unary\n").append(m.group())
                .append(Fmt.f("%nserver CPU %.2f s (JIT compiler threads %.2f s), heap allocated %d bytes%n", cpu, jitCpu, alloc))
                .append(Fmt.f("interrupts and softirqs on CPU %s %.2f s: %.0f calls per second of the server's CPU%n", SERVER_CPU,
                        interrupts[1], calls / serverCpu))
                .append(perCpu(busy, calls)).append('\n');
    }

    /** Seconds so far each CPU spent in interrupts and softirqs (/proc/stat's irq + softirq); NaN where unreadable. */
    static double[] interruptCpuSecondsByCpu() {
        return cpuSecondsByCpu(6, 7);
    }

    /**
     * Busy seconds so far of each CPU (user + nice + system + irq + softirq + steal, every process and
     * softirq included), from the per-CPU lines of /proc/stat; NaN where unreadable. The server's
     * process CPU is not the whole of what a request costs either side: the veth pair runs a
     * receiver's kernel TCP input on the sender's CPU (epoll's own receive path in wrk's write(2),
     * 24 % of wrk's samples with perf, none with TAP), and the tun write(2) runs the client's TCP
     * input on the Panamax server's CPU (26 % of its samples, docs/netty.md). Each CPU's busy time per request
     * shows where the work went.
     */
    static double[] busyCpuSecondsByCpu() {
        return cpuSecondsByCpu(1, 2, 3, 6, 7, 8);
    }

    /** The sum of the given fields (1 = user ...) of the clients' and the server's CPU lines in /proc/stat, in seconds. */
    private static double[] cpuSecondsByCpu(int... fields) {
        double[] seconds = {Double.NaN, Double.NaN};
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                String[] f = line.split("\\s+");
                int cpu = f[0].equals("cpu" + CLIENT_CPU) ? 0 : f[0].equals("cpu" + SERVER_CPU) ? 1 : -1;
                if (cpu >= 0) {
                    long ticks = 0;
                    for (int i : fields) {
                        ticks += Long.parseLong(f[i]);
                    }
                    seconds[cpu] = ticks / (double) Machine.ticksPerSecond();
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // NaN: the raw output says so
        }
        return seconds;
    }

    private static double[] minus(double[] a, double[] b) {
        return new double[] {a[0] - b[0], a[1] - b[1]};
    }

    /** The raw output's line: each CPU's busy time per request over the measured window. */
    static String perCpu(double[] busy, double requests) {
        return Fmt.f("CPU %s (server) busy %.1f µs/request, CPU %s (clients) busy %.1f µs/request (/proc/stat, every process and softirq)%n",
                SERVER_CPU, busy[1] / requests * 1e6, CLIENT_CPU, busy[0] / requests * 1e6);
    }

    /** CPU seconds of the JVM's JIT compiler threads ("C1/C2 CompilerThread<n>") in process {@code pid}. */
    private static double compilerCpuSeconds(long pid) {
        double sum = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(t.resolve("comm")).contains("CompilerThre")) {
                        String st = Files.readString(t.resolve("stat"));
                        String[] f = st.substring(st.lastIndexOf(')') + 2).split("\\s+");
                        sum += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) Machine.ticksPerSecond();
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    // a thread that ended meanwhile
                }
            }
        } catch (java.io.IOException e) {
            return Double.NaN;
        }
        return sum;
    }

    /** The server's heap bytes allocated so far, as its stats thread last wrote them. */
    private static long allocated(Path stats) throws Exception {
        for (int i = 0; i < 50; i++) {
            try {
                String s = Files.readString(stats).strip();
                if (!s.isEmpty()) {
                    return Long.parseLong(s);
                }
            } catch (java.io.IOException | NumberFormatException e) {
                // being replaced: read again
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no allocation figure in " + stats);
    }

    private static long errors(String wrk) {
        long n = 0;
        Matcher e = Pattern.compile("Non-2xx or 3xx responses: (\\d+)|Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)")
                .matcher(wrk);
        while (e.find()) {
            for (int g = 1; g <= e.groupCount(); g++) {
                if (e.group(g) != null) {
                    n += Long.parseLong(e.group(g));
                }
            }
        }
        return n;
    }

    private static double group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private void report(Section s, Map<String, Figures> best, StringBuilder commands, StringBuilder raw, double seconds, double warmup,
                        double jitWarmup, int rounds, String dpdkWhy, double underLoad) {
        s.text(Fmt.f("""
                One Netty application, `benchmarks/.../e2e/NettyTransportServer`: the HTTP echo of `NettyEchoServer`
                (`HttpServerCodec`, `HttpObjectAggregator`, a handler answering 200 with the request as its body) on
                port 8080 and the gRPC hello-world Greeter (grpc-netty 1.85.1, unary `SayHello`, `directExecutor()`:
                the call runs on the event loop) on port 50051, one event loop. Its four runs differ only in the
                transport line: **epoll** is Netty 4.2's native epoll transport on the kernel's TCP, in a namespace at
                the end of a veth pair; **Panamax over TAP** is `PanamaxEventLoopGroup` + `PanamaxServerSocketChannel`
                on a one-shard stack (its shard thread with Netty's thread-locals, `PanamaxEventLoopGroup.SHARD_THREADS`)
                on a TAP device whose kernel side is in the client namespace; **Panamax over DPDK
                net_tap** the same on DPDK's TAP driver (EAL without hugepages); **Panamax over DPDK net_af_xdp (veth)**
                the same on DPDK's AF_XDP driver on one end of a veth pair whose other end, with the TAP device's name and
                address, is in the client namespace (copy mode, the veth's native XDP, one queue, `busy_budget=0`, the
                kernel's end with TX checksum offload off: as the echo sample's af_xdp run in the http part). Each server (the whole JVM: JIT
                and GC threads too) is confined to CPU %s with `taskset`; the clients run on CPU %s in the client
                namespace, so a server's requests per second are its requests per second per core.

                - JIT warm-up: each server first gets `wrk -t1 -c32` for %.0f s, unmeasured, so that its JIT compiler
                  is done before any measured window (after 5 s alone it still took 26 %% of the Panamax server's CPU
                  and 34 %% of epoll's in the -c32 window; the compiler threads' CPU of every window is in the raw output).
                - HTTP: `wrk -t1 -c32` and `-c256 --latency`, %.0f s after an unmeasured run of %.0f s; p50 and p99 from
                  wrk's latency distribution.
                - gRPC: `GrpcLoad` (grpc-netty on the kernel, %d connections, %d unary calls in flight, each issuing the
                  next when answered; ghz is not packaged here), %.0f s after %.0f s of warm-up. The client, Java and
                  gRPC like the server, costs about as much per call as the server: neither CPU saturates and both
                  bound the closed loop (the clients' CPU 90-95 %% busy, the servers' 84-90 %%, epoll and TAP in the
                  idle run of 940cba2), so the call rate moves much less than the server's cost. The rate per core, and the ratio to
                  epoll, is therefore calls per second of the server's CPU: the server process's CPU time plus the
                  interrupts and softirqs on its CPU, with each receive queue's packet steering (RPS, `rps_cpus`)
                  set for the gRPC load so that each side's kernel receive path runs on its own side's CPU (the veth
                  end and the TAP device in the client namespace to CPU %s, the veth end in epoll's namespace to
                  CPU %s; without it epoll's TCP input ran on the client's CPU and the client's on the server's).
                - CPU per request: the server process's user + system time (/proc/PID/stat) over the measured
                  window, divided by its requests. Heap per request: the server JVM's bytes allocated by all its
                  threads (`ThreadMXBean.getTotalThreadAllocatedBytes`, written by the server every 100 ms) over
                  the same window, divided by its requests.
                - In the raw output only: each CPU's busy time per request over the same window (/proc/stat, every
                  process and softirq): which CPU the kernel's work landed on. The veth pair runs a receiver's TCP
                  input on the sender's CPU (epoll's own receive path inside wrk's `write(2)`, on the clients' CPU),
                  and the TAP device's `write(2)` runs the client's TCP input on the Panamax server's CPU; see
                  docs/netty.md, "Where a request's CPU goes".
                - In the raw output only, for each HTTP window: the server JVM's stop-the-world pauses (its
                  `-Xlog:gc,safepoint` lines), how often its busiest thread (the loop) was preempted or slept, and the
                  CPU time of the server CPU's `ksoftirqd`: what can make a p99 (docs/netty.md, "The wrk -c32 tail").

                %s""", SERVER_CPU, CLIENT_CPU, jitWarmup, seconds, warmup, GRPC_CONNECTIONS, GRPC_CONCURRENCY, seconds, jitWarmup, CLIENT_CPU, SERVER_CPU,
                rounds > 1 ? "Best of " + rounds + " rounds for each server and load (each round: epoll, TAP, DPDK net_tap, DPDK net_af_xdp, one after "
                        + "the other); every round is in the raw output." : "One round."));
        if (dpdkWhy != null) {
            s.text("DPDK not run: " + dpdkWhy + ".");
        }
        String loadMark = Double.isNaN(underLoad) ? "" : Fmt.f(" (under load %.1f)", underLoad);
        if (!Double.isNaN(underLoad)) {
            s.text(Fmt.f("""
                    **Measured under load**: the load average reached %.1f on %d CPUs during this run (other engineers'
                    builds and tests), so both servers and the clients competed with other work for their CPU. The
                    ratios are taken side by side in the same run, but they are noisy, and absolute rates are far
                    below what this machine gives when idle.""", underLoad, Machine.cores()));
        }
        s.text("Commands:");
        s.code(commands.toString());
        Figures epoll = best.values().iterator().next();
        List<List<String>> lines = new ArrayList<>();
        for (Figures f : best.values()) {
            for (String load : LOADS) {
                Result r = f.byLoad.get(load);
                Result k = epoll.byLoad.get(load);
                if (r == null) {
                    lines.add(List.of(f.server, load, "failed in every round", "", "", "", "", "", "", ""));
                    continue;
                }
                String rate = r.perCoreRate == r.rate ? Fmt.n(r.rate, 0) : Fmt.n(r.rate, 0) + " (" + Fmt.n(r.perCoreRate, 0) + " per CPU-second)";
                lines.add(List.of(f.server, load, rate, k == null ? "" : Fmt.ratio(r.perCoreRate, k.perCoreRate), Fmt.n(r.p50Ms, 3),
                        Fmt.n(r.p99Ms, 3), k == null ? "" : Fmt.ratio(r.p99Ms, k.p99Ms), Fmt.n(r.cpuPerRequest * 1e6, 1),
                        Fmt.n(r.heapPerRequest, 0), Long.toString(r.errors)));
            }
        }
        s.table(List.of("server", "load", "requests/s (one core)", "÷ epoll", "p50 ms", "p99 ms", "p99 ÷ epoll", "server CPU µs/request",
                "heap B/request", "errors"), lines);
        for (Figures f : best.values()) {
            if (f == epoll) {
                continue;
            }
            for (String load : LOADS) {
                Result p = f.byLoad.get(load);
                Result k = epoll.byLoad.get(load);
                String what = "Netty " + (load.startsWith("gRPC") ? "gRPC hello-world, unary" : "HTTP echo, " + load) + ", "
                        + f.server.replace("Panamax transport ", "") + loadMark;
                if (p == null || k == null) {
                    s.row(what, p == null ? "failed in every round" : Fmt.n(p.rate, 0) + " req/s",
                            k == null ? "failed in every round (Netty epoll)" : Fmt.n(k.rate, 0) + " req/s (Netty epoll, veth)", "",
                            "≥ 1.3 (rate per core), p99 ≤ epoll's", "not measured");
                    continue;
                }
                boolean met = p.perCoreRate >= 1.3 * k.perCoreRate && p.p99Ms <= k.p99Ms;
                String perCore = p.perCoreRate == p.rate ? "" : Fmt.n(p.perCoreRate, 0) + " per server CPU-second, ";
                String perCoreK = k.perCoreRate == k.rate ? "" : Fmt.n(k.perCoreRate, 0) + " per server CPU-second, ";
                s.row(what,
                        perCore + Fmt.n(p.rate, 0) + " req/s; p99 " + Fmt.n(p.p99Ms, 2) + " ms; " + Fmt.n(p.cpuPerRequest * 1e6, 1) + " µs CPU, "
                                + Fmt.n(p.heapPerRequest, 0) + " B heap /req",
                        perCoreK + Fmt.n(k.rate, 0) + " req/s; p99 " + Fmt.n(k.p99Ms, 2) + " ms; " + Fmt.n(k.cpuPerRequest * 1e6, 1) + " µs CPU, "
                                + Fmt.n(k.heapPerRequest, 0) + " B heap /req (Netty epoll, veth)",
                        Fmt.ratio(p.perCoreRate, k.perCoreRate) + (p.perCoreRate == p.rate ? " (rate); " : " (rate per core); ") + Fmt.ratio(p.p99Ms, k.p99Ms) + " (p99)",
                        "≥ 1.3 (rate per core), p99 ≤ epoll's", Fmt.yesNo(met));
            }
        }
        s.text("Raw output (every round):");
        s.code(raw.toString());
        s.text(Fmt.f("""
                Limits: %d CPUs in all, shared with other engineers' builds and tests while this ran (see the load
                average). The kernel's side of each path is not confined: the veth pair's and the TAP device's
                softirq work runs on whichever CPU raised it, mostly the client's, for both transports. TAP costs the
                Panamax server a system call per frame each way (`read` and `write` on the tun queue), which epoll's
                path does not pay per frame; DPDK's `net_tap` is the same tun device behind a poll-mode driver (whose
                receive trigger, a real-time signal to the process per frame, `DpdkNic` turns off when it opens the
                port: see netty/README.md). DPDK's `net_af_xdp` on a veth exchanges frames with the kernel through
                AF_XDP rings in shared memory (copy mode: the veth's XDP copies each frame once), with a `sendto` to
                kick transmission per burst instead of a system call per frame. On a NIC with a DPDK driver neither
                crossing exists; this machine has none.

                Server CPU per request is not like for like: the Panamax server's process pays for the TAP's
                system calls (a shard over TAP spins 8 empty iterations, then sleeps in ppoll on its queue),
                while much of the kernel's TCP work for epoll's server runs in softirq context charged to whichever
                process raised it (here often wrk's, on the client's CPU). Requests per second with each server
                confined to one CPU is the comparable figure for wrk, which saturates the server; for gRPC, whose
                client saturates first, it is the calls per second of the server's CPU, measured with packet
                steering as described above.""", Machine.cores()));
    }
}
