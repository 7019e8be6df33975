package io.panamax.benchmarks.suite;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The echo sample end to end: wrk against its HTTP echo, and a request/response client against its
 * TCP echo, over TAP, over DPDK's net_tap and over DPDK's net_af_xdp on a veth pair, against the
 * same services on Netty's epoll transport on the kernel stack (over a veth pair), from the same
 * client namespace, same settings, same run. The af_xdp rows are also judged against the TAP
 * backend's (issue 15's goal: kernel bypass at least as fast as TAP).
 */
final class HttpSection implements SuiteBenchmark {
    static final int WRK_CONNECTIONS = 32;
    /** The echo sample's {@code --dpdk-device} for DPDK's AF_XDP driver on a veth pair it makes. */
    static final String AF_XDP = "af_xdp";
    /** The same with the veth's NAPI in a kernel thread ({@code DpdkBackend.THREADED_NAPI}). */
    static final String AF_XDP_THREADED = "af_xdp_threaded";
    private static final String THREADED_NAPI = "-Dpanamax.dpdk.afXdpThreadedNapi=true";
    /** Unmeasured wrk run against each Panamax server before its figures, quick mode included. */
    static final int JIT_WARMUP_SECONDS = 5;

    @Override
    public String name() {
        return "http";
    }

    @Override
    public String title() {
        return "7. The echo sample end to end: HTTP (wrk) and TCP echo over TAP, DPDK net_tap and DPDK net_af_xdp against Netty on the kernel; the HTTP parser";
    }

    @Override
    public String summary() {
        return "wrk against the HTTP echo (8080) and a 64-byte request/response client against TCP echo (7): the sample over TAP, "
                + "DPDK net_tap and DPDK net_af_xdp (veth) vs Netty epoll over veth; requests/s, latency, CPU per request";
    }

    @Override
    public Optional<String> unavailable(Context ctx) {
        if (!Machine.isRoot()) {
            return Optional.of("needs root (network namespaces, TAP devices)");
        }
        return Optional.empty();
    }

    /** What one server gave. */
    static final class Figures {
        final String server;
        final Map<Integer, double[]> rr = new LinkedHashMap<>(); // connections -> {tps, server CPU s per transaction}
        boolean http;
        double rps = Double.NaN;
        double p50Ms = Double.NaN;
        double p99Ms = Double.NaN;
        double cpuPerRequest = Double.NaN;
        double machineCpuPerRequest = Double.NaN;
        long errors;
        String wrkOutput = "";

        Figures(String server) {
            this.server = server;
        }
    }

