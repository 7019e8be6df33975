package io.panamax.benchmarks.suite;

import org.openjdk.jmh.results.RunResult;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** 5. The NIC backends re-measured: DPDK forwarding against dpdk-testpmd, TAP against a C loop, the wire. */
final class NicSection implements SuiteBenchmark {
    @Override
    public String name() {
        return "nic";
    }

    @Override
    public String title() {
        return "5. NIC backends: DPDK against dpdk-testpmd, TAP against a C loop, the in-memory wire";
    }

    @Override
    public String summary() {
        return "DPDK forwarding vs dpdk-testpmd, TAP RX/TX vs a C read/write loop, wire frames/s (JMH)";
    }

    /** Why DPDK cannot run here, or null (a light check: the EAL itself starts only in JMH's fork). */
    static String dpdkUnavailable() {
        if (!Machine.isRoot()) {
            return "not root";
        }
        if (!Cmd.onPath("dpdk-testpmd")) {
            return "no dpdk-testpmd on the PATH (Debian package dpdk)";
        }
        for (String d : List.of("/usr/lib/x86_64-linux-gnu", "/usr/local/lib", "/usr/lib64", "/usr/lib")) {
            if (Files.exists(Path.of(d, "librte_eal.so.23"))) {
                return null;
            }
        }
        return "no librte_eal.so.23 (DPDK 22.11, Debian package libdpdk-dev)";
    }

    @Override
    public void run(Context ctx, Section s) throws Exception {
        Jmh jmh = new Jmh(ctx);
        dpdk(ctx, jmh, s);
        tap(ctx, jmh, s);
        wire(jmh, s);
    }

