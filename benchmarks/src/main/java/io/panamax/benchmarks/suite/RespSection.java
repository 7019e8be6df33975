package io.panamax.benchmarks.suite;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The RESP key-value sample ({@code bin/panamax redis}, one shard, over TAP) against a real
 * {@code redis-server} on the kernel's TCP stack over a veth pair, each server confined to the same
 * one CPU with taskset, the same {@code redis-benchmark} from the same client namespace, same run.
 */
final class RespSection implements SuiteBenchmark {
    static final int CONNECTIONS = 50;
    static final int PIPELINE = 16;
    /** The CPU the servers run on; the client (redis-benchmark) gets the other one(s). */
    static final String SERVER_CPU = "1";

    @Override
    public String name() {
        return "resp";
    }

    @Override
    public String title() {
        return "9. A Redis-protocol application: the RESP sample over TAP against redis-server on the kernel";
    }

    @Override
    public String summary() {
        return "redis-benchmark (SET, GET, INCR; plain and pipelined) against the RESP sample over TAP, one shard, vs redis-server "
                + "over veth, one core each; requests/s, p50 and p99, server CPU per request";
    }

    @Override
    public Optional<String> unavailable(Context ctx) {
        if (!Machine.isRoot()) {
            return Optional.of("needs root (network namespaces, TAP devices)");
        }
        for (String c : List.of("redis-server", "redis-benchmark", "taskset")) {
            if (!Cmd.onPath(c)) {
                return Optional.of("needs " + c + " (Debian: redis-server, redis-tools, util-linux)");
            }
        }
        if (Machine.cores() < 2) {
            return Optional.of("needs 2 CPUs: one for the server, one for the client");
        }
        return Optional.empty();
    }

    /** One redis-benchmark test on one server: requests/s, p50 and p99 in ms, server CPU seconds per request. */
    record Result(double rps, double p50, double p99, double cpuPerRequest) {
    }

    @Override
    public void run(Context ctx, Section s) throws Exception {
        int requests = ctx.count(200_000, 20_000);
        int rounds = ctx.count(2, 1);
        StringBuilder commands = new StringBuilder();
        StringBuilder raw = new StringBuilder();
        // server -> test -> best result over the rounds
        Map<String, Map<String, Result>> best = new LinkedHashMap<>();
        String kernelLabel = "redis-server on the kernel, over veth";
        String panamaxLabel = "Panamax RESP sample over TAP";
        try (Netns ns = Netns.create()) {
            commands.append(Fmt.f("# namespaces: client %s, kernel server %s; veth (10.8.0.1/24 -- 10.8.0.2/24)%n", ns.client, ns.server));
            String tap = "pmxr" + (ProcessHandle.current().pid() % 10000);
            for (int round = 1; round <= rounds; round++) {
                StringBuilder cmds = round == 1 ? commands : new StringBuilder();
                List<String> redis = List.of("taskset", "-c", SERVER_CPU, "redis-server", "--bind", Netns.KERNEL_IP, "--port", "6379",
                        "--save", "", "--appendonly", "no", "--protected-mode", "no", "--io-threads", "1");
                cmds.append("ip netns exec ").append(ns.server).append(' ').append(Cmd.shell(redis)).append(" &\n");
                try (Cmd.Background server = Cmd.start("redis-server", ctx.logs.resolve("resp-redis-" + round + ".log"),
                        Netns.in(ns.server, redis))) {
                    server.awaitLine("Ready to accept connections", Duration.ofSeconds(30));
                    measure(ctx, ns, Netns.KERNEL_IP, server.pid(), kernelLabel, requests, cmds, raw, best);
                }
                String[] args = {"redis", "--netns", ns.client, "--tap", tap, "--shards", "1"};
                List<String> sample = new ArrayList<>(List.of("taskset", "-c", SERVER_CPU));
                sample.addAll(ctx.javaMain("io.panamax.samples.Main", args));
                cmds.append("taskset -c ").append(SERVER_CPU).append(' ').append(ctx.displayJavaMain("io.panamax.samples.Main", args))
                        .append(" &   # = bin/panamax redis ...\n");
                try (Cmd.Background server = Cmd.start("RESP sample", ctx.logs.resolve("resp-sample-" + round + ".log"), sample)) {
                    server.awaitLine("^RESP \\(Redis protocol\\) server on", Duration.ofSeconds(90));
                    measure(ctx, ns, Netns.STACK_IP, server.pid(), panamaxLabel, requests, cmds, raw, best);
                }
            }
        }
        report(s, best, kernelLabel, panamaxLabel, commands, raw, requests, rounds);
    }