    @Override
    public void run(Context ctx, Section s) throws Exception {
        double seconds = ctx.seconds(10, 3);
        double warmup = ctx.seconds(5, 1);
        int rounds = ctx.count(2, 1);
        StringBuilder commands = new StringBuilder();
        List<List<Figures>> byRound = new ArrayList<>();
        String rrPeer = ctx.rrPeer().toString();
        boolean wrk = Cmd.onPath("wrk");
        boolean panamaxHttp = false;
        try (Netns ns = Netns.create()) {
            commands.append(ns.describe());
            String tap = Netns.tapName("pmxh");
            for (int round = 1; round <= rounds; round++) {
                List<Figures> all = new ArrayList<>();
                StringBuilder cmds = round == 1 ? commands : new StringBuilder();
                if (rounds > 1) {
                    cmds.append("# round ").append(round).append(" of ").append(rounds).append('\n');
                }
                // The kernel peer: Netty on epoll in the server namespace.
                List<String> netty = Netns.in(ns.server, ctx.javaMain("io.panamax.benchmarks.e2e.NettyEchoServer", "--threads", "1"));
                cmds.append("ip netns exec ").append(ns.server).append(' ')
                        .append(ctx.displayJavaMain("io.panamax.benchmarks.e2e.NettyEchoServer", "--threads", "1")).append(" &\n");
                try (Cmd.Background server = Cmd.start("Netty echo", ctx.logs.resolve("http-netty-" + round + ".log"), netty)) {
                    server.awaitLine("^ready", Duration.ofSeconds(60));
                    all.add(measure(ctx, ns, Netns.KERNEL_IP, server.pid(), "Netty (epoll) on the kernel, over veth", true, wrk,
                            rrPeer, seconds, warmup, cmds));
                }
                // Panamax: the echo sample over TAP, then over DPDK's net_tap, then over DPDK's
                // net_af_xdp on a veth pair (the sample makes the pair; its kernel end, named
                // like the TAP device, sits in the client namespace just as the TAP device does).
                // And af_xdp again with the veth's receive processing in a kernel thread (threaded
                // NAPI) instead of in softirq on the client's CPU: opt-in in the sample until this
                // row, taken on an idle machine, decides (docs/dpdk.md).
                for (String backend : List.of("tap", "dpdk", AF_XDP, AF_XDP_THREADED)) {
                    if (!backend.equals("tap") && NicSection.dpdkUnavailable() != null) {
                        cmds.append("# DPDK backend not run: ").append(NicSection.dpdkUnavailable()).append('\n');
                        continue;
                    }
                    List<String> argList = new ArrayList<>(List.of("echo", "--backend", backend.equals("tap") ? "tap" : "dpdk",
                            "--netns", ns.client, "--tap", tap, "--shards", "1", "--status", "0"));
                    if (backend.startsWith(AF_XDP)) {
                        argList.addAll(List.of("--dpdk-device", AF_XDP));
                    }
                    String[] args = argList.toArray(String[]::new);
                    List<String> java = ctx.javaMain("io.panamax.samples.Main", args);
                    String display = ctx.displayJavaMain("io.panamax.samples.Main", args);
                    if (backend.equals(AF_XDP_THREADED)) {
                        java.add(java.indexOf("-cp"), THREADED_NAPI);
                        display = display.replace(" -cp ", " " + THREADED_NAPI + " -cp ");
                    }
                    cmds.append(display).append(" &   # = bin/panamax echo ...\n");
                    try (Cmd.Background server = Cmd.start("echo sample (" + backend + ")",
                            ctx.logs.resolve("http-sample-" + backend + "-" + round + ".log"), java)) {
                        server.awaitLine("Panamax is up", Duration.ofSeconds(90));
                        boolean hasHttp = probeHttp(ns, Netns.STACK_IP);
                        panamaxHttp |= hasHttp;
                        if (hasHttp && wrk) {
                            // The JIT first: right after start the af_xdp path served 199 requests/s
                            // for 2 s, then ~20,000 (docs/dpdk.md); the quick mode's 1 s warm-ups
                            // measured that phase. Unmeasured, the same for every backend.
                            List<String> jit = List.of("wrk", "-t1", "-c" + WRK_CONNECTIONS, "-d" + JIT_WARMUP_SECONDS + "s",
                                    "http://" + Netns.STACK_IP + ":8080/echo");
                            cmds.append(Cmd.shell(Netns.in(ns.client, jit))).append("   # JIT warm-up, unmeasured\n");
                            Cmd.run(Duration.ofSeconds(JIT_WARMUP_SECONDS + 60), Netns.in(ns.client, jit));
                        }
                        all.add(measure(ctx, ns, Netns.STACK_IP, server.pid(), "Panamax echo sample over " + switch (backend) {
                            case "tap" -> "TAP";
                            case "dpdk" -> "DPDK net_tap";
                            case AF_XDP -> "DPDK net_af_xdp (veth)";
                            default -> "DPDK net_af_xdp (veth), threaded NAPI";
                        }, hasHttp, wrk, rrPeer, seconds, warmup, cmds));
                    }
                }
                byRound.add(all);
            }
        }
        report(ctx, s, best(byRound), commands, wrk, panamaxHttp, seconds, warmup, byRound);
        parser(ctx, s);
    }

    /**
     * Per server, the best of the rounds: the highest transaction rate for each connection count
     * (with that round's CPU), and the wrk round with the most requests per second (with its latency
     * and CPU). Other work on the machine only ever slows a round down.
     */
    static List<Figures> best(List<List<Figures>> byRound) {
        List<Figures> out = new ArrayList<>();
        for (int i = 0; i < byRound.getFirst().size(); i++) {
            Figures b = new Figures(byRound.getFirst().get(i).server);
            for (List<Figures> round : byRound) {
                Figures f = round.get(i);
                for (Map.Entry<Integer, double[]> e : f.rr.entrySet()) {
                    double[] have = b.rr.get(e.getKey());
                    if (have == null || e.getValue()[0] > have[0]) {
                        b.rr.put(e.getKey(), e.getValue());
                    }
                }
                b.http |= f.http;
                if (f.http && (Double.isNaN(b.rps) || f.rps > b.rps)) {
                    b.rps = f.rps;
                    b.p50Ms = f.p50Ms;
                    b.p99Ms = f.p99Ms;
                    b.cpuPerRequest = f.cpuPerRequest;
                    b.machineCpuPerRequest = f.machineCpuPerRequest;
                    b.errors = f.errors;
                    b.wrkOutput = f.wrkOutput;
                }
            }
            out.add(b);
        }
        return out;
    }

