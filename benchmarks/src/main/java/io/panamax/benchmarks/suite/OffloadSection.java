package io.panamax.benchmarks.suite;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bulk TCP through the echo sample's iperf3 server over TAP, one shard, with the TAP backend's
 * offloads on (virtio-net headers: 64 KB super-segments received whole and sent whole for the kernel
 * to cut, checksums left to the kernel) and off, both directions ({@code -R}: the stack sends), against iperf3 on the kernel over
 * a veth pair with the kernel's own offloads on; Gbit/s and Gbit/s per CPU used by the server side.
 */
final class OffloadSection implements SuiteBenchmark {
    private static final Pattern RECEIVED = Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)",
            Pattern.DOTALL);

    @Override
    public String name() {
        return "offload";
    }

    @Override
    public String title() {
        return "10. Offloads: iperf3 into the echo sample over TAP (offloads on and off, both ways) against the kernel over veth";
    }

    @Override
    public String summary() {
        return "iperf3 -c (and -R) into the echo sample's iperf3 server over TAP, one shard, TAP offloads on vs off, vs iperf3 "
                + "on the kernel over veth; Gbit/s and per CPU";
    }

    @Override
    public Optional<String> unavailable(Context ctx) {
        if (!Machine.isRoot()) {
            return Optional.of("needs root (network namespaces, TAP devices)");
        }
        if (!Cmd.onPath("iperf3")) {
            return Optional.of("needs iperf3");
        }
        return Optional.empty();
    }

    /** One measured configuration: Gbit/s received, CPU seconds per second of the server side. */
    record Figure(String label, double gbps, double serverCpus) {
        double perCpu() {
            return serverCpus > 0 ? gbps / serverCpus : Double.NaN;
        }
    }

    @Override
    public void run(Context ctx, Section s) throws Exception {
        String sec = Long.toString((long) ctx.seconds(10, 3));
        double warmup = ctx.seconds(2, 1);
        StringBuilder commands = new StringBuilder();
        List<Figure> figures = new ArrayList<>();
        int cpus = Machine.cores();
        // Server side on CPU 0, client on the last CPU, as in the issue's measurement.
        List<String> clientPin = cpus > 1 ? List.of("taskset", "-c", Integer.toString(cpus - 1)) : List.of();
        List<String> serverPin = cpus > 1 ? List.of("taskset", "-c", "0") : List.of();
        try (Netns ns = Netns.create()) {
            commands.append(Fmt.f("# namespaces: client %s, kernel server %s; veth %s -- %s (%s)%n",
                    ns.client, ns.server, ns.vethClient, ns.vethServer, Netns.KERNEL_IP));
            for (boolean reverse : new boolean[] {false, true}) {
                List<String> server = Cmd.prefixed(Netns.in(ns.server, serverPin), List.of("iperf3", "-s", "-p", "5301", "-1"));
                commands.append(Cmd.shell(server)).append(" &\n");
                try (Cmd.Background srv = Cmd.start("iperf3 -s", ctx.logs.resolve("offload-kernel-" + reverse + ".log"), server)) {
                    Thread.sleep(500);
                    figures.add(iperf(ctx, ns, clientPin, Netns.KERNEL_IP, 5301, reverse, sec, warmup, srv.pid(),
                            "kernel over veth (its offloads on)" + (reverse ? ", -R" : ""), commands));
                }
            }
            String tap = "pmxo" + (ProcessHandle.current().pid() % 10000);
            for (String offloads : List.of("on", "off")) {
                List<String> args = new ArrayList<>(List.of("echo", "--netns", ns.client, "--tap", tap, "--shards", "1",
                        "--status", "0", "--tap-offloads", offloads));
                List<String> cmd = Cmd.prefixed(serverPin, ctx.javaMain("io.panamax.samples.Main", args.toArray(String[]::new)));
                commands.append(Cmd.shell(serverPin)).append(' ')
                        .append(ctx.displayJavaMain("io.panamax.samples.Main", args.toArray(String[]::new))).append(" &\n");
                try (Cmd.Background server = Cmd.start("echo sample (offloads " + offloads + ")",
                        ctx.logs.resolve("offload-sample-" + offloads + ".log"), cmd)) {
                    server.awaitLine("Panamax is up", Duration.ofSeconds(90));
                    for (boolean reverse : new boolean[] {false, true}) {
                        figures.add(iperf(ctx, ns, clientPin, Netns.STACK_IP, 5201, reverse, sec, warmup, server.pid(),
                                "Panamax over TAP, offloads " + offloads + (reverse ? ", -R (the stack sends)" : ""), commands));
                    }
                }
            }
        }
        report(s, figures, commands, sec);
    }

    private static Figure iperf(Context ctx, Netns ns, List<String> clientPin, String target, int port, boolean reverse, String sec,
                                double warmup, long serverPid, String label, StringBuilder commands) throws Exception {
        List<String> c = new ArrayList<>(List.of("iperf3", "-c", target, "-p", Integer.toString(port), "-t", sec,
                "-O", Long.toString((long) warmup), "-J"));
        if (reverse) {
            c.add("-R");
        }
        List<String> client = Cmd.prefixed(Netns.in(ns.client, clientPin), c);
        commands.append(Cmd.shell(client)).append('\n');
        ctx.log("  " + Cmd.shell(client));
        double[] cpu = new double[1];
        Cmd.Result r = TcpSection.measuredWithCpu(client, serverPid, warmup, Double.parseDouble(sec), cpu).orThrow("iperf3 -c");
        Matcher m = RECEIVED.matcher(r.output());
        if (!m.find()) {
            throw new IllegalStateException("iperf3 gave no result:\n" + Cmd.tail(r.output(), 2000));
        }
        double gbps = Double.parseDouble(m.group(1)) / 1e9;
        Figure f = new Figure(label, gbps, cpu[0] / Double.parseDouble(sec));
        ctx.log(Fmt.f("   %s: %.2f Gbit/s, server side %.2f CPUs", label, gbps, f.serverCpus()));
        return f;
    }

    private static void report(Section s, List<Figure> figures, StringBuilder commands, String sec) {
        Figure kernel = figures.get(0);
        Figure kernelR = figures.get(1);
        List<List<String>> lines = new ArrayList<>();
        for (Figure f : figures) {
            Figure peer = f.label().contains("-R") ? kernelR : kernel;
            lines.add(List.of(f.label(), Fmt.n(f.gbps(), 2), Fmt.n(f.serverCpus(), 2), Fmt.n(f.perCpu(), 2),
                    f == peer ? "1" : Fmt.ratio(f.perCpu(), peer.perCpu())));
        }
        for (int i = 2; i < figures.size(); i++) {
            Figure f = figures.get(i);
            Figure peer = f.label().contains("-R") ? kernelR : kernel;
            s.row("iperf3 over TAP, one shard: " + f.label().replace("Panamax over TAP, ", ""),
                    Fmt.n(f.gbps(), 2) + " Gbit/s (" + Fmt.n(f.perCpu(), 2) + " per CPU)",
                    Fmt.n(peer.gbps(), 2) + " Gbit/s (" + Fmt.n(peer.perCpu(), 2) + " per CPU)",
                    Fmt.ratio(f.perCpu(), peer.perCpu()) + " per CPU", ">= 1x per CPU",
                    f.perCpu() >= peer.perCpu() ? "yes" : "no");
        }
        s.text(Fmt.f("""
                `iperf3 -c` for %s s from a client namespace into, on one side, `iperf3 -s` in a second namespace over a veth
                pair (the kernel with its offloads on: TSO, GSO, GRO, checksums), and on the other the echo sample's iperf3
                server on one shard over a TAP device in the client's namespace, with the TAP backend's offloads on and off.
                `-R`: the server sends. The server side (iperf3 -s, or the echo sample's JVM) is pinned to CPU 0 and the
                client to the last CPU; "CPUs" is what the server side's process used per second (/proc), the client's not
                counted on either side. With offloads on, the stack's TCP sends super-segments of up to 64 KB (TSO, sized
                from cwnd and SRTT as Linux's autosizing) that the kernel cuts, and takes the kernel's whole.""", sec));
        s.table(List.of("configuration", "Gbit/s", "server CPUs", "Gbit/s per CPU", "vs kernel per CPU"), lines);
        s.code(commands.toString());
    }
}
