package io.panamax.benchmarks.suite;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * 2. ICMP echo round trip: ping the stack over its TAP device, and ping the kernel over a veth
 * pair between two namespaces, from the same client namespace, same ping settings.
 */
final class IcmpBench implements SuiteBenchmark {
    private static final Pattern TIME = Pattern.compile("time=([0-9.]+) ms");

    @Override
    public String name() {
        return "icmp";
    }

    @Override
    public String title() {
        return "2. ICMP echo latency: the stack over TAP against the kernel over veth";
    }

    @Override
    public String summary() {
        return "ping RTT avg/p50/p99 to the stack over TAP (echo sample; busy-polling shard) vs the kernel over a veth pair";
    }

    @Override
    public Optional<String> unavailable(Context ctx) {
        if (!Machine.isRoot()) {
            return Optional.of("needs root (network namespaces, a TAP device)");
        }
        return Cmd.onPath("ping") ? Optional.empty() : Optional.of("no ping (Debian package iputils-ping)");
    }

    /** Round-trip times in µs, one per reply. */
    static double[] parse(String pingOutput) {
        List<Double> v = new ArrayList<>();
        Matcher m = TIME.matcher(pingOutput);
        while (m.find()) {
            v.add(Double.parseDouble(m.group(1)) * 1000);
        }
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double pct(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1));
        return sorted[i];
    }

    static double avg(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    @Override
    public void run(Context ctx, Section s) throws Exception {
        int count = ctx.count(2000, 300);
        String interval = "0.002";
        List<String> ping = List.of("ping", "-n", "-c", Integer.toString(count), "-i", interval, "-W", "1");
        Map<String, double[]> results = new LinkedHashMap<>();
        Map<String, String> summaries = new LinkedHashMap<>();
        StringBuilder commands = new StringBuilder();
        try (Netns ns = Netns.create()) {
            commands.append(Fmt.f("""
                    # namespaces: client %s, kernel server %s, veth %s (10.8.0.1/24) -- %s (10.8.0.2/24)
                    """, ns.client, ns.server, ns.vethClient, ns.vethServer));
            results.put("kernel over veth", pingSeries(ctx, ns, ping, Netns.KERNEL_IP, "kernel", commands, summaries));

            String tap = "pmxi" + (ProcessHandle.current().pid() % 10000);
            List<String> sample = ctx.javaMain("io.panamax.samples.Main", "echo", "--netns", ns.client, "--tap", tap, "--shards", "1",
                    "--status", "0");
            commands.append(ctx.displayJavaMain("io.panamax.samples.Main", "echo", "--netns", ns.client, "--tap", tap, "--shards",
                    "1", "--status", "0")).append(" &   # = bin/panamax echo, one shard\n");
            try (Cmd.Background server = Cmd.start("echo sample", ctx.logs.resolve("icmp-sample.log"), sample)) {
                server.awaitLine("Panamax is up", Duration.ofSeconds(60));
                results.put("Panamax over TAP (echo sample: spin, then park)",
                        pingSeries(ctx, ns, ping, Netns.STACK_IP, "sample", commands, summaries));
            }
            List<String> busy = ctx.javaMain("io.panamax.benchmarks.e2e.TapStackServer", "--netns", ns.client, "--tap", tap,
                    "--idle", "busy");
            commands.append(ctx.displayJavaMain("io.panamax.benchmarks.e2e.TapStackServer", "--netns", ns.client, "--tap", tap,
                    "--idle", "busy")).append(" &   # one busy-polling shard\n");
            try (Cmd.Background server = Cmd.start("TapStackServer", ctx.logs.resolve("icmp-busy.log"), busy)) {
                server.awaitLine("^ready", Duration.ofSeconds(60));
                results.put("Panamax over TAP (busy-polling shard)", pingSeries(ctx, ns, ping, Netns.STACK_IP, "busy", commands, summaries));
            }
        }
        s.text(Fmt.f("""
                One client namespace, two ways to the same kind of answer: the kernel side of the stack's TAP device
                (10.7.0.1/24) and one end of a veth pair (10.8.0.1/24) live in it. `ping` from there to **Panamax**
                (10.7.0.2, user space, behind the TAP device) and to **the kernel** (10.8.0.2, in a second namespace at
                the other end of the veth pair), %d echo requests of 56 bytes every %s s each, after a warm-up flood of %d
                unmeasured ones (`ping -f`, so that the JIT has compiled the stack's ICMP path).
                Panamax runs one shard: first the echo sample as `bin/panamax echo` starts it (the reactor's default
                idle policy: spin, then park up to 100 µs), then a one-shard stack that busy-polls
                (`TapStackServer --idle busy`). Both TAP paths cross the kernel twice (the tun driver's queue, then a
                `read` and a `write` by the stack); the veth path crosses two kernel network stacks without leaving
                softirq context.""", count, interval, ctx.count(20000, 5000)));
        s.text("Commands (run in the client namespace unless marked `&`):");
        s.code(commands.toString());
        double[] k = results.get("kernel over veth").clone();
        Arrays.sort(k);
        List<List<String>> lines = new ArrayList<>();
        Plot plot = new Plot("ICMP echo round trip from the client namespace", "round-trip time (µs, log scale)",
                "fraction of replies").logX().yRange(0, 1).legendBottomRight();
        for (Map.Entry<String, double[]> e : results.entrySet()) {
            double[] v = e.getValue().clone();
            Arrays.sort(v);
            lines.add(List.of(e.getKey(), Integer.toString(v.length), Fmt.n(avg(v), 1), Fmt.n(pct(v, 50), 1), Fmt.n(pct(v, 99), 1),
                    Fmt.n(v.length == 0 ? Double.NaN : v[v.length - 1], 1), Fmt.ratio(avg(v), avg(k)), Fmt.ratio(pct(v, 50), pct(k, 50)),
                    Fmt.ratio(pct(v, 99), pct(k, 99))));
            plot.add(Plot.cdf(e.getKey(), v));
        }
        s.table(List.of("target", "replies", "avg µs", "p50 µs", "p99 µs", "max µs", "avg ÷ kernel", "p50 ÷ kernel", "p99 ÷ kernel"), lines);
        Path png = ctx.plots.resolve("icmp-latency-cdf.png");
        plot.write(png);
        s.text("![ICMP round-trip CDF](plots/icmp-latency-cdf.png)");
        for (String variant : List.of("Panamax over TAP (echo sample: spin, then park)", "Panamax over TAP (busy-polling shard)")) {
            double[] v = results.get(variant).clone();
            Arrays.sort(v);
            String label = variant.contains("busy") ? "busy-polling shard" : "echo sample";
            s.row("ICMP echo RTT over TAP, p50 (" + label + ")", Fmt.n(pct(v, 50), 1) + " µs", Fmt.n(pct(k, 50), 1) + " µs (kernel over veth)",
                    Fmt.ratio(pct(v, 50), pct(k, 50)) + " (time)", "report (lower is better)", "–");
            s.row("ICMP echo RTT over TAP, p99 (" + label + ")", Fmt.n(pct(v, 99), 1) + " µs", Fmt.n(pct(k, 99), 1) + " µs (kernel over veth)",
                    Fmt.ratio(pct(v, 99), pct(k, 99)) + " (time)", "report (lower is better)", "–");
        }
        s.text("Raw output (ping's summary lines):");
        StringBuilder raw = new StringBuilder();
        summaries.forEach((key, v) -> raw.append(key).append(": ").append(v.strip().replace("\n", "\n  ")).append('\n'));
        s.code(raw.toString());
        s.text("""
                What limits Panamax here is TAP, not the stack: each echo is a `read` from the tun queue and a `write`
                back, two system calls and two trips through the tun driver, plus the wake-up of a parked shard with
                the default idle policy. The veth pair hands the frame from one kernel stack to the other in softirq
                context without any system call. A DPDK NIC (a poll-mode driver on real hardware) removes the system
                calls altogether; over DPDK's own `net_tap` the same TAP crossing remains.""");
    }

    private double[] pingSeries(Context ctx, Netns ns, List<String> ping, String target, String tag, StringBuilder commands,
                                Map<String, String> summaries) throws Exception {
        // Warm-up: a flood of echo requests (one in flight at a time) gets the JIT to compile the stack's ICMP path.
        List<String> warm = new ArrayList<>(List.of("ping", "-n", "-q", "-f", "-c", Integer.toString(ctx.count(20000, 5000)), "-W", "1",
                target));
        Cmd.run(Duration.ofSeconds(30), Netns.in(ns.client, warm));
        List<String> cmd = new ArrayList<>(ping);
        cmd.add(target);
        commands.append(Cmd.shell(Netns.in(ns.client, cmd))).append('\n');
        ctx.log("  " + Cmd.shell(cmd) + " (" + tag + ")");
        Cmd.Result r = Cmd.run(Duration.ofSeconds(120), Netns.in(ns.client, cmd));
        double[] v = parse(r.output());
        if (v.length == 0) {
            throw new IllegalStateException("no replies from " + target + ":\n" + Cmd.tail(r.output(), 2000));
        }
        StringBuilder sum = new StringBuilder();
        r.output().lines().filter(l -> l.contains("packets transmitted") || l.startsWith("rtt")).forEach(l -> sum.append(l).append('\n'));
        summaries.put(tag + ": " + Cmd.shell(cmd), sum.toString());
        return v;
    }
}