    private void dpdk(Context ctx, Jmh jmh, Section s) throws Exception {
        s.heading("DPDK: forwarding on one core against dpdk-testpmd");
        String why = dpdkUnavailable();
        if (why != null) {
            s.text("Not run: " + why + ".");
            s.row("DPDK forwarding, one core (net_null)", "not run", "dpdk-testpmd", "", "", "not run: " + why);
            return;
        }
        s.text("""
                `ForwardBenchmark`: one `net_null` port in loop topology (every receive burst is 32 fresh 64-byte
                mbufs, every sent mbuf is freed), bursts of 32, one core. The peer is `dpdk-testpmd
                --forward-mode=io --port-topology=loop --nb-cores=1` on the same kind of device in the same JMH
                run. Frames per second: the auxiliary counter `frames`. `javaShard` is the stack's path (a reactor
                shard, `NicPoller` → `DpdkQueue.receive` → pooled `Packet`s → `NicPoller.send` →
                `DpdkQueue.transmit`); `javaRaw` the bindings alone (`EthBurst` on a native pointer array);
                `shimForward` one downcall per burst into C with DPDK's inline functions; `javaPackets` the queue
                calls on the benchmark thread. EAL: `--no-huge -m 512 --no-pci`, virtual devices only. Run from the
                repository root (the C shim is compiled from `benchmarks/src/main/c`).""");
        Jmh.Run f = jmh.run("nic-dpdk-forward", "io.panamax.benchmarks.dpdk.ForwardBenchmark", true);
        s.code(f.command());
        RunResult testpmd = f.one("testpmdIoForward");
        double peer = Jmh.secondary(testpmd, "frames");
        List<List<String>> lines = new ArrayList<>();
        for (String m : List.of("testpmdIoForward", "shimForward", "javaRaw", "javaShard", "javaPackets")) {
            RunResult r = f.one(m);
            if (r == null) {
                continue;
            }
            double fr = Jmh.secondary(r, "frames");
            // Heap per frame from the allocation rate (JMH's MB are 2^20 bytes): the sampling methods'
            // operations are 200 ms sleeps, so their per-operation figure says nothing per frame.
            double perFrame = Jmh.secondary(r, "gc.alloc.rate") * 1024 * 1024 / fr;
            lines.add(List.of("`" + m + "`" + (m.startsWith("testpmd") ? " (the peer, own process)" : ""),
                    Fmt.si(fr) + "frames/s" + GarbageBench.pmSi(Jmh.secondaryError(r, "frames")), Fmt.ratio(fr, peer),
                    m.startsWith("testpmd") ? "– (C)" : Fmt.bytes(perFrame)));
        }
        s.table(List.of("variant", "frames/s", "vs testpmd", "heap per frame (JVM-wide rate ÷ frame rate)"), lines);
        RunResult shard = f.one("javaShard");
        RunResult raw = f.one("javaRaw");
        s.row("DPDK forwarding, one core, net_null: the stack's shard path", Fmt.si(Jmh.secondary(shard, "frames")) + "frames/s",
                Fmt.si(peer) + "frames/s (dpdk-testpmd io)", Fmt.ratio(Jmh.secondary(shard, "frames"), peer), "report (no target)", "–");
        s.row("DPDK forwarding, one core, net_null: raw bindings (EthBurst)", Fmt.si(Jmh.secondary(raw, "frames")) + "frames/s",
                Fmt.si(peer) + "frames/s (dpdk-testpmd io)", Fmt.ratio(Jmh.secondary(raw, "frames"), peer), "report (no target)", "–");
        s.text("Raw output (JMH results table):");
        s.code(f.table());
        s.text("""
                testpmd's forwarding thread is an EAL lcore with a per-lcore mempool cache; so is the stack's
                shard (`javaShard`: it registers as an lcore, `rte_thread_register`, and its queue's pool has a
                256-mbuf cache), while `javaRaw`, `shimForward` and `javaPackets` run on the JMH thread, a non-EAL
                thread whose `net_null` allocations and frees go to the pool's ring. The stack's packet layer (a
                pooled `Packet` per frame, the wrapper lookup, flags, counters, release and recycle) is the gap
                between testpmd and `javaShard`: see [benchmarks/dpdk.md](benchmarks/dpdk.md) for where a frame's
                nanoseconds go and what would close it (a burst-wise receive path). On this 2-CPU machine testpmd's
                lcore and the JMH thread share the CPUs with everything else: the JMH output also has, per
                iteration, the frames per second of CPU time that the shard thread and testpmd's process got, the
                figures that compare under load.""");
        if (!ctx.quick) {
            Jmh.Run b = jmh.run("nic-dpdk-burst", "io.panamax.benchmarks.dpdk.BurstCallBenchmark", false);
            s.text("The cost of one call into the driver (`BurstCallBenchmark`: Java through `rte_eth_fp_ops` with a "
                    + "critical or plain downcall, against a C shim around DPDK's inline `rte_eth_rx_burst`), ns per call:");
            s.code(b.command());
            s.code(b.table());
        }
    }

