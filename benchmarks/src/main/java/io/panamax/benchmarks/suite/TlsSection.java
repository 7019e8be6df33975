package io.panamax.benchmarks.suite;

import org.openjdk.jmh.results.RunResult;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * 8. TLS: handshakes per second per shard and bulk throughput through TLS, against plain TCP
 * between the same stacks over the wire, against the same JDK TLS on the kernel's TCP, and
 * beside OpenSSL's own figures ({@code openssl speed}, {@code s_time} against {@code s_server}).
 */
final class TlsSection implements SuiteBenchmark {
    /** Bytes one bulk operation moves ({@code TlsBulkBenchmark.CHUNK}, {@code KernelTlsBenchmark.CHUNK}). */
    private static final double BULK_BYTES = 16 << 20;

    @Override
    public String name() {
        return "tls";
    }

    @Override
    public String title() {
        return "8. TLS: handshakes and bulk throughput";
    }

    @Override
    public String summary() {
        return "TLS handshakes/s per shard and bulk Gbit/s over the wire (JMH), against plain TCP, the JDK's SSLSocket on "
                + "the kernel, and openssl s_time/speed";
    }

    @Override
    public void run(Context ctx, Section s) throws Exception {
        Jmh jmh = new Jmh(ctx);
        s.text("""
                JMH benchmarks in `benchmarks/src/main/java/io/panamax/benchmarks/tls/`. Two whole stacks joined by the
                in-memory wire run on **one shard** (client and server of every connection on the same core), with the JDK's
                `SSLEngine` and a self-signed EC P-256 certificate:
                - `TlsHandshakeBenchmark`: whole connections per second (TCP handshake, TLS handshake, close_notify and FIN
                  both ways), 16 in flight; handshake crypto on the shard (`onShard`: connections per core) or on the
                  shared handshake executor (`offShard`, the default); full handshakes or resumed sessions.
                  `PlainConnectionBenchmark` is the same without TLS.
                - `TlsBulkBenchmark`: 16 MiB per operation from client to server, `tcp` being the same stacks without TLS.
                - `KernelTlsBenchmark`: the same JDK TLS (same contexts) over the kernel's TCP on 127.0.0.1 with blocking
                  `SSLSocket`s, its client and server on their own threads.
                - `TlsEngineBenchmark`: one `SSLEngine` pair alone (wrap and unwrap of 16 KiB records), heap against
                  direct buffers: the ceiling that no transport changes.

                The bulk and kernel connections run with no-delay (`TCP_NODELAY`): each operation ends on a partial
                segment (or a handshake flight of several writes), which Nagle's algorithm would otherwise hold until
                the receiver's delayed ACK, measuring a timer instead of the transfer.""");
        Jmh.Run hs = jmh.run("tls-handshake", "io.panamax.benchmarks.tls.(TlsHandshake|PlainConnection)Benchmark", false);
        Jmh.Run bulk = jmh.run("tls-bulk", "io.panamax.benchmarks.tls.(TlsBulk|KernelTls|TlsEngine)Benchmark", true);
        s.code(hs.command() + "\n" + bulk.command());

        double plain = score(hs.one("PlainConnectionBenchmark.connections"));
        List<List<String>> lines = new ArrayList<>();
        for (String version : List.of("TLSv1.3", "TLSv1.2")) {
            for (String tasks : List.of("onShard", "offShard")) {
                for (String session : List.of("full", "resumed")) {
                    RunResult r = hs.one("TlsHandshakeBenchmark.connections", "transport", version, "tasks", tasks, "session", session);
                    if (r != null) {
                        lines.add(List.of(version, tasks, session, Fmt.pm(Jmh.score(r), Jmh.error(r), 0) + " /s",
                                Fmt.ratio(Jmh.score(r), plain)));
                    }
                }
            }
        }
        s.heading("Connections per second, one shard");
        s.table(List.of("version", "handshake crypto", "session", "connections/s", "against plain TCP (" + Fmt.n(plain, 0) + "/s)"),
                lines);

        lines = new ArrayList<>();
        double tcp = gbits(bulk.one("TlsBulkBenchmark.transfer", "transport", "tcp"));
        for (String version : List.of("TLSv1.3", "TLSv1.2")) {
            double stack = gbits(bulk.one("TlsBulkBenchmark.transfer", "transport", version));
            double kernel = gbits(bulk.one("KernelTlsBenchmark.bulk", "transport", version));
            RunResult kc = bulk.one("KernelTlsBenchmark.connections", "transport", version);
            RunResult sc = hs.one("TlsHandshakeBenchmark.connections", "transport", version, "tasks", "onShard", "session", "full");
            lines.add(List.of(version, Fmt.n(stack, 2), Fmt.n(kernel, 2), Fmt.ratio(stack, kernel),
                    Fmt.ratio(stack, tcp), sc == null ? "–" : Fmt.n(Jmh.score(sc), 0),
                    kc == null ? "–" : Fmt.n(Jmh.score(kc), 0)));
            s.row("tls: bulk " + version + ", one core, Gbit/s", Fmt.n(stack, 2), Fmt.n(kernel, 2) + " (JDK SSLSocket, kernel)",
                    Fmt.ratio(stack, kernel), "≥ 1", Fmt.yesNo(stack >= kernel));
            if (sc != null && kc != null) {
                s.row("tls: full handshakes " + version + " per shard (crypto on the shard), /s", Fmt.n(Jmh.score(sc), 0),
                        Fmt.n(Jmh.score(kc), 0) + " (JDK SSLSocket, kernel)", Fmt.ratio(Jmh.score(sc), Jmh.score(kc)), "–", "–");
            }
        }
        s.heading("Bulk throughput (Gbit/s) and full handshakes against the kernel peer");
        s.table(List.of("version", "Panamax TLS, one core", "JDK SSLSocket on the kernel", "ratio", "against plain TCP on the wire ("
                + Fmt.n(tcp, 2) + ")", "Panamax handshakes/s (one core)", "kernel handshakes/s (several threads)"), lines);

        s.heading("OpenSSL's own figures on this machine");
        List<String> cmd = ctx.javaMain("io.panamax.benchmarks.tls.OpensslFigures", Integer.toString(ctx.count(5, 1)));
        s.code(ctx.displayJavaMain("io.panamax.benchmarks.tls.OpensslFigures", Integer.toString(ctx.count(5, 1))));
        Cmd.Result openssl = Cmd.run(Duration.ofMinutes(5), cmd);
        s.code(openssl.ok() ? openssl.output().strip() : "not run: " + Cmd.tail(openssl.output(), 1000));
        s.text("""
                `openssl speed` is one core's cipher rate on 16 KiB blocks: no TLS transfer on this machine can beat it.
                `s_time` against `s_server` counts whole connections over the kernel's loopback with OpenSSL's C code, its
                client and server in two processes (two cores); the handshake rows above use one core for both ends in
                Java. Raw JMH output:""");
        s.code(hs.table() + "\n" + bulk.table());
    }

    private static double score(RunResult r) {
        return r == null ? Double.NaN : Jmh.score(r);
    }

    private static double gbits(RunResult r) {
        return r == null ? Double.NaN : Jmh.score(r) * BULK_BYTES * 8 / 1e9;
    }
}
