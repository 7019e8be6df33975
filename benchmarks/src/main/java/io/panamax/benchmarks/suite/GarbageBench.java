package io.panamax.benchmarks.suite;

import org.openjdk.jmh.results.RunResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * 1. Zero garbage on the RX and TX fast paths (JMH's GC profiler, heap bytes per frame), and the
 * packets per second of one core's UDP receive path over the in-memory wire.
 */
final class GarbageBench implements SuiteBenchmark {
    /** Below one byte per frame no object is allocated per frame: the rest is JMH's own bookkeeping. */
    static final double ZERO = 1.0;

    @Override
    public String name() {
        return "garbage";
    }

    @Override
    public String title() {
        return "1. Zero garbage on the fast paths; the UDP receive path per core";
    }

    @Override
    public String summary() {
        return "heap bytes per frame on RX/TX (wire, UDP through the stack, TAP, DPDK) and UDP RX packets/s per core";
    }

    @Override
    public void run(Context ctx, Section s) throws Exception {
        Jmh jmh = new Jmh(ctx);
        s.text("""
                Heap bytes allocated per frame in steady state, from JMH's GC profiler (`gc.alloc.rate.norm`, per
                operation; every benchmark here counts one operation per frame). JMH's own bookkeeping leaves a
                residue well below one byte per operation; any object allocated per frame would show as 16 bytes or
                more. The goal is **0**; a row is met below 1 byte per frame (for TAP, whose benchmarks record every
                invocation in sample-time mode, below the residue its C peer shows in the same run plus 1 byte).""");

        // The stack's UDP paths over the wire.
        Jmh.Run udp = jmh.run("garbage-udp", "io.panamax.benchmarks.stack.UdpPathBenchmark", true);
        RunResult wire = udp.one("frames", "path", "wire", "family", "4");
        RunResult rx = udp.one("frames", "path", "rx", "family", "4");
        RunResult txrx = udp.one("frames", "path", "txrx", "family", "4");
        RunResult wire6 = udp.one("frames", "path", "wire", "family", "6");
        RunResult rx6 = udp.one("frames", "path", "rx", "family", "6");
        RunResult txrx6 = udp.one("frames", "path", "txrx", "family", "6");
        s.heading("The UDP fast path through the stack, over the in-memory wire");
        s.text("""
                `UdpPathBenchmark` (`benchmarks/src/main/java/io/panamax/benchmarks/stack/`): one core (a manual reactor
                driven by the benchmark thread), 64-byte frames (Ethernet + IPv4 + UDP + 22 bytes), valid checksums;
                the wire offloads nothing, so the stack verifies the IPv4 and UDP checksums in software.
                `path=wire`: 32 frames built on side A, sent, received on side B's queue and released, no stack (the
                reference). `path=rx`: the same frames received by a stack: Ethernet, IPv4, UDP, into a bound
                socket's handler, which releases them. `path=txrx`: a stack sends 32 datagrams from a UDP socket to a
                second stack (UDP, IPv4, ARP, Ethernet, NIC poller on the way out; the receive path on the way in).
                `family=6`: the same over IPv6 (both stacks dual-stack; neighbour discovery instead of ARP), still
                64-byte frames, so 2 bytes of data behind the 40-byte IPv6 header; measured in the same run as IPv4.""");
        s.code(udp.command());
        List<List<String>> lines = new ArrayList<>();
        for (RunResult r : new RunResult[] {wire, rx, txrx, wire6, rx6, txrx6}) {
            double fps = Jmh.score(r);
            lines.add(List.of("`" + r.getParams().getParam("path") + "`", "IPv" + r.getParams().getParam("family"), Fmt.si(fps) + "frames/s" + pmSi(Jmh.error(r)),
                    Fmt.n(1e9 / fps, 1), Fmt.bytes(Jmh.secondary(r, "gc.alloc.rate.norm")),
                    Fmt.n(Jmh.secondary(r, "gc.count"), 0)));
        }
        s.table(List.of("path", "family", "frames/s (one core)", "ns/frame", "heap B/frame", "GCs"), lines);
        double rxNs = 1e9 / Jmh.score(rx) - 1e9 / Jmh.score(wire);
        double txNs = 1e9 / Jmh.score(txrx) - 1e9 / Jmh.score(rx);
        s.text(Fmt.f("""
                The stack's receive path costs about **%.0f ns per frame** on this core (rx − wire: Ethernet
                dispatch, IPv4 validation and header checksum, UDP validation and checksum over the datagram, socket
                lookup, delivery), so one core takes about %s UDP frames/s end to end including the wire's two copies.
                The transmit side adds about %.0f ns per datagram (txrx − rx, less the frame building that `rx` does
                on side A). Each buffer release on this benchmark thread looks its shard up in a ThreadLocal, which a
                real shard thread answers with a type check.""", rxNs, Fmt.si(Jmh.score(rx)), txNs));
        s.text("Raw output (JMH results table):");
        s.code(udp.table());
        for (String l : Jmh.printed(udp, "[udp ")) {
            s.text("`" + l + "`");
        }
        s.row("UDP receive path (Ethernet+IPv4+UDP), 64-byte frames, one core, in-memory wire",
                Fmt.si(Jmh.score(rx)) + "frames/s", Fmt.si(Jmh.score(wire)) + "frames/s (the wire alone, no stack)",
                Fmt.ratio(Jmh.score(rx), Jmh.score(wire)) + " (rate)", "report (no target)", "–");
        allocationRow(s, "heap per frame, UDP receive path (stack on the wire)", rx);
        allocationRow(s, "heap per frame, UDP transmit + receive (stack to stack)", txrx);
        s.row("UDP receive path over IPv6 vs IPv4, 64-byte frames, one core, in-memory wire",
                Fmt.si(Jmh.score(rx6)) + "frames/s (Ethernet+IPv6+UDP)", Fmt.si(Jmh.score(rx)) + "frames/s (Ethernet+IPv4+UDP)",
                Fmt.ratio(Jmh.score(rx6), Jmh.score(rx)), "≥ 0.9 (IPv4)", Fmt.yesNo(Jmh.score(rx6) >= 0.9 * Jmh.score(rx)));
        s.row("UDP transmit + receive over IPv6 vs IPv4, stack to stack, one core",
                Fmt.si(Jmh.score(txrx6)) + "frames/s", Fmt.si(Jmh.score(txrx)) + "frames/s",
                Fmt.ratio(Jmh.score(txrx6), Jmh.score(txrx)), "≥ 0.9 (IPv4)", Fmt.yesNo(Jmh.score(txrx6) >= 0.9 * Jmh.score(txrx)));
        allocationRow(s, "heap per frame, UDP receive path over IPv6 (stack on the wire)", rx6);
        allocationRow(s, "heap per frame, UDP transmit + receive over IPv6 (stack to stack)", txrx6);

        // The NIC backends' own RX/TX paths.
        s.heading("The NIC backends' receive and transmit paths");
        List<List<String>> nic = new ArrayList<>();
        StringBuilder raw = new StringBuilder();
        StringBuilder cmds = new StringBuilder();
        Map<String, String[]> p = new LinkedHashMap<>();
        p.put("frameBytes", new String[] {"64"});
        p.put("impairments", new String[] {"none"});
        Jmh.Run w = jmh.run("garbage-wire", "io.panamax.benchmarks.wire.WireBenchmark", p, true);
        cmds.append(w.command()).append('\n');
        raw.append(w.table());
        RunResult wr = w.results().getFirst();
        nic.add(row("in-memory wire: build, send, receive, release (`WireBenchmark`, 64 B)", wr, "frames/s"));
        allocationRow(s, "heap per frame, in-memory wire send + receive", wr);

        if (!Machine.isRoot()) {
            s.text("The TAP and DPDK allocation benchmarks need root and were not run.");
        } else {
            Map<String, String[]> tp = new LinkedHashMap<>();
            tp.put("frameSize", new String[] {"64"});
            tp.put("offloads", new String[] {"off", "on"});
            Jmh.Run tap = jmh.run("garbage-tap", "io.panamax.benchmarks.tap.Tap(Rx|Tx)Benchmark", tp, true);
            cmds.append(tap.command()).append('\n');
            raw.append(tap.table());
            RunResult tr = tap.one("tapQueueReceive", "offloads", "off");
            RunResult tt = tap.one("tapQueueTransmit", "offloads", "off");
            RunResult cr = tap.one("cReadLoop", "offloads", "off");
            RunResult cw = tap.one("cWriteLoop", "offloads", "off");
            RunResult tro = tap.one("tapQueueReceive", "offloads", "on");
            RunResult tto = tap.one("tapQueueTransmit", "offloads", "on");
            nic.add(row("TAP receive: `TapQueue.receive`, one read(2) per frame (`TapRxBenchmark`, 64 B)", tr, "time/frame"));
            nic.add(row("TAP receive, the peer: a C read(2) loop, one downcall per burst (`cReadLoop`)", cr, "time/frame"));
            nic.add(row("TAP transmit: `TapQueue.transmit`, one write(2) per frame (`TapTxBenchmark`, 64 B)", tt, "time/frame"));
            nic.add(row("TAP transmit, the peer: a C write(2) loop, one downcall per burst (`cWriteLoop`)", cw, "time/frame"));
            allocationRow(s, "heap per frame, TAP receive", tr, cr, "C read loop: JMH's own residue");
            allocationRow(s, "heap per frame, TAP transmit", tt, cw, "C write loop: JMH's own residue");
            nic.add(row("TAP receive with offloads: one readv(2) per frame into a virtio-net header and buffers (64 B)", tro, "time/frame"));
            nic.add(row("TAP transmit with offloads: one writev(2) per frame, virtio-net header first (64 B)", tto, "time/frame"));
            allocationRow(s, "heap per frame, TAP receive with offloads", tro, cr, "C read loop: JMH's own residue");
            allocationRow(s, "heap per frame, TAP transmit with offloads", tto, cw, "C write loop: JMH's own residue");
            String noDpdk = NicSection.dpdkUnavailable();
            if (noDpdk == null) {
                Jmh.Run d = jmh.run("garbage-dpdk", "io.panamax.benchmarks.dpdk.AllocationBenchmark", true);
                cmds.append(d.command()).append('\n');
                raw.append(d.table());
                RunResult dr = d.one("receive");
                RunResult dt = d.one("transmit");
                nic.add(row("DPDK receive: burst → pooled packets over the mbufs → release (`AllocationBenchmark`, net_null)", dr, "time/frame"));
                nic.add(row("DPDK transmit: packets built in mbufs → sent without a copy (`AllocationBenchmark`, net_null)", dt, "time/frame"));
                allocationRow(s, "heap per frame, DPDK receive", dr);
                allocationRow(s, "heap per frame, DPDK transmit", dt);
            } else {
                s.text("DPDK is not usable here (" + noDpdk + "): its allocation benchmark was not run.");
            }
        }
        s.code(cmds.toString());
        s.table(List.of("path", "score", "heap B/frame", "GCs"), nic);
        s.text("Raw output (JMH results tables):");
        s.code(raw.toString());
        s.text("""
                Notes: the TAP and DPDK benchmarks run on the benchmark thread, not a shard (each release pays a
                ThreadLocal lookup). TCP's heap bytes per segment are in part 3; the futures of the connection API
                allocate there, the segment path itself does not.""");
    }

    static String pmSi(double err) {
        return Double.isNaN(err) ? "" : " ± " + Fmt.si(err);
    }

    private static List<String> row(String what, RunResult r, String unit) {
        String score = unit.equals("frames/s") ? Fmt.si(Jmh.score(r)) + "frames/s"
                : Fmt.n(Jmh.score(r), 1) + " " + r.getPrimaryResult().getScoreUnit();
        return List.of(what, score, Fmt.bytes(Jmh.secondary(r, "gc.alloc.rate.norm")), Fmt.n(Jmh.secondary(r, "gc.count"), 0));
    }

    static void allocationRow(Section s, String what, RunResult r) {
        double b = Jmh.secondary(r, "gc.alloc.rate.norm");
        s.row(what, Fmt.bytes(b), "", "", "0 B/frame", Fmt.yesNo(b < ZERO));
    }

    /**
     * With a peer measured the same way, whose Java side allocates nothing per frame: what it shows is
     * JMH's own residue (larger in sample-time mode, which records every invocation), so the row is met
     * below that residue plus one byte.
     */
    static void allocationRow(Section s, String what, RunResult r, RunResult peer, String peerLabel) {
        double b = Jmh.secondary(r, "gc.alloc.rate.norm");
        double p = Jmh.secondary(peer, "gc.alloc.rate.norm");
        s.row(what, Fmt.bytes(b), Fmt.bytes(p) + " (" + peerLabel + ")", "", "0 B/frame", Fmt.yesNo(b < Math.max(ZERO, p + ZERO)));
    }
}