    private void measure(Context ctx, Netns ns, String ip, long serverPid, String label, int requests, StringBuilder commands,
                         StringBuilder raw, Map<String, Map<String, Result>> best) throws Exception {
        List<List<String>> runs = List.of(
                List.of("-t", "set,get,incr", "-n", Integer.toString(requests)),
                List.of("-t", "set,get", "-n", Integer.toString(requests * 4), "-P", Integer.toString(PIPELINE)));
        for (List<String> run : runs) {
            List<String> cmd = new ArrayList<>(List.of("taskset", "-c", "0", "redis-benchmark", "-h", ip, "-p", "6379",
                    "-c", Integer.toString(CONNECTIONS), "--csv"));
            cmd.addAll(run);
            commands.append(Cmd.shell(Netns.in(ns.client, cmd))).append('\n');
            ctx.log("  " + label + ": " + Cmd.shell(cmd));
            // A short unmeasured run first: the JIT (Panamax) and the allocator (redis) warm up.
            List<String> warm = new ArrayList<>(cmd);
            warm.set(warm.indexOf("-n") + 1, Integer.toString(Math.max(10_000, requests / 10)));
            Cmd.run(Duration.ofMinutes(5), Netns.in(ns.client, warm));
            double c0 = Machine.processCpuSeconds(serverPid);
            Cmd.Result r = Cmd.run(Duration.ofMinutes(10), Netns.in(ns.client, cmd)).orThrow("redis-benchmark");
            double cpu = Machine.processCpuSeconds(serverPid) - c0;
            String suffix = run.contains("-P") ? " (pipelined " + PIPELINE + ")" : "";
            List<String> rows = r.output().lines().filter(l -> l.startsWith("\"") && !l.startsWith("\"test\"")).toList();
            Map<String, double[]> parsed = new LinkedHashMap<>();
            for (String row : rows) {
                String[] f = row.replace("\"", "").split(",");
                double rps = Double.parseDouble(f[1]);
                parsed.put(f[0] + suffix, new double[] {rps, Double.parseDouble(f[4]), Double.parseDouble(f[6])});
                raw.append(label).append(": ").append(row).append(suffix).append('\n');
            }
            long total = Long.parseLong(run.get(run.indexOf("-n") + 1)) * rows.size();
            if (rows.isEmpty()) {
                throw new IllegalStateException(label + ": redis-benchmark printed no result:\n" + Cmd.tail(r.output(), 2000));
            }
            // The server's CPU over the whole run, spread over its tests by request count (each ran the same number).
            double cpuPerRequest = cpu / total;
            for (var e : parsed.entrySet()) {
                Result now = new Result(e.getValue()[0], e.getValue()[1], e.getValue()[2], cpuPerRequest);
                best.computeIfAbsent(label, k -> new LinkedHashMap<>()).merge(e.getKey(), now, (a, b) -> b.rps > a.rps ? b : a);
            }
        }
    }

    private void report(Section s, Map<String, Map<String, Result>> best, String kernelLabel, String panamaxLabel,
                        StringBuilder commands, StringBuilder raw, int requests, int rounds) {
        s.text(Fmt.f("""
                `bin/panamax redis` is the RESP2 sample (`samples/.../resp/RespServer`: PING, SET, GET, DEL, INCR; keys owned
                by shards by hash), run with one shard on a TAP device whose kernel side is in the client namespace; the
                **peer** is `redis-server` (Debian's, persistence off, one I/O thread) in a second namespace at the other end
                of a veth pair. Both servers are confined to CPU %s with `taskset` (the JVM's JIT and GC threads included);
                `redis-benchmark` runs on CPU 0 in the client namespace: %d connections, %,d requests per test (four times
                that pipelined %d deep), after an unmeasured run of a tenth as many. %s Server CPU per request is the
                server process's user + system time over the measured run (/proc/PID/stat) divided by its requests.""",
                SERVER_CPU, CONNECTIONS, requests, PIPELINE, rounds > 1 ? "Best of " + rounds + " rounds (each: redis-server, then Panamax)."
                        : "One round."));
        s.text("Commands:");
        s.code(commands.toString());
        Map<String, Result> kernel = best.getOrDefault(kernelLabel, Map.of());
        Map<String, Result> panamax = best.getOrDefault(panamaxLabel, Map.of());
        List<List<String>> lines = new ArrayList<>();
        for (var server : best.entrySet()) {
            for (var e : server.getValue().entrySet()) {
                Result r = e.getValue();
                Result k = kernel.get(e.getKey());
                lines.add(List.of(server.getKey(), e.getKey(), Fmt.n(r.rps, 0), k == null ? "" : Fmt.ratio(r.rps, k.rps),
                        Fmt.n(r.p50, 3), Fmt.n(r.p99, 3), Fmt.n(r.cpuPerRequest * 1e6, 2)));
            }
        }
        s.table(List.of("server", "test", "requests/s", "÷ redis-server", "p50 ms", "p99 ms", "server CPU µs/request"), lines);
        for (var e : panamax.entrySet()) {
            Result p = e.getValue();
            Result k = kernel.get(e.getKey());
            if (k == null) {
                continue;
            }
            s.row("RESP " + e.getKey() + ", " + CONNECTIONS + " conn., one core each",
                    Fmt.n(p.rps, 0) + " req/s; p99 " + Fmt.n(p.p99, 2) + " ms",
                    Fmt.n(k.rps, 0) + " req/s; p99 " + Fmt.n(k.p99, 2) + " ms (redis-server, veth)",
                    Fmt.ratio(p.rps, k.rps) + " (rate)", "≥ 1 (rate)", Fmt.yesNo(p.rps >= k.rps));
        }
        s.text("Raw output (redis-benchmark's CSV rows, every round):");
        s.code(raw.toString());
        s.text(Fmt.f("""
                Limits: %d CPUs, shared by the client, both servers' kernel work (softirq on either CPU) and other
                engineers' work on this machine. TAP costs a system call per frame each way; redis-server's path is
                the kernel's own TCP over veth with epoll. The sample copies every request out of the receive buffers
                into its parser and answers with a copying write: it is an application written plainly on the public API,
                not a tuned server.""", Machine.cores()));
    }
}
