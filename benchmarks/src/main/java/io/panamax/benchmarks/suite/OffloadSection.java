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
 * a veth pair with the kernel's own offloads on; Gbit/s, and Gbit/s per CPU used by the server side's process
 * and by the whole machine.
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

    /**
     * One measured configuration: Gbit/s received; CPU seconds per second of the server side's
     * process, and of the whole machine (both CPUs, every process, softirqs included).
     */
    record Figure(String label, double gbps, double serverCpus, double machineCpus, StackCounters counters) {
        Figure(String label, double gbps, double serverCpus, double machineCpus) {
            this(label, gbps, serverCpus, machineCpus, null);
        }

        double perCpu() {
            return serverCpus > 0 ? gbps / serverCpus : Double.NaN;
        }

        /**
         * Per busy CPU of the whole machine: the fair figure. The kernel's receive and send work for
         * iperf3 runs largely in softirqs, on both CPUs, charged to no process (and the server's
         * process time leaves it out), while the stack's spinning shard is charged one whole CPU;
         * counting every busy CPU charges both sides all they cost, client included on both.
         */
        double perMachineCpu() {
            return machineCpus > 0 ? gbps / machineCpus : Double.NaN;
        }
    }

    /**
     * The echo sample's counters over one measured run into it (from its {@code /metrics}): frames
     * received from the TAP device, segments TCP sent (while the stack only receives: its ACKs), and
     * in-order segments that left the peer less than a full-sized segment of window
     * ({@code tcp_receive_window_filled_total}: the receive window limited the client).
     */
    record StackCounters(long framesIn, long segmentsOut, long windowFilled) {
        private static final Pattern FRAMES = total("nic_rx_packets_total");
        private static final Pattern SEGMENTS_OUT = total("tcp_segments_sent_total");
        private static final Pattern WINDOW_FILLED = total("tcp_receive_window_filled_total");

        private static Pattern total(String name) {
            return Pattern.compile("^" + name + "\\{[^}]*shard=\"all\"[^}]*\\}\\s+(\\d+)", Pattern.MULTILINE);
        }

        /** The counters now, or null when the sample's HTTP endpoint did not answer. */
        static StackCounters read(Netns ns) throws Exception {
            Cmd.Result r = Cmd.run(Duration.ofSeconds(10), Netns.in(ns.client, "curl", "-s", "--max-time", "5",
                    "http://" + Netns.STACK_IP + ":8080/metrics"));
            if (!r.ok()) {
                return null;
            }
            return new StackCounters(value(FRAMES, r.output()), value(SEGMENTS_OUT, r.output()), value(WINDOW_FILLED, r.output()));
        }

        private static long value(Pattern p, String text) {
            Matcher m = p.matcher(text);
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        }

        StackCounters since(StackCounters before) {
            return new StackCounters(framesIn - before.framesIn, segmentsOut - before.segmentsOut, windowFilled - before.windowFilled);
        }

        /** ACKs sent per frame received; NaN without frames. */
        double acksPerFrame() {
            return framesIn > 0 ? (double) segmentsOut / framesIn : Double.NaN;
        }

        /** Frames after which the client had to wait for the window, per 1,000 received. */
        double windowFilledPerThousand() {
            return framesIn > 0 ? 1000.0 * windowFilled / framesIn : Double.NaN;
        }
    }

    @Override
    public void run(Context ctx, Section s) throws Exception {
        String sec = Long.toString((long) ctx.seconds(10, 3));
        double warmup = ctx.seconds(2, 1);
        String warmupPass = Long.toString((long) ctx.seconds(6, 2));
        StringBuilder commands = new StringBuilder();
        List<Figure> figures = new ArrayList<>();
        double loadBefore = Machine.load()[0]; // before this section's own processes: other work on the machine
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
                        // An unmeasured pass first: the JIT compiles the new JVM's receive (or send)
                        // path for several seconds after the first bytes, on this loaded 2-CPU
                        // machine up to 0.15 CPU of compiler threads in the measured window; the
                        // kernel has no such start-up to pay. The figures are the steady state.
                        warmUp(ns, clientPin, reverse, warmupPass, commands);
                        StackCounters before = reverse ? null : StackCounters.read(ns);
                        Figure f = iperf(ctx, ns, clientPin, Netns.STACK_IP, 5201, reverse, sec, warmup, server.pid(),
                                "Panamax over TAP, offloads " + offloads + (reverse ? ", -R (the stack sends)" : ""), commands);
                        StackCounters after = before == null ? null : StackCounters.read(ns);
                        if (after != null) {
                            StackCounters c = after.since(before);
                            f = new Figure(f.label(), f.gbps(), f.serverCpus(), f.machineCpus(), c);
                            ctx.log(Fmt.f("   %.2f ACKs per received frame, window filled after %.1f per 1,000 frames",
                                    c.acksPerFrame(), c.windowFilledPerThousand()));
                        }
                        figures.add(f);
                    }
                }
            }
        }
        report(s, figures, commands, sec, loadBefore > NettySection.UNDER_LOAD * cpus ? loadBefore : Double.NaN);
    }

    /** One unmeasured {@code iperf3 -c} into the echo sample, so that the measured one finds its JIT done. */
    private static void warmUp(Netns ns, List<String> clientPin, boolean reverse, String sec, StringBuilder commands) throws Exception {
        List<String> c = new ArrayList<>(List.of("iperf3", "-c", Netns.STACK_IP, "-p", "5201", "-t", sec));
        if (reverse) {
            c.add("-R");
        }
        List<String> client = Cmd.prefixed(Netns.in(ns.client, clientPin), c);
        commands.append(Cmd.shell(client)).append("   # warm-up, not measured\n");
        Cmd.run(Duration.ofSeconds(Long.parseLong(sec) + 60), client).orThrow("iperf3 warm-up");
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
        double[] cpu = new double[2];
        Cmd.Result r = TcpSection.measuredWithCpu(client, serverPid, warmup, Double.parseDouble(sec), cpu).orThrow("iperf3 -c");
        Matcher m = RECEIVED.matcher(r.output());
        if (!m.find()) {
            throw new IllegalStateException("iperf3 gave no result:\n" + Cmd.tail(r.output(), 2000));
        }
        double gbps = Double.parseDouble(m.group(1)) / 1e9;
        Figure f = new Figure(label, gbps, cpu[0] / Double.parseDouble(sec), cpu[1] / Double.parseDouble(sec));
        ctx.log(Fmt.f("   %s: %.2f Gbit/s, server side %.2f CPUs, whole machine %.2f CPUs", label, gbps, f.serverCpus(),
                f.machineCpus()));
        return f;
    }

    private static void report(Section s, List<Figure> figures, StringBuilder commands, String sec, double underLoad) {
        Figure kernel = figures.get(0);
        Figure kernelR = figures.get(1);
        String loadMark = Double.isNaN(underLoad) ? "" : Fmt.f(" (under load %.1f)", underLoad);
        List<List<String>> lines = new ArrayList<>();
        for (Figure f : figures) {
            Figure peer = f.label().contains("-R") ? kernelR : kernel;
            StackCounters c = f.counters();
            lines.add(List.of(f.label(), Fmt.n(f.gbps(), 2), Fmt.n(f.serverCpus(), 2), Fmt.n(f.perCpu(), 2),
                    f == peer ? "1" : Fmt.ratio(f.perCpu(), peer.perCpu()), Fmt.n(f.machineCpus(), 2), Fmt.n(f.perMachineCpu(), 2),
                    f == peer ? "1" : Fmt.ratio(f.perMachineCpu(), peer.perMachineCpu()),
                    c == null ? "" : Fmt.n(c.acksPerFrame(), 2), c == null ? "" : Fmt.n(c.windowFilledPerThousand(), 1)));
        }
        for (int i = 2; i < figures.size(); i++) {
            Figure f = figures.get(i);
            Figure peer = f.label().contains("-R") ? kernelR : kernel;
            // The goal is judged per busy CPU of the whole machine (see Figure.perMachineCpu); the
            // server-process figure, which leaves the kernel's softirq work out, is given beside it.
            s.row("iperf3 over TAP, one shard: " + f.label().replace("Panamax over TAP, ", "") + loadMark,
                    Fmt.n(f.gbps(), 2) + " Gbit/s (" + Fmt.n(f.perMachineCpu(), 2) + " per machine CPU, " + Fmt.n(f.perCpu(), 2)
                            + " per process CPU)",
                    Fmt.n(peer.gbps(), 2) + " Gbit/s (" + Fmt.n(peer.perMachineCpu(), 2) + " per machine CPU, "
                            + Fmt.n(peer.perCpu(), 2) + " per process CPU)",
                    Fmt.ratio(f.perMachineCpu(), peer.perMachineCpu()) + " per machine CPU (" + Fmt.ratio(f.perCpu(), peer.perCpu())
                            + " per process CPU)", ">= 1x per CPU",
                    // Under load both sides' machine time is mostly other work: no verdict from that.
                    !Double.isNaN(underLoad) ? "not judged (under load)" : f.perMachineCpu() >= peer.perMachineCpu() ? "yes" : "no");
        }
        if (!Double.isNaN(underLoad)) {
            s.text(Fmt.f("""
                    **Measured under load**: the load average was %.1f on %d CPUs before this section started (other
                    work on the machine). The whole machine's busy time then includes that work, on both sides of each
                    ratio: the per-machine-CPU figures are lower bounds, their ratios tend toward the throughput
                    ratios, and the goal is not judged from them.""", underLoad, Machine.cores()));
        }
        s.text(Fmt.f("""
                `iperf3 -c` for %s s from a client namespace into, on one side, `iperf3 -s` in a second namespace over a veth
                pair (the kernel with its offloads on: TSO, GSO, GRO, checksums), and on the other the echo sample's iperf3
                server on one shard over a TAP device in the client's namespace, with the TAP backend's offloads on and off.
                `-R`: the server sends. Before each measured run into the echo sample an unmeasured one of the same direction
                lets the new JVM's JIT finish compiling (the kernel has no such start-up). The server side (iperf3 -s, or the echo sample's JVM) is pinned to CPU 0 and the
                client to the last CPU. "Server CPUs" is what the server side's process used per second (/proc/PID/stat),
                which leaves out the kernel's softirq work for the kernel's iperf3 (done on both CPUs, charged to no process)
                while the stack's spinning shard counts as one whole CPU; "machine CPUs" is the busy time of both CPUs
                per second (/proc/stat: every process, softirqs included, the client too on both sides), the fair figure
                the goal is judged by. With offloads on, the stack's TCP sends super-segments of up to 64 KB (TSO, sized
                from cwnd and SRTT as Linux's autosizing) that the kernel cuts, and takes the kernel's whole. The stack's
                TCP autotunes its data streams' receive buffers from 256 KB up to 4 MiB (while the client runs into the window: twice what the server read per
                smallest round trip, docs/tcp.md; the kernel's server autotunes too, here to a 24.9 MB window). For the stack receiving, the last two columns come from the echo sample's `/metrics` over
                the measured run: TCP segments sent (its ACKs) per frame read from the TAP device (Linux sent 0.47-0.67
                per GRO'd skb into its own iperf3), and how often an in-order frame left the client less than a
                full-sized segment of window (`tcp_receive_window_filled_total`: the receive window limited it).""", sec));
        s.table(List.of("configuration", "Gbit/s", "server CPUs", "Gbit/s per server CPU", "vs kernel", "machine CPUs",
                "Gbit/s per machine CPU", "vs kernel", "ACKs per frame received", "window filled per 1,000 frames"), lines);
        s.code(commands.toString());
    }
}
