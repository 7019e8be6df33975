package io.panamax.benchmarks.suite;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** 4. Multi-core scaling: ScalingBenchmark, throughput(N) / (N × throughput(1)). */
final class ScalingSection implements SuiteBenchmark {
    @Override
    public String name() {
        return "scaling";
    }

    @Override
    public String title() {
        return "4. Multi-core scaling of TCP request/response";
    }

    @Override
    public String summary() {
        return "ScalingBenchmark: 64-byte TCP request/response over an N-queue wire with RSS, 1..cores-2 shards (at least 1, 2)";
    }

    @Override
    public void run(Context ctx, Section s) throws Exception {
        String seconds = Fmt.f("%.0f", ctx.seconds(8, 2));
        String warmup = Fmt.f("%.0f", ctx.seconds(4, 2));
        List<String> cmd = ctx.javaMain("io.panamax.benchmarks.scaling.ScalingBenchmark", "--seconds", seconds, "--warmup", warmup,
                "--connections", "16");
        String display = ctx.displayJavaMain("io.panamax.benchmarks.scaling.ScalingBenchmark", "--seconds", seconds, "--warmup",
                warmup, "--connections", "16");
        ctx.log("  " + display);
        Cmd.Result r = Cmd.run(Duration.ofMinutes(6), cmd).orThrow("ScalingBenchmark");
        List<double[]> points = new ArrayList<>();
        for (String line : r.output().split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 4 && f[0].matches("\\d+")) {
                points.add(new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[3])});
            }
        }
        if (points.isEmpty()) {
            throw new IllegalStateException("ScalingBenchmark printed no results:\n" + Cmd.tail(r.output(), 3000));
        }
        s.text("""
                `ScalingBenchmark` (`benchmarks/src/main/java/io/panamax/benchmarks/scaling/`): for each shard count N,
                one reactor of N busy-polling shards hosts a client stack and a server stack joined by an N-queue
                in-memory wire that steers like hardware RSS (Toeplitz over the 4-tuple, a 128-entry redirection
                table); every shard runs 16 client connections doing 64-byte request/response, and their server ends
                land on shards by RSS. Shards share nothing, so throughput(N) should approach N × throughput(1). It
                measures shard counts 1, 2, 4, … up to cores − 2 (at least 1 and 2): on this machine 1 and 2; the
                self-contained bundle (`benchmarks/make-bundle.sh`, a jlink runtime with the jar) runs the same on
                bigger machines: `panamax-bench/run.sh scaling`.""");
        s.code(display);
        List<List<String>> lines = new ArrayList<>();
        double[] xs = new double[points.size()];
        double[] ys = new double[points.size()];
        double[] ideal = new double[points.size()];
        double one = points.getFirst()[1] / points.getFirst()[0];
        for (int i = 0; i < points.size(); i++) {
            double[] p = points.get(i);
            xs[i] = p[0];
            ys[i] = p[1];
            ideal[i] = p[0] * one;
            lines.add(List.of(Fmt.n(p[0], 0), Fmt.n(p[1], 0), Fmt.n(p[1] / p[0], 0), Fmt.n(p[2], 3)));
        }
        s.table(List.of("shards", "transactions/s", "per shard", "efficiency throughput(N) / (N × throughput(1))"), lines);
        double[] last = points.getLast();
        s.row(Fmt.f("multi-core scaling: TCP request/response over the wire, %d shards", (int) last[0]),
                Fmt.f("%,.0f tx/s at %d shards", last[1], (int) last[0]),
                Fmt.f("%,.0f tx/s (%d × %,.0f at 1 shard)", last[0] * one, (int) last[0], one),
                Fmt.n(last[2], 2) + " (efficiency)", "≥ 0.90", Fmt.yesNo(last[2] >= 0.9));
        Path png = ctx.plots.resolve("scaling.png");
        new Plot("TCP request/response over the in-memory wire: throughput against shards", "shards",
                "transactions per second")
                .add(new Plot.Series("measured", xs, ys, false, true))
                .add(new Plot.Series("ideal: N × throughput(1)", xs, ideal, true, false))
                .xTicks(xs)
                .write(png);
        s.text("![throughput against shards](plots/scaling.png)");
        s.text("Raw output:");
        s.code(r.output().lines().filter(l -> !l.startsWith("WARNING")).reduce("", (a, b) -> a + b + "\n"));
        s.text(Fmt.f("""
                Limits: this machine has %d CPUs, shared with other engineers' work, and N busy-polling shards need N
                free CPUs: at N = CPUs, anything else that runs (the JVM's own threads, the load average above) takes
                time from a shard, which a share-nothing design cannot hide. Both the client and the server stacks
                live on the same shards, so each shard pays for both ends of its connections.""", Machine.cores()));
    }
}