    /** The sample's HTTP request parser on its own (JMH), against a String-splitting parse. */
    private void parser(Context ctx, Section s) throws Exception {
        s.heading("The HTTP request parser alone");
        s.text("""
                `HttpParserBenchmark` (`benchmarks/src/main/java/io/panamax/benchmarks/http/`, by the HTTP sample's
                author): requests per second through the sample's incremental parser, from off-heap memory, and heap
                bytes per request, against a String-splitting parse of curl's GET (`naiveStringParse`) in the same
                run. Details in [http.md](http.md).""");
        Jmh.Run r = new Jmh(ctx).run("http-parser", "io.panamax.benchmarks.http.HttpParserBenchmark", true);
        s.code(r.command());
        List<List<String>> lines = new ArrayList<>();
        for (var x : r.results()) {
            String b = x.getParams().getBenchmark();
            lines.add(List.of("`" + b.substring(b.lastIndexOf('.') + 1) + "`", Fmt.n(Jmh.score(x), 0),
                    Fmt.bytes(Jmh.secondary(x, "gc.alloc.rate.norm"))));
        }
        s.table(List.of("benchmark", "requests/s", "heap per request"), lines);
        var curl = r.one("curlGet");
        var naive = r.one("naiveStringParse");
        if (curl != null && naive != null) {
            s.row("HTTP request parser, curl's GET (86 bytes), one core", Fmt.n(Jmh.score(curl), 0) + " req/s, "
                            + Fmt.bytes(Jmh.secondary(curl, "gc.alloc.rate.norm")) + "/req",
                    Fmt.n(Jmh.score(naive), 0) + " req/s, " + Fmt.bytes(Jmh.secondary(naive, "gc.alloc.rate.norm"))
                            + "/req (String-splitting parse)",
                    Fmt.ratio(Jmh.score(curl), Jmh.score(naive)) + " (rate)", "0 B/request", Fmt.yesNo(Jmh.secondary(curl,
                            "gc.alloc.rate.norm") < GarbageBench.ZERO));
        }
        s.text("Raw output (JMH results table):");
        s.code(r.table());
    }

    private static boolean probeHttp(Netns ns, String ip) throws Exception {
        Cmd.Result r = Cmd.run(Duration.ofSeconds(10), Netns.in(ns.client, "curl", "-s", "-m", "3", "-o", "/dev/null", "-w", "%{http_code}",
                "http://" + ip + ":8080/probe"));
        return r.output().strip().equals("200");
    }

