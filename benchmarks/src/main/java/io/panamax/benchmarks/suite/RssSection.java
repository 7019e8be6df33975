package io.panamax.benchmarks.suite;

import org.openjdk.jmh.results.RunResult;

import java.util.ArrayList;
import java.util.List;

/** 4 (continued). The cost of software RSS per forwarded frame, Toeplitz ns per hash, local-port choice. */
final class RssSection implements SuiteBenchmark {
    @Override
    public String name() {
        return "rss";
    }

    @Override
    public String title() {
        return "4b. Software RSS: forwarding cost per frame, Toeplitz hash, local-port choice";
    }

    @Override
    public String summary() {
        return "SoftwareRssBenchmark (local vs forwarded frame), ToeplitzBenchmark vs bitwise, LocalPortBenchmark (JMH)";
    }

    @Override
    public void run(Context ctx, Section s) throws Exception {
        Jmh jmh = new Jmh(ctx);
        s.heading("Software RSS: a frame that stays against a frame forwarded to another shard");
        s.text("""
                `SoftwareRssBenchmark`: a received TCP frame goes through the stack's `RxSteering` on shard 0 and either
                stays there (`local`: Toeplitz hash + table lookup) or goes to shard 1 (`forwarded`: hash + lookup +
                hand-over on the shards' single-producer/single-consumer queue + delivery on shard 1 + the buffer's
                trip home). Both shards run on the benchmark thread (a manual reactor), so this is the CPU cost of the
                path, not the cross-core latency.""");
        Jmh.Run r = jmh.run("rss-software", "io.panamax.benchmarks.rss.SoftwareRssBenchmark", true);
        s.code(r.command());
        RunResult local = r.one("local");
        RunResult fwd = r.one("forwarded");
        double extra = Jmh.score(fwd) - Jmh.score(local);
        s.table(List.of("path", "ns per frame", "heap per frame"), List.of(
                List.of("`local`", Fmt.pm(Jmh.score(local), Jmh.error(local), 1), Fmt.bytes(Jmh.secondary(local, "gc.alloc.rate.norm"))),
                List.of("`forwarded`", Fmt.pm(Jmh.score(fwd), Jmh.error(fwd), 1), Fmt.bytes(Jmh.secondary(fwd, "gc.alloc.rate.norm")))));
        if (extra > 0) {
            s.text(Fmt.f("Forwarding costs about **%.0f ns per frame** more than keeping it (both paths also allocate a "
                    + "buffer and copy the frame into it, and run two loop iterations of the manual reactor).", extra));
        } else {
            s.text("In this run `forwarded` was not slower than `local`: the difference is below the noise of the "
                    + "machine (see the errors); the figures of a quieter run are the ones to read.");
        }
        s.row("software RSS: a forwarded frame (hash, hand-over, delivery on the owner, buffer home)",
                Fmt.n(Jmh.score(fwd), 0) + " ns/frame", Fmt.n(Jmh.score(local), 0) + " ns/frame (kept on the receiving shard)",
                Fmt.ratio(Jmh.score(fwd), Jmh.score(local)) + " (time)" + (extra > 0 ? "; +" + Fmt.n(extra, 0) + " ns" : ""),
                "report (no target)", "–");
        s.text("Raw output (JMH results table):");
        s.code(r.table());
        s.text("""
                `SoftwareRssBenchmark`'s own harness allocates a capturing lambda per frame (24 bytes, on both paths),
                so its `gc.alloc.rate.norm` is not the steering path's. `SteeringAllocationBenchmark`
                (`benchmarks/src/main/java/io/panamax/benchmarks/stack/`) runs the same path with a harness that
                allocates nothing (off-heap frames, tasks made once):""");
        Jmh.Run a = jmh.run("rss-steering-alloc", "io.panamax.benchmarks.stack.SteeringAllocationBenchmark", true);
        s.code(a.command());
        RunResult aLocal = a.one("frame", "path", "local");
        RunResult aFwd = a.one("frame", "path", "forwarded");
        s.table(List.of("path", "ns per frame", "heap per frame", "GCs"), List.of(
                List.of("`local`", Fmt.pm(Jmh.score(aLocal), Jmh.error(aLocal), 1), Fmt.bytes(Jmh.secondary(aLocal, "gc.alloc.rate.norm")),
                        Fmt.n(Jmh.secondary(aLocal, "gc.count"), 0)),
                List.of("`forwarded`", Fmt.pm(Jmh.score(aFwd), Jmh.error(aFwd), 1), Fmt.bytes(Jmh.secondary(aFwd, "gc.alloc.rate.norm")),
                        Fmt.n(Jmh.secondary(aFwd, "gc.count"), 0))));
        GarbageBench.allocationRow(s, "heap per forwarded frame (software RSS)", aFwd);
        s.code(a.table());

        s.heading("Toeplitz hash against the bit-by-bit reference");
        s.text("""
                `ToeplitzBenchmark`: ns per hash of an IPv4 2-tuple and 4-tuple with the table-driven `Toeplitz` (from
                `int` fields, and the 4-tuple read byte by byte from off-heap memory), against `BitwiseToeplitz` (one
                input bit at a time, as the RSS specification and DPDK's `rte_softrss` compute it), in the same run.
                1024 random flows cycle so that nothing is constant-folded.""");
        Jmh.Run t = jmh.run("rss-toeplitz", "io.panamax.benchmarks.rss.ToeplitzBenchmark", true);
        s.code(t.command());
        double bit4 = Jmh.score(t.one("ipv4FourTupleBitwise"));
        double bit2 = Jmh.score(t.one("ipv4TwoTupleBitwise"));
        List<List<String>> lines = new ArrayList<>();
        for (String m : List.of("ipv4TwoTuple", "ipv4TwoTupleBitwise", "ipv4FourTuple", "ipv4FourTupleFromPacketMemory", "ipv4FourTupleBitwise")) {
            RunResult x = t.one(m);
            double peer = m.contains("Two") ? bit2 : bit4;
            lines.add(List.of("`" + m + "`" + (m.endsWith("Bitwise") ? " (peer)" : ""), Fmt.pm(Jmh.score(x), Jmh.error(x), 1),
                    Fmt.ratio(Jmh.score(x), peer), Fmt.bytes(Jmh.secondary(x, "gc.alloc.rate.norm"))));
        }
        s.table(List.of("benchmark", "ns per hash", "time vs bitwise", "heap per hash"), lines);
        RunResult four = t.one("ipv4FourTuple");
        s.row("Toeplitz hash, IPv4 4-tuple", Fmt.n(Jmh.score(four), 1) + " ns", Fmt.n(bit4, 1) + " ns (bit by bit, as rte_softrss)",
                Fmt.ratio(Jmh.score(four), bit4) + " (time)", "report (no target)", "–");
        s.text("Raw output (JMH results table):");
        s.code(t.table());

        if (!ctx.quick) {
            s.heading("Local-port choice for active opens");
            s.text("""
                    `LocalPortBenchmark`: ns per connect spent on the local port (one `allocate` plus the `release` of the
                    oldest of 1024 open connections) on the last shard of a software-steered stack (standard key, 128-entry
                    table); its peer is the same allocator with one shard, where every free port qualifies. The ratio is
                    the price of steering replies to the connecting shard: about `shards` tries per connect.""");
            Jmh.Run l = jmh.run("rss-localport", "io.panamax.benchmarks.rss.LocalPortBenchmark", true);
            s.code(l.command());
            s.code(l.table());
        }
    }
}
