package io.panamax.benchmarks.suite;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * 3. TCP over the in-memory wire: request/response (64 bytes, 1 and 64 connections) and bulk
 * throughput (MTU 1500) between two whole stacks, against the kernel's TCP over loopback (a C
 * epoll peer, sockperf, iperf3) in the same run; heap bytes per segment.
 */
final class TcpSection implements SuiteBenchmark {
    /**
     * Heap bytes per JMH operation below which no object is allocated per transaction (the smallest
     * object is 16 bytes): what remains is per batch of 10,000 (the loops each batch starts on its
     * connections, the batch's join, the call onto the shard) and JMH's bookkeeping.
     */
    private static final double LESS_THAN_ONE_OBJECT = 16.0;
    /** The wire's largest MTU, for the 64 KB-segment bulk runs (issue 15: TCP moving 64 KiB per segment, as loopback does). */
    private static final String BIG_MTU = "65535";

    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public String title() {
        return "3. TCP over the in-memory wire against the kernel's loopback TCP";
    }

    @Override
    public String summary() {
        return "64-byte request/response (1, 64 connections) and bulk Gbit/s between two stacks over the wire, vs rr_peer/sockperf/iperf3 on 127.0.0.1";
    }

    /** A WireTcpRun result line as a map. */
    private static Map<String, String> result(String output) {
        Map<String, String> m = new HashMap<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("result ")) {
                for (String kv : line.substring(7).trim().split("\\s+")) {
                    int eq = kv.indexOf('=');
                    if (eq > 0) {
                        m.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                }
            }
        }
        if (m.isEmpty()) {
            throw new IllegalStateException("no result line in:\n" + Cmd.tail(output, 3000));
        }
        return m;
    }

    private static double d(Map<String, String> m, String k) {
        String v = m.get(k);
        return v == null ? Double.NaN : Double.parseDouble(v);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void run(Context ctx, Section s) throws Exception {
        double seconds = ctx.seconds(8, 2);
        double warmup = ctx.seconds(5, 2); // the JIT needs a few seconds before the stack reaches its steady rate
        String sec = Fmt.f("%.0f", seconds);
        String wu = Fmt.f("%.0f", warmup);
        StringBuilder raw = new StringBuilder();
        StringBuilder commands = new StringBuilder();

        // ---- Panamax: two stacks over the wire.
        Map<String, Map<String, String>> px = new HashMap<>();
        // The IPv6 runs (a fourth element) are the same request/response on one core over IPv6, for
        // the per-core comparison of the two families in one run (issue 14: IPv6 within 10% of IPv4).
        for (String[] v : new String[][] {{"rr", "1", "core"}, {"rr", "64", "core"}, {"rr", "1", "pair"}, {"rr", "64", "pair"},
                {"bulk", "1", "core"}, {"bulk", "1", "pair"}, {"rr", "1", "core", "6"}, {"rr", "64", "core", "6"},
                {"bulk", "1", "core", "4", BIG_MTU}, {"bulk", "1", "pair", "4", BIG_MTU},
                {"bulk", "1", "core", "4", BIG_MTU, "on"}, {"bulk", "1", "pair", "4", BIG_MTU, "on"}}) {
            List<String> args = new ArrayList<>(List.of(v[0]));
            if (v[0].equals("rr")) {
                args.addAll(List.of("--connections", v[1]));
            }
            args.addAll(List.of("--placement", v[2], "--seconds", sec, "--warmup", wu));
            if (v.length > 3) {
                args.addAll(List.of("--family", v[3]));
            }
            if (v.length > 4) {
                args.addAll(List.of("--mtu", v[4]));
            }
            if (v.length > 5) {
                args.addAll(List.of("--checksum-offload", v[5]));
            }
            String display = ctx.displayJavaMain("io.panamax.benchmarks.e2e.WireTcpRun", args.toArray(String[]::new));
            ctx.log("  " + display);
            Cmd.Result r = Cmd.run(Duration.ofSeconds((long) (seconds + warmup) + 90),
                    ctx.javaMain("io.panamax.benchmarks.e2e.WireTcpRun", args.toArray(String[]::new))).orThrow("WireTcpRun");
            px.put(String.join("/", v), result(r.output()));
            commands.append(display).append('\n');
            r.output().lines().filter(l -> l.startsWith("result") || l.startsWith("# leaks")).forEach(l -> raw.append(l).append('\n'));
        }

        // ---- Kernel peers over loopback.
        Map<String, double[]> kernel = new HashMap<>(); // key -> {tps, cpuSeconds, measuredSeconds}
        Map<String, String> kernelLatency = new HashMap<>();
        String rrPeer = ctx.rrPeer().toString();
        int port = freePort();
        String peerShown = "benchmarks/target/suite/rr_peer";
        commands.append("gcc -O2 -o ").append(peerShown).append(" benchmarks/src/main/c/rr/rr_peer.c\n");
        commands.append(peerShown).append(" server ").append(port).append(" &\n");
        try (Cmd.Background server = Cmd.start("rr_peer server", ctx.logs.resolve("tcp-rr-peer-server.log"),
                List.of(rrPeer, "server", Integer.toString(port)))) {
            server.awaitLine("^ready", Duration.ofSeconds(10));
            for (int conns : new int[] {1, 64}) {
                List<String> cmd = List.of(rrPeer, "client", "127.0.0.1", Integer.toString(port), Integer.toString(conns), sec, wu);
                commands.append(peerShown).append(" client 127.0.0.1 ").append(port).append(' ').append(conns).append(' ')
                        .append(sec).append(' ').append(wu).append('\n');
                ctx.log("  rr_peer client " + conns + " connections");
                double[] cpu = new double[1];
                Cmd.Result r = measuredWithCpu(cmd, server.pid(), warmup, seconds, cpu);
                r.orThrow("rr_peer client");
                Matcher m = Pattern.compile("tps=([0-9.]+)").matcher(r.output());
                if (!m.find()) {
                    throw new IllegalStateException("rr_peer printed no result:\n" + r.output());
                }
                Matcher c = Pattern.compile("client_cpu_s=([0-9.]+)").matcher(r.output());
                double clientCpu = c.find() ? Double.parseDouble(c.group(1)) : Double.NaN;
                kernel.put("rr/" + conns, new double[] {Double.parseDouble(m.group(1)), cpu[0] + clientCpu, seconds});
                Matcher lat = Pattern.compile("latency_us (.*)").matcher(r.output());
                if (lat.find()) {
                    kernelLatency.put("rr/" + conns, lat.group(1).strip());
                }
                r.output().lines().filter(l -> !l.isBlank()).forEach(l -> raw.append("rr_peer ").append(conns).append(": ").append(l).append('\n'));
            }
        }
        double sockperfTps = Double.NaN;
        String sockperfLine = "";
        if (Cmd.onPath("sockperf")) {
            int sp = freePort();
            commands.append("sockperf sr --tcp -i 127.0.0.1 -p ").append(sp).append(" &\n");
            List<String> pp = List.of("sockperf", "pp", "--tcp", "-i", "127.0.0.1", "-p", Integer.toString(sp), "-m", "64", "-t",
                    Fmt.f("%.0f", seconds + warmup));
            commands.append(Cmd.shell(pp)).append('\n');
            try (Cmd.Background sr = Cmd.start("sockperf sr", ctx.logs.resolve("tcp-sockperf-sr.log"),
                    List.of("sockperf", "sr", "--tcp", "-i", "127.0.0.1", "-p", Integer.toString(sp)))) {
                Thread.sleep(500);
                ctx.log("  " + Cmd.shell(pp));
                Cmd.Result r = Cmd.run(Duration.ofSeconds((long) (seconds + warmup) + 60), pp).orThrow("sockperf pp");
                String out = r.output().replaceAll("\u001b\\[[0-9;]*m", "");
                Matcher m = Pattern.compile("\\[Valid Duration\\] RunTime=([0-9.]+) sec; SentMessages=\\d+; ReceivedMessages=(\\d+)").matcher(out);
                if (m.find()) {
                    sockperfTps = Double.parseDouble(m.group(2)) / Double.parseDouble(m.group(1));
                }
                StringBuilder keep = new StringBuilder();
                out.lines().filter(l -> l.contains("Valid Duration") || l.contains("Summary") || l.contains("percentile 50.000")
                        || l.contains("percentile 99.000")).forEach(l -> keep.append(l.strip()).append('\n'));
                sockperfLine = keep.toString();
                raw.append(sockperfLine);
            }
        }
        double[] iperfLo = null;
        double[] iperfVeth = null;
        if (Cmd.onPath("iperf3")) {
            int ip = freePort();
            iperfLo = iperf(ctx, List.of(), List.of(), "127.0.0.1", ip, sec, wu, commands, raw, "loopback");
            if (Machine.isRoot() && Cmd.onPath("ethtool")) {
                try (Netns ns = Netns.create()) {
                    commands.append(Fmt.f("# namespaces %s and %s, veth %s -- %s, MTU 1500, offloads off:%n", ns.client, ns.server,
                            ns.vethClient, ns.vethServer));
                    for (String[] dev : new String[][] {{ns.client, ns.vethClient}, {ns.server, ns.vethServer}}) {
                        List<String> off = Netns.in(dev[0], "ethtool", "-K", dev[1], "tso", "off", "gso", "off", "gro", "off", "tx", "off",
                                "rx", "off");
                        Cmd.run(Duration.ofSeconds(10), off).orThrow("ethtool -K");
                        commands.append(Cmd.shell(off)).append('\n');
                    }
                    iperfVeth = iperf(ctx, Netns.in(ns.client), Netns.in(ns.server), Netns.KERNEL_IP, 5201, sec, wu, commands, raw,
                            "veth, offloads off");
                }
            }
        }

        // ---- Report.
        s.text("""
                Panamax: `WireTcpRun` (`benchmarks/src/main/java/io/panamax/benchmarks/e2e/`): two whole stacks (NIC,
                Ethernet, ARP, IPv4, TCP) joined by the in-memory wire, MTU 1500 (MSS 1448 with timestamps), for a
                fixed time after a warm-up. **core**: both stacks on one busy-polling shard: one CPU pays for both ends
                of every transaction (the per-core figure). **pair**: the client stack on one shard, the server stack on
                another shard of a second reactor: two busy-polling threads (unpinned), as the kernel peer runs its two
                ends. Request/response: each connection writes 64 bytes (a pooled packet, zero copy) and reads the 64
                echoed bytes, again. Bulk: one connection writes 64 KiB pooled packets, the server reads and releases
                them. The wire offloads nothing: every segment's checksum is computed and verified in software (the
                kernel's loopback skips checksums). Heap: bytes the shard threads allocated during the measured time
                (`ThreadMXBean`) per TCP segment received by either stack.

                Kernel: `rr_peer` (`benchmarks/src/main/c/rr/rr_peer.c`): a C epoll echo server and a C epoll client
                with 1 or 64 connections, on 127.0.0.1, the same 64-byte exchange; CPU is the server's and the client's
                user + system time over the measured window (from /proc and getrusage), which on loopback includes the
                kernel's TCP work done in their system calls. `sockperf ping-pong` (one connection) as a cross-check.
                Bulk: `iperf3 -M 1460` on 127.0.0.1, as asked; but loopback's MTU is 64 KiB and with TSO/GRO the kernel
                moves 64 KiB super-segments and skips checksums, so it does a fraction of the per-segment work. For a
                like-for-like figure the suite also runs iperf3 between two namespaces over a veth pair with MTU 1500
                and segmentation and checksum offloads turned off (`ethtool -K ... tso off gso off gro off tx off rx
                off`): 1500-byte segments, checksums computed and verified in software, as on the wire.""");
        s.text("Commands (in this order):");
        s.code(commands.toString());

        List<List<String>> rr = new ArrayList<>();
        for (String conns : List.of("1", "64")) {
            Map<String, String> core = px.get("rr/" + conns + "/core");
            Map<String, String> pair = px.get("rr/" + conns + "/pair");
            double[] k = kernel.get("rr/" + conns);
            double kPerCpu = k[0] / (k[1] / k[2]);
            rr.add(List.of(conns, Fmt.n(d(core, "tps"), 0), Fmt.n(d(pair, "tps"), 0), Fmt.n(k[0], 0),
                    Fmt.n(k[1] / k[2], 2), Fmt.n(kPerCpu, 0), Fmt.ratio(d(core, "tps"), kPerCpu), Fmt.ratio(d(pair, "tps"), k[0])));
            s.row("TCP request/response, 64 B, " + conns + " connection" + (conns.equals("1") ? "" : "s") + ", per CPU (wire vs loopback)",
                    Fmt.n(d(core, "tps"), 0) + " tx/s (both ends on 1 CPU)",
                    Fmt.n(kPerCpu, 0) + " tx/s per CPU (" + Fmt.n(k[0], 0) + " tx/s on " + Fmt.n(k[1] / k[2], 2) + " CPUs)",
                    Fmt.ratio(d(core, "tps"), kPerCpu), "≥ 1 (kernel, per CPU)", Fmt.yesNo(d(core, "tps") >= kPerCpu));
            s.row("TCP request/response, 64 B, " + conns + " connection" + (conns.equals("1") ? "" : "s") + ", two threads (wire vs loopback)",
                    Fmt.n(d(pair, "tps"), 0) + " tx/s (client and server shards)", Fmt.n(k[0], 0) + " tx/s",
                    Fmt.ratio(d(pair, "tps"), k[0]), "≥ 1 (kernel)", Fmt.yesNo(d(pair, "tps") >= k[0]));
        }
        List<List<String>> families = new ArrayList<>();
        for (String conns : List.of("1", "64")) {
            Map<String, String> v4 = px.get("rr/" + conns + "/core");
            Map<String, String> v6 = px.get("rr/" + conns + "/core/6");
            families.add(List.of(conns, Fmt.n(d(v4, "tps"), 0), Fmt.n(d(v6, "tps"), 0), Fmt.ratio(d(v6, "tps"), d(v4, "tps")),
                    Fmt.bytes(d(v4, "heap_bytes_per_segment")), Fmt.bytes(d(v6, "heap_bytes_per_segment"))));
            s.row("TCP request/response, 64 B, " + conns + " connection" + (conns.equals("1") ? "" : "s") + ", IPv6 vs IPv4, per CPU (wire)",
                    Fmt.n(d(v6, "tps"), 0) + " tx/s over IPv6 (both ends on 1 CPU)", Fmt.n(d(v4, "tps"), 0) + " tx/s over IPv4",
                    Fmt.ratio(d(v6, "tps"), d(v4, "tps")), "≥ 0.9 (IPv4)", Fmt.yesNo(d(v6, "tps") >= 0.9 * d(v4, "tps")));
        }
        Map<String, String> r6 = px.get("rr/1/core/6");
        s.row("heap per segment, TCP request/response over IPv6 (stack + readLoop API)", Fmt.bytes(d(r6, "heap_bytes_per_segment")), "", "",
                "0 B/segment", Fmt.yesNo(d(r6, "heap_bytes_per_segment") < GarbageBench.ZERO));
        s.heading("Request/response, 64 bytes");
        s.table(List.of("connections", "Panamax core: tx/s (1 CPU)", "Panamax pair: tx/s (2 threads)", "kernel: tx/s",
                "kernel: CPUs used", "kernel: tx/s per CPU", "core ÷ kernel per CPU", "pair ÷ kernel"), rr);
        if (!Double.isNaN(sockperfTps)) {
            s.text(Fmt.f("`sockperf ping-pong` (one connection, kernel): %.0f tx/s (round trips per second over its valid "
                    + "duration), the cross-check of `rr_peer`'s one-connection figure (%.0f tx/s).", sockperfTps, kernel.get("rr/1")[0]));
        }
        if (kernelLatency.containsKey("rr/1")) {
            s.text("Kernel round trip, one connection (`rr_peer`, µs): " + kernelLatency.get("rr/1") + ".");
        }

        s.heading("Bulk throughput, MTU 1500");
        Map<String, String> bc = px.get("bulk/1/core");
        Map<String, String> bp = px.get("bulk/1/pair");
        List<List<String>> bulk = new ArrayList<>();
        bulk.add(List.of("Panamax core (both ends on 1 CPU)", Fmt.n(d(bc, "gbps"), 2), "1", "", Fmt.n(d(bc, "gbps"), 2),
                Fmt.bytes(d(bc, "heap_bytes_per_segment"))));
        bulk.add(List.of("Panamax pair (2 threads)", Fmt.n(d(bp, "gbps"), 2), "2", "", Fmt.n(d(bp, "gbps") / 2, 2),
                Fmt.bytes(d(bp, "heap_bytes_per_segment"))));
        for (Object[] k : new Object[][] {{"kernel loopback, `iperf3 -M 1460` (TSO/GRO: 64 KiB segments inside)", iperfLo},
                {"kernel over a veth pair, MTU 1500, TSO/GSO/GRO and checksum offload off, `iperf3`", iperfVeth}}) {
            double[] v = (double[]) k[1];
            if (v != null) {
                bulk.add(List.of((String) k[0], Fmt.n(v[0], 2), Fmt.n(v[1], 2), Fmt.n(v[2], 2), Fmt.n(v[0] / v[1], 2), "–"));
            }
        }
        s.table(List.of("", "Gbit/s", "CPUs (process)", "CPUs (whole machine)", "Gbit/s per CPU (process)", "heap B/segment"), bulk);
        s.text("""
                CPUs (process): the two iperf3 processes' user + system time as iperf3 reports it, per second; CPUs
                (whole machine): all busy time from /proc/stat over the run, which includes the kernel's softirq work
                and anything else running (so it is an upper bound when the machine is not idle). Panamax's
                busy-polling shards use one full CPU each by construction.""");
        if (iperfLo != null) {
            double perCpu = iperfLo[0] / iperfLo[1];
            s.row("TCP bulk, MTU 1500, Gbit/s per CPU (wire vs iperf3 on loopback)", Fmt.n(d(bc, "gbps"), 2) + " Gbit/s (both ends on 1 CPU)",
                    Fmt.n(perCpu, 2) + " Gbit/s per CPU (" + Fmt.n(iperfLo[0], 2) + " on " + Fmt.n(iperfLo[1], 2) + " CPUs)",
                    Fmt.ratio(d(bc, "gbps"), perCpu), "≥ 1 (kernel, per CPU)", Fmt.yesNo(d(bc, "gbps") >= perCpu));
            s.row("TCP bulk, MTU 1500, two threads (wire vs iperf3 on loopback)", Fmt.n(d(bp, "gbps"), 2) + " Gbit/s",
                    Fmt.n(iperfLo[0], 2) + " Gbit/s", Fmt.ratio(d(bp, "gbps"), iperfLo[0]), "≥ 1 (kernel)", Fmt.yesNo(d(bp, "gbps") >= iperfLo[0]));
        }
        if (iperfVeth != null) {
            double perCpu = iperfVeth[0] / iperfVeth[1];
            s.row("TCP bulk, 1500-byte segments, software checksums, Gbit/s per CPU (wire vs kernel over veth, offloads off)",
                    Fmt.n(d(bc, "gbps"), 2) + " Gbit/s (both ends on 1 CPU)",
                    Fmt.n(perCpu, 2) + " Gbit/s per CPU (" + Fmt.n(iperfVeth[0], 2) + " on " + Fmt.n(iperfVeth[1], 2) + " CPUs)",
                    Fmt.ratio(d(bc, "gbps"), perCpu), "≥ 1 (kernel, per CPU)", Fmt.yesNo(d(bc, "gbps") >= perCpu));
        }

        s.heading("Bulk throughput, 64 KB segments (wire MTU 65,535)");
        List<List<String>> big = new ArrayList<>();
        for (String offload : List.of("off", "on")) {
            String suffix = offload.equals("on") ? "/on" : "";
            String how = offload.equals("on") ? ", checksum offload on the wire" : ", software checksums";
            Map<String, String> core = px.get("bulk/1/core/4/" + BIG_MTU + suffix);
            Map<String, String> two = px.get("bulk/1/pair/4/" + BIG_MTU + suffix);
            big.add(List.of("Panamax core (both ends on 1 CPU)" + how, Fmt.n(d(core, "gbps"), 2), "1", Fmt.n(d(core, "shard_cpus"), 2),
                    Fmt.n(d(core, "gbps"), 2), Fmt.n(d(core, "gbps_per_shard_cpu"), 2), Fmt.bytes(d(core, "heap_bytes_per_segment"))));
            big.add(List.of("Panamax pair (2 threads)" + how, Fmt.n(d(two, "gbps"), 2), "2", Fmt.n(d(two, "shard_cpus"), 2),
                    Fmt.n(d(two, "gbps") / 2, 2), Fmt.n(d(two, "gbps_per_shard_cpu"), 2), Fmt.bytes(d(two, "heap_bytes_per_segment"))));
        }
        if (iperfLo != null) {
            big.add(List.of("kernel loopback, `iperf3 -M 1460` (TSO/GRO: 64 KiB segments inside)", Fmt.n(iperfLo[0], 2),
                    Fmt.n(iperfLo[1], 2), "", Fmt.n(iperfLo[0] / iperfLo[1], 2), "", "–"));
        }
        s.table(List.of("", "Gbit/s", "CPUs", "shard threads' CPU time (CPUs)", "Gbit/s per CPU", "Gbit/s per shard CPU second",
                "heap B/segment"), big);
        s.text("""
                The same bulk run with the wire's MTU at its largest, 65,535 bytes (`--mtu 65535`): TCP's MSS is
                65,535 - 40 - 12 (timestamps) = 65,483 bytes, so each 64 KiB write leaves as about one segment, as
                the kernel's loopback moves 64 KiB super-segments with TSO/GRO. With software checksums both stacks
                compute and verify every segment's checksum, which loopback skips; with `--checksum-offload on`
                the wire offers checksum offload and vouches for the checksums the senders leave to it, as loopback
                and veth do, so nobody sums the payload (`WireConfig.checksumOffload`, see docs/wire.md). Gbit/s
                per CPU counts the busy-polling shards as one CPU each; the shard threads' CPU time (from
                `ThreadMXBean`) says how much they really got, less than that on a loaded machine.""");
        if (iperfLo != null) {
            double perCpu = iperfLo[0] / iperfLo[1];
            for (String offload : List.of("off", "on")) {
                String suffix = offload.equals("on") ? "/on" : "";
                String how = offload.equals("on") ? " with checksum offload" : ", software checksums";
                Map<String, String> core = px.get("bulk/1/core/4/" + BIG_MTU + suffix);
                Map<String, String> two = px.get("bulk/1/pair/4/" + BIG_MTU + suffix);
                s.row("TCP bulk, 64 KB segments" + how + ", per CPU (wire vs iperf3 on loopback)", Fmt.n(d(core, "gbps"), 2)
                                + " Gbit/s (both ends on 1 CPU)",
                        Fmt.n(perCpu, 2) + " Gbit/s per CPU (" + Fmt.n(iperfLo[0], 2) + " on " + Fmt.n(iperfLo[1], 2) + " CPUs)",
                        Fmt.ratio(d(core, "gbps"), perCpu), "≥ 2 (kernel, per CPU)", Fmt.yesNo(d(core, "gbps") >= 2 * perCpu));
                s.row("TCP bulk, 64 KB segments" + how + ", two threads (wire vs iperf3 on loopback)", Fmt.n(d(two, "gbps"), 2)
                                + " Gbit/s", Fmt.n(iperfLo[0], 2) + " Gbit/s", Fmt.ratio(d(two, "gbps"), iperfLo[0]), "≥ 1 (kernel)",
                        Fmt.yesNo(d(two, "gbps") >= iperfLo[0]));
            }
        }

        s.heading("Heap bytes per segment, steady state");
        List<List<String>> heap = new ArrayList<>();
        for (String key : List.of("bulk/1/core", "bulk/1/pair", "rr/1/core", "rr/64/core", "rr/1/pair", "rr/64/pair")) {
            Map<String, String> m = px.get(key);
            heap.add(List.of(key.replace("/1/", key.startsWith("bulk") ? " " : "/1/").replace("/", " ").replace("rr", "request/response"),
                    Fmt.bytes(d(m, "heap_bytes_per_segment")), m.containsKey("heap_bytes_per_transaction")
                            ? Fmt.bytes(d(m, "heap_bytes_per_transaction")) : "–", m.get("segments")));
        }
        s.table(List.of("run", "heap B per segment", "heap B per transaction", "segments measured"), heap);
        s.row("heap per segment, TCP bulk (stack + readLoop API)", Fmt.bytes(d(bc, "heap_bytes_per_segment")), "", "", "0 B/segment",
                Fmt.yesNo(d(bc, "heap_bytes_per_segment") < GarbageBench.ZERO));
        Map<String, String> r1 = px.get("rr/1/core");
        s.row("heap per segment, TCP request/response (stack + readLoop API)", Fmt.bytes(d(r1, "heap_bytes_per_segment")), "", "",
                "0 B/segment", Fmt.yesNo(d(r1, "heap_bytes_per_segment") < GarbageBench.ZERO));
        s.text("""
                The segment path itself (receive, parse, state machine, reassembly, send-buffer slicing, header
                building, timers) allocates nothing, as the TCP module's own allocation tests check. Both ends are
                written with `StreamConnection.readLoop`, which passes one completion object to every read instead
                of returning a future per read, so the connection API adds nothing per request either (writes that
                the send buffer takes at once return a shared resolved future). The same loops written with future
                combinators (`Future.repeat(() -> c.read().then(...))`) cost about 336 bytes per transaction: a
                future per read, a pending step per `then`, the lambdas. The JMH run below measures both shapes
                (`TcpRequestResponseBenchmark`, parameter `api`). In bulk, `TcpBulkBenchmark` writes with
                `StreamConnection.writeLoop`: a write the send buffer cannot take at once waits on the loop's one
                completion object, not on a promise of its own.""");
        s.heading("Request/response over IPv6 and IPv4, one CPU");
        s.text("""
                The same `WireTcpRun rr --placement core` with `--family 6`: both stacks also hold an IPv6 address
                (fd00:13::1/64, fd00:13::2/64) and the client connects to the server's; neighbour discovery instead of
                ARP, the IPv6 header (40 bytes, no header checksum) and the TCP checksum over the IPv6 pseudo-header.
                Same run, same machine load as the IPv4 rows.""");
        s.table(List.of("connections", "IPv4: tx/s (1 CPU)", "IPv6: tx/s (1 CPU)", "IPv6 ÷ IPv4", "IPv4 heap B/segment",
                "IPv6 heap B/segment"), families);
        s.text("Raw output:");
        s.code(raw.toString());

        if (!ctx.quick) {
            s.heading("TCP between two TCP instances over an IP-level link, with checksum offload (existing JMH benchmarks)");
            s.text("""
                    `TcpRequestResponseBenchmark` and `TcpBulkBenchmark` (`benchmarks/src/main/java/io/panamax/benchmarks/tcp/`):
                    two TCP instances on one shard joined by `LoopbackIpLink`, an IP-level link that copies each packet once
                    and, with checksum offload, neither computes nor verifies checksums (as Linux loopback): no Ethernet,
                    ARP or IPv4 layers and no wire rings. `KernelLoopbackBenchmark` is the kernel over loopback from Java
                    (blocking NIO, one connection, server thread). The gap between these and the wire figures above is
                    the cost of the lower layers, the wire's copies and software checksums.""");
            Jmh.Run t = new Jmh(ctx).run("tcp-jmh", "io.panamax.benchmarks.tcp", true);
            s.code(t.command());
            s.code(t.table());
            for (var r : t.results()) {
                var params = r.getParams();
                if (params.getBenchmark().endsWith("TcpRequestResponseBenchmark.transaction")) {
                    String api = params.getParam("api");
                    double perTx = Jmh.secondary(r, "gc.alloc.rate.norm");
                    s.row("heap per transaction, TCP request/response, " + params.getParam("connections") + " connection(s), "
                                    + api + " API (JMH, both ends)", Fmt.bytes(perTx), "", "", "0 B/transaction",
                            api.equals("futures") ? "– (the allocating shape, for comparison)" : Fmt.yesNo(perTx < LESS_THAN_ONE_OBJECT));
                }
            }
        }
        s.text(Fmt.f("""
                Limits: %d CPUs shared with other work. In the core placement one thread runs both stacks, so it is
                never idle waiting for the other end; the kernel peer's two processes hand every message over through
                the scheduler (a wake-up per message with one connection), which the per-CPU normalisation counts but
                a dedicated machine would show differently. The pair placement needs both CPUs busy-polling: any other
                load on the machine takes time from one of the two shards.""", Machine.cores()));
    }

    /**
     * iperf3 server and client (each command prefixed, e.g. with ip netns exec), {@code -M 1460}, JSON:
     * returns {receiver Gbit/s, CPUs of the two processes (iperf3's report), busy CPUs of the whole machine}.
     */
    private static double[] iperf(Context ctx, List<String> clientPrefix, List<String> serverPrefix, String target, int port, String sec,
                                  String wu, StringBuilder commands, StringBuilder raw, String label) throws Exception {
        List<String> server = Cmd.prefixed(serverPrefix, List.of("iperf3", "-s", "-p", Integer.toString(port), "-1"));
        List<String> client = Cmd.prefixed(clientPrefix, List.of("iperf3", "-c", target, "-p", Integer.toString(port), "-t", sec, "-O", wu,
                "-M", "1460", "-J"));
        commands.append(Cmd.shell(server)).append(" &\n").append(Cmd.shell(client)).append('\n');
        try (Cmd.Background srv = Cmd.start("iperf3 -s", ctx.logs.resolve("tcp-iperf3-server-" + port + ".log"), server)) {
            Thread.sleep(500);
            ctx.log("  " + Cmd.shell(client));
            double m0 = Machine.busyCpuSeconds();
            long t0 = System.nanoTime();
            Cmd.Result r = Cmd.run(Duration.ofSeconds(Long.parseLong(sec) + Long.parseLong(wu) + 60), client).orThrow("iperf3 -c");
            double machine = (Machine.busyCpuSeconds() - m0) / ((System.nanoTime() - t0) / 1e9);
            Matcher m = Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)", Pattern.DOTALL)
                    .matcher(r.output());
            Matcher h = Pattern.compile("\"host_total\"\\s*:\\s*([0-9.eE+]+)").matcher(r.output());
            Matcher rt = Pattern.compile("\"remote_total\"\\s*:\\s*([0-9.eE+]+)").matcher(r.output());
            if (!m.find() || !h.find() || !rt.find()) {
                throw new IllegalStateException("iperf3 gave no result:\n" + Cmd.tail(r.output(), 2000));
            }
            double gbps = Double.parseDouble(m.group(1)) / 1e9;
            double cpus = (Double.parseDouble(h.group(1)) + Double.parseDouble(rt.group(1))) / 100;
            raw.append(Fmt.f("iperf3 -M 1460 (%s): receiver %.2f Gbit/s, CPU sender+receiver %.0f%% of one CPU, machine busy %.2f CPUs%n",
                    label, gbps, cpus * 100, machine));
            return new double[] {gbps, cpus, machine};
        }
    }

    /**
     * Runs {@code cmd} (which measures from {@code warmup} to {@code warmup + seconds}) and puts in
     * {@code cpu[0]} the CPU seconds {@code serverPid} used over that window, and, if {@code cpu} has
     * room, in {@code cpu[1]} the busy CPU seconds of the whole machine over it (/proc/stat).
     */
    static Cmd.Result measuredWithCpu(List<String> cmd, long serverPid, double warmup, double seconds, double[] cpu) throws Exception {
        var f = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return Cmd.run(Duration.ofSeconds((long) (warmup + seconds) + 60), cmd);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep((long) (warmup * 1000));
        double a = Machine.processCpuSeconds(serverPid);
        double ma = Machine.busyCpuSeconds();
        Thread.sleep((long) (seconds * 1000));
        double b = Machine.processCpuSeconds(serverPid);
        double mb = Machine.busyCpuSeconds();
        cpu[0] = b - a;
        if (cpu.length > 1) {
            cpu[1] = mb - ma; // the whole machine's busy time over the same window, when asked for
        }
        return f.get();
    }
}