    private Figures measure(Context ctx, Netns ns, String ip, long serverPid, String label, boolean http, boolean wrk, String rrPeer,
                            double seconds, double warmup, StringBuilder commands) throws Exception {
        Figures f = new Figures(label);
        String sec = Fmt.f("%.0f", seconds);
        String wu = Fmt.f("%.0f", warmup);
        for (int conns : new int[] {1, 64}) {
            List<String> cmd = List.of(rrPeer, "client", ip, "7", Integer.toString(conns), sec, wu);
            commands.append("ip netns exec ").append(ns.client).append(" benchmarks/target/suite/rr_peer client ").append(ip)
                    .append(" 7 ").append(conns).append(' ').append(sec).append(' ').append(wu).append('\n');
            ctx.log("  " + label + ": TCP echo, " + conns + " connection(s)");
            double[] cpu = new double[1];
            Cmd.Result r = TcpSection.measuredWithCpu(Netns.in(ns.client, cmd), serverPid, warmup, seconds, cpu);
            Matcher m = Pattern.compile("tps=([0-9.]+)").matcher(r.output());
            if (!r.ok() || !m.find()) {
                throw new IllegalStateException(label + ": rr_peer failed:\n" + Cmd.tail(r.output(), 2000));
            }
            double tps = Double.parseDouble(m.group(1));
            f.rr.put(conns, new double[] {tps, cpu[0] / (tps * seconds)});
        }
        f.http = http;
        if (http && wrk) {
            String url = "http://" + ip + ":8080/echo";
            List<String> warm = List.of("wrk", "-t1", "-c" + WRK_CONNECTIONS, "-d" + wu + "s", url);
            Cmd.run(Duration.ofSeconds((long) warmup + 60), Netns.in(ns.client, warm));
            List<String> cmd = List.of("wrk", "-t1", "-c" + WRK_CONNECTIONS, "-d" + sec + "s", "--latency", url);
            commands.append(Cmd.shell(Netns.in(ns.client, cmd))).append("   # after the same for ").append(wu).append(" s, unmeasured\n");
            ctx.log("  " + label + ": " + Cmd.shell(cmd));
            double c0 = Machine.processCpuSeconds(serverPid);
            double m0 = Machine.busyCpuSeconds();
            Cmd.Result r = Cmd.run(Duration.ofSeconds((long) seconds + 60), Netns.in(ns.client, cmd)).orThrow("wrk");
            double c1 = Machine.processCpuSeconds(serverPid);
            double m1 = Machine.busyCpuSeconds();
            f.wrkOutput = r.output();
            f.rps = group(r.output(), "Requests/sec:\\s+([0-9.]+)");
            f.p50Ms = latencyMs(r.output(), "50%");
            f.p99Ms = latencyMs(r.output(), "99%");
            double requests = group(r.output(), "(\\d+) requests in");
            f.cpuPerRequest = (c1 - c0) / requests;
            f.machineCpuPerRequest = (m1 - m0) / requests;
            Matcher e = Pattern.compile("Non-2xx or 3xx responses: (\\d+)|Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)")
                    .matcher(r.output());
            while (e.find()) {
                for (int g = 1; g <= e.groupCount(); g++) {
                    if (e.group(g) != null) {
                        f.errors += Long.parseLong(e.group(g));
                    }
                }
            }
        }
        return f;
    }

