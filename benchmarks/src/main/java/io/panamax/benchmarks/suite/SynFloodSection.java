package io.panamax.benchmarks.suite;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * 13. A SYN flood (RFC 4987 2) while a client works: spoofed SYNs from a raw socket in the
 * client namespace at the highest rate one core can send ({@code syn_flood flood}: prebuilt SYNs,
 * sendmmsg) for {@link #FLOOD_SECONDS} s, while a kernel client opens a connection, echoes 128
 * bytes and closes it, in a loop ({@code syn_flood client}); then the same client for
 * {@link #AFTER_SECONDS} s once the flood has stopped. Against the stack over TAP (default
 * settings: SYN queue 4096, SYN cookies once it is full, RFC 4987 3.6) and against the kernel
 * over veth ({@code tcp_syncookies=1}, its default; the C echo server {@code rr_peer}). Reported:
 * the SYNs per second the flooder sent, the client's connections attempted and succeeded, its
 * p50/p99/max connect time during and after the flood, the stack's connection table and buffers
 * at their worst, and its heap before and after (live, after {@code jcmd PID GC.run}).
 */
final class SynFloodSection implements SuiteBenchmark {
    private static final double FLOOD_SECONDS = 30;
    private static final double AFTER_SECONDS = 5;
    private static final Duration T = Duration.ofSeconds(60);
    private static final Pattern FLOOD = Pattern.compile("result sent=(\\d+) refused=(\\d+) seconds=([0-9.]+) rate=(\\d+)");
    private static final Pattern CLIENT = Pattern.compile(
            "result attempted=(\\d+) succeeded=(\\d+) failed=(\\d+) seconds=([0-9.]+) connect_us p50=(\\d+) p99=(\\d+) max=(\\d+)");
    private static final Pattern STAT = Pattern.compile(
            "stat conns=(\\d+) cookiesSent=(\\d+) cookiesValid=(\\d+) segmentsIn=(\\d+) buffersFree=(\\d+)/(\\d+) heapKiB=(\\d+)");

    @Override
    public String name() {
        return "synflood";
    }

    @Override
    public String title() {
        return "13. SYN flood: a client's connections during and after 30 s of spoofed SYNs at one core's rate, against the kernel";
    }

    @Override
    public String summary() {
        return "raw-socket SYN flood (C, sendmmsg) for 30 s while a client connects/echoes/closes in a loop: stack over TAP vs kernel";
    }

    @Override
    public Optional<String> unavailable(Context ctx) {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("needs root (namespaces, a TAP device, a raw socket)");
        }
        for (String c : List.of("ip", "gcc")) {
            if (!Cmd.onPath(c)) {
                return Optional.of("needs " + c + " (bin/panamax installs it)");
            }
        }
        return Optional.empty();
    }

    /** The client's figures for one phase. */
    private record Client(long attempted, long succeeded, long failed, double seconds, long p50, long p99, long max) {
        static Client parse(Cmd.Result r) {
            Matcher m = CLIENT.matcher(r.output());
            if (!m.find()) {
                throw new IllegalStateException("syn_flood client printed no result:\n" + Cmd.tail(r.output(), 2000));
            }
            return new Client(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                    Double.parseDouble(m.group(4)), Long.parseLong(m.group(5)), Long.parseLong(m.group(6)), Long.parseLong(m.group(7)));
        }

        String counts() {
            return succeeded + " / " + attempted;
        }

        String times() {
            return Fmt.f("%s / %s / %s", ms(p50), ms(p99), ms(max));
        }

        private static String ms(long us) {
            return Fmt.n(us / 1000.0, us < 10_000 ? 2 : 0);
        }
    }

    /** One target's run: the flood's rate and the client during and after it. */
    private record Outcome(long sent, double rate, long refused, Client during, Client after) {
    }

    @Override
    public void run(Context ctx, Section s) throws Exception {
        double flood = ctx.seconds(FLOOD_SECONDS, 5);
        double after = ctx.seconds(AFTER_SECONDS, 2);
        Path src = ctx.root.resolve("benchmarks/src/main/c/synflood/syn_flood.c");
        if (!Files.exists(src)) {
            throw new IllegalStateException("missing " + src);
        }
        Files.createDirectories(ctx.work);
        Path bin = ctx.work.resolve("syn_flood");
        Cmd.run(Duration.ofSeconds(60), "gcc", "-O2", "-o", bin.toString(), src.toString()).orThrow("compiling syn_flood.c");
        String rrPeer = ctx.rrPeer().toString();
        String shown = "benchmarks/target/suite/syn_flood";
        StringBuilder commands = new StringBuilder("gcc -O2 -o " + shown + " benchmarks/src/main/c/synflood/syn_flood.c\n");
        StringBuilder raw = new StringBuilder();
        Outcome stack;
        Outcome kernel;
        long heapBefore;
        long heapAfter;
        int maxConns = 0;
        long minBuffers = Long.MAX_VALUE;
        long capacity = 0;
        long maxHeap = 0;
        long cookies;
        try (Netns ns = Netns.create()) {
            commands.append(ns.describe());
            // The client closes first, so its side keeps TIME-WAIT: thousands of connections in 30 s
            // need the ports of TIME-WAIT connections again (RFC 6191 with timestamps) and a wide range.
            for (String sysctl : List.of("net.ipv4.tcp_tw_reuse=1", "net.ipv4.ip_local_port_range=1024 65535")) {
                Cmd.run(T, Netns.in(ns.client, "sysctl", "-qw", sysctl)).orThrow("sysctl " + sysctl);
                commands.append("ip netns exec ").append(ns.client).append(" sysctl -w '").append(sysctl).append("'\n");
            }
            String tap = Netns.tapName("pmxs");
            List<String> serverCmd = ctx.javaMain("io.panamax.benchmarks.e2e.SynFloodServer", "--netns", ns.client, "--tap", tap);
            commands.append(ctx.displayJavaMain("io.panamax.benchmarks.e2e.SynFloodServer", "--netns", ns.client, "--tap", tap))
                    .append(" &\n")
                    .append("ip netns exec ").append(ns.server).append(" benchmarks/target/suite/rr_peer server 7 &\n");
            try (Cmd.Background server = Cmd.start("SynFloodServer", ctx.logs.resolve("synflood-stack.log"), serverCmd);
                 Cmd.Background kernelServer = Cmd.start("rr_peer server", ctx.logs.resolve("synflood-kernel.log"),
                         Netns.in(ns.server, rrPeer, "server", "7"))) {
                server.awaitLine("^ready", Duration.ofSeconds(60));
                kernelServer.awaitLine("^ready", Duration.ofSeconds(10));
                // Warm-up: the JIT compiles the stack's paths before anything is measured.
                client(ns, bin, Netns.STACK_IP, Math.max(2, after));
                heapBefore = liveHeap(server);
                int statsBefore = stats(server).size();
                ctx.log(Fmt.f("  stack: flood %s s, heap before %s KiB", Fmt.n(flood, 0), heapBefore));
                stack = floodRun(ctx, ns, bin, Netns.STACK_IP, "10.7.0", flood, after, commands, raw, "stack");
                List<long[]> during = stats(server);
                for (long[] st : during.subList(Math.min(statsBefore, during.size()), during.size())) {
                    maxConns = (int) Math.max(maxConns, st[0]);
                    minBuffers = Math.min(minBuffers, st[4]);
                    capacity = st[5];
                    maxHeap = Math.max(maxHeap, st[6]);
                }
                heapAfter = liveHeap(server);
                cookies = stats(server).getLast()[1];
                server.output().lines().filter(l -> l.startsWith("stat ")).reduce((x, y) -> y)
                        .ifPresent(l -> raw.append("stack, last: ").append(l).append('\n'));
                ctx.log(Fmt.f("  kernel: flood %s s", Fmt.n(flood, 0)));
                kernel = floodRun(ctx, ns, bin, Netns.KERNEL_IP, "10.8.0", flood, after, commands, raw, "kernel");
            }
        }
        report(s, stack, kernel, flood, after, heapBefore, heapAfter, maxHeap, maxConns, minBuffers, capacity, cookies,
                commands.toString(), raw.toString());
    }

    /** The flood against {@code host} with the client during it, then the client alone. */
    private static Outcome floodRun(Context ctx, Netns ns, Path bin, String host, String prefix, double flood, double after,
            StringBuilder commands, StringBuilder raw, String who) throws Exception {
        List<String> floodCmd = Netns.in(ns.client, bin.toString(), "flood", host, "7", Fmt.n(flood, 0), prefix);
        commands.append("# ").append(who).append(":\nip netns exec ").append(ns.client).append(" benchmarks/target/suite/syn_flood flood ")
                .append(host).append(" 7 ").append(Fmt.n(flood, 0)).append(' ').append(prefix).append(" &\n")
                .append("ip netns exec ").append(ns.client).append(" benchmarks/target/suite/syn_flood client ").append(host)
                .append(" 7 ").append(Fmt.n(flood, 0)).append("   # during the flood\n")
                .append("ip netns exec ").append(ns.client).append(" benchmarks/target/suite/syn_flood client ").append(host)
                .append(" 7 ").append(Fmt.n(after, 0)).append("   # when it has stopped\n");
        Client during;
        Matcher f;
        try (Cmd.Background flooder = Cmd.start("syn_flood flood", ctx.logs.resolve("synflood-flood-" + who + ".log"), floodCmd)) {
            flooder.awaitLine("^flooding", Duration.ofSeconds(30));
            during = Client.parse(client(ns, bin, host, flood));
            if (!flooder.process.waitFor((long) flood + 30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("the flooder did not end");
            }
            f = FLOOD.matcher(flooder.output());
            if (!f.find()) {
                throw new IllegalStateException("syn_flood flood printed no result:\n" + Cmd.tail(flooder.output(), 2000));
            }
            raw.append(who).append(" flood: ").append(f.group()).append('\n');
        }
        Client afterwards = Client.parse(client(ns, bin, host, after));
        raw.append(who).append(" client during: ").append(during).append('\n')
                .append(who).append(" client after: ").append(afterwards).append('\n');
        ctx.log(Fmt.f("    %s: %s SYN/s; during %s ok (p99 %s ms), after %s ok", who, f.group(4), during.counts(),
                Fmt.n(during.p99 / 1000.0, 1), afterwards.counts()));
        return new Outcome(Long.parseLong(f.group(1)), Double.parseDouble(f.group(4)), Long.parseLong(f.group(2)), during, afterwards);
    }

    private static Cmd.Result client(Netns ns, Path bin, String host, double seconds) throws Exception {
        return Cmd.run(Duration.ofSeconds((long) seconds + 60),
                Netns.in(ns.client, bin.toString(), "client", host, "7", Fmt.n(seconds, 0))).orThrow("syn_flood client");
    }

    /** Every stat line so far: {conns, cookiesSent, cookiesValid, segmentsIn, buffersFree, capacity, heapKiB}. */
    private static List<long[]> stats(Cmd.Background server) {
        List<long[]> out = new ArrayList<>();
        Matcher m = STAT.matcher(server.output());
        while (m.find()) {
            long[] v = new long[7];
            for (int i = 0; i < 7; i++) {
                v[i] = Long.parseLong(m.group(i + 1));
            }
            out.add(v);
        }
        return out;
    }

    /** The server's live heap, KiB: a full collection (jcmd GC.run), then its next stat line. */
    private static long liveHeap(Cmd.Background server) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Cmd.run(T, jcmd.toString(), Long.toString(server.pid()), "GC.run").orThrow("jcmd GC.run");
        int n = stats(server).size();
        for (int i = 0; i < 100 && stats(server).size() <= n; i++) {
            Thread.sleep(50);
        }
        return stats(server).getLast()[6];
    }

    private static void report(Section s, Outcome stack, Outcome kernel, double flood, double after, long heapBefore,
            long heapAfter, long maxHeap, int maxConns, long minBuffers, long capacity, long cookies, String commands,
            String raw) {
        boolean allStack = stack.during.failed == 0 && stack.after.failed == 0 && stack.during.succeeded > 0;
        s.row(Fmt.f("SYN flood %s s: client connections succeeded during / after (stack over TAP vs kernel over veth)",
                        Fmt.n(flood, 0)),
                stack.during.counts() + "; " + stack.after.counts(), kernel.during.counts() + "; " + kernel.after.counts(), "",
                "every one succeeds", Fmt.yesNo(allStack));
        s.row("SYN flood: p99 connect time during the flood, ms (stack ÷ kernel)", Fmt.n(stack.during.p99 / 1000.0, 2),
                Fmt.n(kernel.during.p99 / 1000.0, 2), Fmt.ratio(stack.during.p99, kernel.during.p99), "", "");
        s.row("SYN flood: the stack's heap before → after (live, KiB); connections in its table at most",
                heapBefore + " → " + heapAfter + "; " + maxConns, "", "", "bounded", Fmt.yesNo(heapAfter < heapBefore + 64 * 1024));
        s.text(Fmt.f("A flood of spoofed SYNs (RFC 4987 2) from a raw socket in the client namespace, as fast as one core "
                + "sends them (`syn_flood flood`: 65,536 prebuilt SYNs with Linux's options, sources in the target's /24, "
                + "handed to the kernel 64 at a time by `sendmmsg`), for %s s, while the kernel client connects, echoes 128 "
                + "bytes and closes in a loop (`syn_flood client`, one connection at a time, each allowed 10 s); then the same "
                + "client for %s s once the flood has stopped. The stack runs with its defaults (one shard over TAP, SYN queue "
                + "4096, SYN cookies once it is full); the kernel with its own (`tcp_syncookies=1`, the C echo server "
                + "`rr_peer` with a backlog of 1024, over veth).", Fmt.n(flood, 0), Fmt.n(after, 0)));
        s.table(List.of("", "stack over TAP", "kernel over veth"), List.of(
                List.of("SYNs the flooder sent (per second)", Fmt.f("%d (%s/s; %d refused by the kernel)", stack.sent,
                        Fmt.si(stack.rate), stack.refused), Fmt.f("%d (%s/s; %d refused)", kernel.sent, Fmt.si(kernel.rate),
                        kernel.refused)),
                List.of("client connections during the flood: succeeded / attempted", stack.during.counts(), kernel.during.counts()),
                List.of("connect time during the flood, p50 / p99 / max, ms", stack.during.times(), kernel.during.times()),
                List.of("client connections after it: succeeded / attempted", stack.after.counts(), kernel.after.counts()),
                List.of("connect time after it, p50 / p99 / max, ms", stack.after.times(), kernel.after.times()),
                List.of("SYN cookies sent", Long.toString(cookies), ""),
                List.of("connections in the table at most; packet buffers free at least",
                        maxConns + "; " + minBuffers + " of " + capacity, ""),
                List.of("heap: live before, live after, in use at most during (KiB)",
                        heapBefore + ", " + heapAfter + ", " + maxHeap, "")));
        s.text("The flood's SYNs reach the stack through the TAP device's queue, which drops what the stack does not read in "
                + "time (the flooder's rate is what one core sends, not what the stack received: `tcp_segments_received_total` "
                + "in the raw output's last stat line says that). Memory bounded: the SYN queue holds at most 4096 half-open "
                + "connections and every SYN beyond it is answered by a cookie with no state.");
        s.code(commands);
        s.code(raw);
    }
}
