package io.panamax.benchmarks.suite;

import org.openjdk.jmh.results.RunResult;

import java.util.ArrayList;
import java.util.List;

/** 5 (continued). The reactor's fast paths: futures, buffers, messages between shards. */
final class ReactorSection implements SuiteBenchmark {
    @Override
    public String name() {
        return "reactor";
    }

    @Override
    public String title() {
        return "6. Reactor: futures, packet buffers, messages between shards";
    }

    @Override
    public String summary() {
        return "future steps, buffer and packet pools, cross-shard messages (JMH, -prof gc)";
    }

    @Override
    public void run(Context ctx, Section s) throws Exception {
        Jmh jmh = new Jmh(ctx);
        s.text("""
                JMH benchmarks of the reactor (`benchmarks/src/main/java/io/panamax/benchmarks/reactor/`), average time
                per operation, with the GC profiler. These have no outside peer: the comparison is with zero (heap) and
                between variants. `CrossShardBenchmark` uses two shard threads, one per CPU, with busy polling
                (`busy`) or the default spin-then-park policy (`park`): on this 2-CPU machine it competes with
                everything else that runs, so its spread is wide.""");
        Jmh.Run r = jmh.run("reactor", "io.panamax.benchmarks.reactor", true);
        s.code(r.command());
        List<List<String>> lines = new ArrayList<>();
        for (RunResult x : r.results()) {
            String b = x.getParams().getBenchmark();
            String name = b.substring(b.lastIndexOf('.', b.lastIndexOf('.') - 1) + 1);
            String policy = x.getParams().getParam("idle");
            lines.add(List.of("`" + name + "`" + (policy != null ? " (" + policy + ")" : ""),
                    Fmt.pm(Jmh.score(x), Jmh.error(x), 2) + " " + x.getPrimaryResult().getScoreUnit(),
                    Fmt.bytes(Jmh.secondary(x, "gc.alloc.rate.norm"))));
        }
        s.table(List.of("benchmark", "time per operation", "heap per operation"), lines);
        row(s, r, "resolvedThen", null, "future: `then` on a resolved future", true);
        row(s, r, "bufferAllocateRelease", null, "buffer from a slab pool and back", true);
        row(s, r, "packetAllocateWithHeadroomRelease", null, "packet wrapper with headroom, allocate and release", true);
        row(s, r, "oneWayMessage", "busy", "one-way message between two shards (busy polling)", true);
        row(s, r, "messageRoundTrip", "busy", "message round trip between two shards (busy polling)", true);
        s.text("Raw output (JMH results table):");
        s.code(r.table());
        s.text("""
                A resolved `then` step, buffer and packet pool round trips and shard messages allocate nothing. A
                pending future step allocates its `Step` (40 B) and a `submitTo` round trip its `CrossShardCall`
                (48 B) plus the benchmark's own lambda and boxing: these are per request, not per packet. The analysis
                of the messaging fixes is in [benchmarks/reactor.md](benchmarks/reactor.md).""");
    }

    private static void row(Section s, Jmh.Run r, String method, String policy, String what, boolean zeroGoal) {
        RunResult x = policy == null ? r.one(method) : r.one(method, "idle", policy);
        if (x == null) {
            return;
        }
        double b = Jmh.secondary(x, "gc.alloc.rate.norm");
        s.row("reactor: " + what, Fmt.n(Jmh.score(x), 1) + " " + x.getPrimaryResult().getScoreUnit() + ", " + Fmt.bytes(b),
                "", "", zeroGoal ? "0 B/op" : "", zeroGoal ? Fmt.yesNo(b < GarbageBench.ZERO) : "–");
    }
}