    private static double group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** A wrk latency-distribution percentile in ms ("50%  2.46ms", "99%  820.00us", "99%  1.20s"). */
    static double latencyMs(String wrk, String percentile) {
        Matcher m = Pattern.compile("^\\s*" + Pattern.quote(percentile) + "\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE).matcher(wrk);
        if (!m.find()) {
            return Double.NaN;
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }

    private void report(Context ctx, Section s, List<Figures> all, StringBuilder commands, boolean wrk, boolean panamaxHttp,
                        double seconds, double warmup, List<List<Figures>> byRound) {
        s.text(Fmt.f("""
                The same namespace arrangement as part 2: every client runs in one client namespace; **Panamax** is the
                echo sample as `bin/panamax echo` runs it (one shard, the default idle policy), first on a TAP device
                (`--backend tap`), then on DPDK's `net_tap` driver (`--backend dpdk`, EAL without hugepages), then on
                DPDK's `net_af_xdp` driver on one end of a veth pair the sample makes (`--backend dpdk --dpdk-device
                af_xdp`: AF_XDP in copy mode, veth's native XDP, one queue, `busy_budget=0`), and once more on `net_af_xdp` with
                the veth's receive processing in a kernel thread (`-Dpanamax.dpdk.afXdpThreadedNapi=true`: threaded NAPI
                on the AF_XDP end, whose XDP program and copy into the socket otherwise run in softirq on the client's
                CPU), each with its kernel side
                (the TAP device, the veth's other end) in the client namespace; the **peer** is the same services written
                on Netty 4.1 with its native epoll transport and one event-loop thread (`NettyEchoServer`), on the kernel's TCP stack in a
                second namespace at the other end of a veth pair. Same clients, same settings, same run:

                - TCP echo (port 7): `rr_peer` (C, epoll) with 1 and 64 connections, each sending 64 bytes and waiting for
                  them back, %.0f s after %.0f s of warm-up; the server's CPU (user + system from /proc/PID/stat) over the
                  measured window, per transaction.
                - HTTP echo (port 8080): `wrk -t1 -c%d --latency` for %.0f s after an unmeasured %.0f s run; requests/s,
                  p50 and p99 latency, the server process's CPU seconds per request, and the whole machine's (all
                  processes, softirq included, from /proc/stat) per request.

                %s""", seconds, warmup, WRK_CONNECTIONS, seconds, warmup, byRound.size() > 1
                ? "The servers run " + byRound.size() + " rounds, one after the other in each round (Netty, TAP, net_tap, af_xdp, af_xdp threaded, then "
                        + "again); "
                        + "the tables give each server's best round (the highest rate, with that round's latency and CPU), "
                        + "since other work on the shared machine only slows a round down; every round is in the raw output."
                : "One round."));
        if (!panamaxHttp) {
            s.text("""
                    **The HTTP echo of the sample has not landed on this branch** (nothing answered on port 8080 of the
                    stack), so only the TCP echo comparison ran for Panamax; the Netty HTTP echo and the wrk harness ran
                    against the peer alone, and will compare both sides as soon as `bin/panamax echo` serves HTTP.""");
        }
        if (!wrk) {
            s.text("wrk is not installed: no HTTP figures.");
        }
        s.text("Commands:");
        s.code(commands.toString());
        Figures kernel = all.getFirst();
        List<List<String>> rr = new ArrayList<>();
        for (Figures f : all) {
            for (Map.Entry<Integer, double[]> e : f.rr.entrySet()) {
                double[] k = kernel.rr.get(e.getKey());
                rr.add(List.of(f.server, Integer.toString(e.getKey()), Fmt.n(e.getValue()[0], 0), Fmt.ratio(e.getValue()[0], k[0]),
                        Fmt.n(e.getValue()[1] * 1e6, 2), Fmt.ratio(e.getValue()[1], k[1])));
            }
        }
        s.heading("TCP echo, 64-byte request/response");
        s.table(List.of("server", "connections", "transactions/s", "÷ Netty", "server CPU µs per transaction", "÷ Netty (cost)"), rr);
        for (Figures f : all.subList(1, all.size())) {
            for (int conns : new int[] {1, 64}) {
                double[] p = f.rr.get(conns);
                double[] k = kernel.rr.get(conns);
                s.row("TCP echo, 64 B, " + conns + " conn., " + f.server.replace("Panamax echo sample ", ""),
                        Fmt.n(p[0], 0) + " tx/s; " + Fmt.n(p[1] * 1e6, 1) + " µs CPU/tx",
                        Fmt.n(k[0], 0) + " tx/s; " + Fmt.n(k[1] * 1e6, 1) + " µs CPU/tx (Netty, veth)",
                        Fmt.ratio(p[0], k[0]) + " (rate); " + Fmt.ratio(p[1], k[1]) + " (CPU)", "≥ 1 (rate)", Fmt.yesNo(p[0] >= k[0]));
            }
        }
        afXdpAgainstTap(s, all);
        if (wrk) {
            s.heading("HTTP echo, wrk");
            List<List<String>> h = new ArrayList<>();
            for (Figures f : all) {
                if (!f.http) {
                    h.add(List.of(f.server, "no HTTP echo", "", "", "", "", "", ""));
                    continue;
                }
                h.add(List.of(f.server, Fmt.n(f.rps, 0), Fmt.ratio(f.rps, kernel.rps), Fmt.n(f.p50Ms, 3), Fmt.n(f.p99Ms, 3),
                        Fmt.n(f.cpuPerRequest * 1e6, 1), Fmt.n(f.machineCpuPerRequest * 1e6, 1), Long.toString(f.errors)));
                if (f != kernel) {
                    s.row("HTTP echo, wrk -c" + WRK_CONNECTIONS + ", " + f.server.replace("Panamax echo sample ", ""),
                            Fmt.n(f.rps, 0) + " req/s; p99 " + Fmt.n(f.p99Ms, 2) + " ms; " + Fmt.n(f.cpuPerRequest * 1e6, 1) + " µs CPU/req",
                            Fmt.n(kernel.rps, 0) + " req/s; p99 " + Fmt.n(kernel.p99Ms, 2) + " ms; " + Fmt.n(kernel.cpuPerRequest * 1e6, 1)
                                    + " µs CPU/req (Netty)",
                            Fmt.ratio(f.rps, kernel.rps) + " (rate); " + Fmt.ratio(f.p99Ms, kernel.p99Ms) + " (p99); "
                                    + Fmt.ratio(f.cpuPerRequest, kernel.cpuPerRequest) + " (CPU)",
                            "≥ 1 (rate)", Fmt.yesNo(f.rps >= kernel.rps));
                }
            }
            s.table(List.of("server", "requests/s", "÷ Netty", "p50 ms", "p99 ms", "server CPU µs/request", "machine CPU µs/request",
                    "errors"), h);
            if (!panamaxHttp) {
                s.row("HTTP echo, wrk, Panamax over TAP / DPDK net_tap", "not run: no HTTP echo in the sample yet",
                        Fmt.n(kernel.rps, 0) + " req/s (Netty)", "", "≥ 1 (rate)", "not run");
            }
            StringBuilder raw = new StringBuilder();
            for (int r = 0; r < byRound.size(); r++) {
                for (Figures f : byRound.get(r)) {
                    raw.append("## round ").append(r + 1).append(", ").append(f.server).append('\n');
                    for (Map.Entry<Integer, double[]> e : f.rr.entrySet()) {
                        raw.append(Fmt.f("rr_peer, %d connection(s): %.0f tx/s, server CPU %.2f µs/tx%n", e.getKey(), e.getValue()[0],
                                e.getValue()[1] * 1e6));
                    }
                    if (!f.wrkOutput.isEmpty()) {
                        raw.append(f.wrkOutput.strip()).append('\n');
                    }
                    raw.append('\n');
                }
            }
            if (!raw.isEmpty()) {
                s.text("Raw output (every round: rr_peer's rates, wrk's report):");
                s.code(raw.toString());
            }
        }
        s.text(Fmt.f("""
                Limits: %d CPUs for the client, the server and the kernel's softirq work together, shared with other
                engineers' work. TAP costs a system call per frame each way (`read` and `write` on the tun queue) where
                Netty's kernel path batches: one `epoll_wait`, one `read` and one `write` per request, with the
                kernel's TCP work done in softirq context, partly charged to the client's process (hence the
                machine-wide CPU column). DPDK's `net_tap` is the same tun device behind a poll-mode driver: it removes
                the JVM's system calls from the stack's thread but not the kernel's side of the TAP. On a real NIC with
                a DPDK driver neither crossing exists; this machine has none.""", Machine.cores()));
    }

    /**
     * The af_xdp goal rows: the echo sample over DPDK's net_af_xdp against the same sample over TAP
     * (issue 15: "at least the TAP backend's figures"), TCP echo at 1 and 64 connections and wrk.
     */
    private static void afXdpAgainstTap(Section s, List<Figures> all) {
        Figures tap = null;
        for (Figures f : all) {
            if (f.server.endsWith("over TAP")) {
                tap = f;
            }
        }
        for (Figures f : all) {
            if (tap != null && f.server.contains("net_af_xdp")) {
                afXdpAgainstTap(s, f, tap, f.server.contains("threaded NAPI") ? " (threaded NAPI)" : "");
            }
        }
    }

    private static void afXdpAgainstTap(Section s, Figures xdp, Figures tap, String variant) {
        for (int conns : new int[] {1, 64}) {
            double[] x = xdp.rr.get(conns);
            double[] t = tap.rr.get(conns);
            s.row("TCP echo, 64 B, " + conns + " conn., DPDK net_af_xdp" + variant + " vs TAP", Fmt.n(x[0], 0) + " tx/s; " + Fmt.n(x[1] * 1e6, 1)
                            + " µs CPU/tx", Fmt.n(t[0], 0) + " tx/s; " + Fmt.n(t[1] * 1e6, 1) + " µs CPU/tx (TAP backend)",
                    Fmt.ratio(x[0], t[0]) + " (rate); " + Fmt.ratio(x[1], t[1]) + " (CPU)", "≥ 1 (rate)", Fmt.yesNo(x[0] >= t[0]));
        }
        if (xdp.http && tap.http && !Double.isNaN(xdp.rps) && !Double.isNaN(tap.rps)) {
            s.row("HTTP echo, wrk -c" + WRK_CONNECTIONS + ", DPDK net_af_xdp" + variant + " vs TAP", Fmt.n(xdp.rps, 0) + " req/s; p99 "
                            + Fmt.n(xdp.p99Ms, 2) + " ms", Fmt.n(tap.rps, 0) + " req/s; p99 " + Fmt.n(tap.p99Ms, 2) + " ms (TAP backend)",
                    Fmt.ratio(xdp.rps, tap.rps) + " (rate); " + Fmt.ratio(xdp.p99Ms, tap.p99Ms) + " (p99)", "≥ 1 (rate)",
                    Fmt.yesNo(xdp.rps >= tap.rps));
        }
    }
}