    private void tap(Context ctx, Jmh jmh, Section s) throws Exception {
        s.heading("TAP: receive and transmit against a C read/write loop");
        if (!Machine.isRoot()) {
            s.text("Not run: not root.");
            s.row("TAP receive/transmit vs a C loop", "not run", "", "", "", "not run: not root");
            return;
        }
        s.text("""
                `TapRxBenchmark` and `TapTxBenchmark`: a one-queue TAP device in a namespace the trial creates; the
                peer is a C `read`/`write` loop on **the same queue descriptor**, called through FFM once per burst
                of 32 frames, in the same JMH run. RX: before each invocation (untimed) a packet socket on the
                kernel side injects 32 frames; the timed part takes them. TX: 32 frames written per invocation, the
                kernel drops them as not-for-this-host. Sample-time mode: the median (p0.50) is reported next to the
                mean, ns per frame.""");
        Jmh.Run t = jmh.run("nic-tap", "io.panamax.benchmarks.tap.Tap(Rx|Tx)Benchmark", true);
        s.code(t.command());
        List<List<String>> lines = new ArrayList<>();
        for (String size : List.of("64", "1514")) {
            for (String[] pair : new String[][] {{"RX", "tapQueueReceive", "cReadLoop"}, {"TX", "tapQueueTransmit", "cWriteLoop"}}) {
                RunResult p = t.one(pair[1], "frameSize", size);
                RunResult c = t.one(pair[2], "frameSize", size);
                if (p == null || c == null) {
                    continue;
                }
                double pm = Jmh.percentile(p, 50);
                double cm = Jmh.percentile(c, 50);
                lines.add(List.of(pair[0], size + " B", Fmt.n(pm, 0) + " (" + Fmt.n(Jmh.score(p), 0) + ")",
                        Fmt.n(cm, 0) + " (" + Fmt.n(Jmh.score(c), 0) + ")", Fmt.ratio(pm, cm),
                        Fmt.bytes(Jmh.secondary(p, "gc.alloc.rate.norm")), Fmt.bytes(Jmh.secondary(c, "gc.alloc.rate.norm"))));
                if (size.equals("64")) {
                    s.row("TAP " + pair[0] + ", 64-byte frames, time per frame (median)", Fmt.n(pm, 0) + " ns",
                            Fmt.n(cm, 0) + " ns (C " + (pair[0].equals("RX") ? "read" : "write") + " loop)",
                            Fmt.ratio(pm, cm) + " (time)", "report (no target)", "–");
                }
            }
        }
        s.table(List.of("path", "frame", "Panamax median (mean) ns/frame", "C loop median (mean) ns/frame",
                "ratio (median, time)", "Panamax heap B/frame", "C loop heap B/frame"), lines);
        s.text("Raw output (JMH results table; the p0.xx rows are the sample-time percentiles):");
        s.code(t.table());
        s.text("""
                The system call and the kernel's work dominate both sides: about 0.6 µs to take a frame off the
                tun ring, about 1 µs to push one through the kernel's receive path. The backend makes one FFM
                downcall per frame where the C loop makes one per burst, captures errno, and does the pool and
                packet bookkeeping; that is its margin over C. TAP's ceiling is this per-frame system call, not the
                stack: about a million frames per second per queue on this machine.""");
    }

    private void wire(Jmh jmh, Section s) throws Exception {
        s.heading("The in-memory wire: frames per second through a wire pair, one core");
        s.text("""
                `WireBenchmark.sendAndReceiveBurst`: one thread builds 32 frames in side A's buffers (a copy of an
                off-heap template), transmits them (the wire copies each into its ring and releases A's packet),
                receives them on side B (a copy into B's buffers) and releases them. `impaired`: 1% loss, 1%
                duplication, 0.1% corruption, every draw made.""");
        Jmh.Run w = jmh.run("nic-wire", "io.panamax.benchmarks.wire.WireBenchmark", true);
        s.code(w.command());
        List<List<String>> lines = new ArrayList<>();
        for (RunResult r : w.results()) {
            lines.add(List.of(r.getParams().getParam("frameBytes") + " B", r.getParams().getParam("impairments"),
                    Fmt.si(Jmh.score(r)) + GarbageBench.pmSi(Jmh.error(r)), Fmt.n(1e9 / Jmh.score(r), 1),
                    Fmt.bytes(Jmh.secondary(r, "gc.alloc.rate.norm"))));
        }
        s.table(List.of("frame", "impairments", "frames/s", "ns/frame", "heap B/frame"), lines);
        RunResult small = w.one("sendAndReceiveBurst", "frameBytes", "64", "impairments", "none");
        if (small != null) {
            s.row("in-memory wire, 64-byte frames, one core (build + send + receive)", Fmt.si(Jmh.score(small)) + "frames/s",
                    "", "", "report (no target)", "–");
        }
        s.text("Raw output (JMH results table):");
        s.code(w.table());
        s.text("""
                The 1514-byte case is bound by the three copies per frame (build, wire, receive). The wire is the
                test and benchmark link of the stack; its rate bounds the wire-based figures of parts 1, 3 and 4.""");
    }
}
