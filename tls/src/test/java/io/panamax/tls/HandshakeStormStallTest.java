package io.panamax.tls;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.StallReport;
import io.panamax.reactor.metrics.Histogram;
import io.panamax.reactor.metrics.ShardMetrics;
import io.panamax.reactor.testing.Environment;
import io.panamax.stack.Stack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SSLEngine's delegated tasks (the handshake's public-key crypto) must not stall the shard. A
 * storm of concurrent handshakes from Python's ssl module (OpenSSL) hits a one-shard TLS echo
 * over TAP while the reactor's stall detector watches with a low threshold. Twice: with the tasks
 * run on the shard (the detector must see handshake crypto on the shard's stack, or the second run
 * would prove nothing), and with them run off the shard (the default), where no stall report may
 * show handshake crypto. The numbers are printed for docs/tls.md.
 */
class HandshakeStormStallTest {
    static final String HOST_IP = "10.7.0.1";
    static final String STACK_IP = "10.7.0.2";
    static final Duration T = Duration.ofSeconds(180);
    static final Duration THRESHOLD = Duration.ofNanos(1000 * Long.getLong("panamax.tls.stallMicros", 250));
    static final int HANDSHAKES = Integer.getInteger("panamax.tls.stormHandshakes", 600);
    static final int CONCURRENCY = 50;
    /** Frames that are the handshake's public-key work (signatures, key agreement, certificate paths). */
    static final List<String> HANDSHAKE_CRYPTO = List.of("SSLEngineImpl$DelegatedTask", "sun.security.ec.", "sun.security.rsa.",
            "sun.security.util.math.", "java.security.Signature", "javax.crypto.KeyAgreement", "java.security.KeyPairGenerator",
            "sun.security.provider.certpath.", "sun.security.validator.");

    static Path dir;
    static TlsCredentials cert;

    @BeforeAll
    static void prepare() throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device");
        Environment.requireCommands("ip", "python3");
        dir = Files.createTempDirectory("pmx-tls-storm");
        cert = TlsCredentials.selfSigned(dir, "stack.test");
    }

    @AfterAll
    static void cleanUp() {
        // the namespaces and stacks are closed by each run
    }

    /** What one storm did. */
    record Outcome(String mode, long stalls, int reports, int inHandshakeCrypto, int inOtherTls, long handshakes,
                   double seconds, long tasks, double meanTaskMicros, String example, String elsewhere) {
        @Override
        public String toString() {
            return String.format("%s: %d handshakes in %.2f s, %d delegated tasks (mean %.0f µs); %d stalls over %d µs, "
                    + "%d with a sampled stack: %d in handshake crypto, %d in other TLS code, %d elsewhere%s", mode, handshakes,
                    seconds, tasks, meanTaskMicros, stalls, THRESHOLD.toNanos() / 1000, reports, inHandshakeCrypto, inOtherTls,
                    reports - inHandshakeCrypto - inOtherTls, elsewhere.isEmpty() ? "" : " (" + elsewhere + ")");
        }
    }

    private static Outcome storm(boolean offShard) throws Exception {
        List<StallReport> reports = new CopyOnWriteArrayList<>();
        boolean[] recording = {false};
        TlsConfig.Builder config = TlsConfig.builder().credentials(cert);
        if (!offShard) {
            config.delegatedTasksOnShard();
        }
        TlsContext tls = TlsContext.create(config.build());
        String mode = offShard ? "off-shard" : "on-shard";
        try (NetworkNamespace ns = NetworkNamespace.createUnique("pmx-tls")) {
            String tap = "pmxs" + (ProcessHandle.current().pid() % 100000);
            Stack stack = Stack.builder()
                    .nic(queues -> TapNic.builder().name(tap).namespace(ns).queues(1).kernelAddress(HOST_IP + "/24")
                            .kernelIpv6(false).open())
                    .ipv4(STACK_IP + "/24").shards(1)
                    .reactorSettings(r -> r.pinThreads(false).stallThreshold(THRESHOLD).stallWarmup(Duration.ZERO)
                            .stallReportInterval(Duration.ZERO) // a report for every stall whose stack could be sampled
                            .stallListener(rep -> {
                                if (recording[0]) {
                                    reports.add(rep);
                                }
                            }))
                    .start();
            try {
                stack.await(stack.onEveryShard(s -> TlsServer.listen(s.tcp(), 443, tls, WirePair::echo)), T);
                python(ns, 200); // warm-up: class loading and the JIT, not what is measured
                long stallsBefore = stack.reactor().stallCount(0);
                long handshakesBefore = stack.reactor().metrics().total("tls_handshakes_total{role=\"server\"}");
                Histogram.Snapshot tasksBefore = taskHistogram(stack);
                recording[0] = true;
                double seconds = python(ns, HANDSHAKES);
                recording[0] = false;
                long stalls = stack.reactor().stallCount(0) - stallsBefore;
                long handshakes = stack.reactor().metrics().total("tls_handshakes_total{role=\"server\"}") - handshakesBefore;
                Histogram.Snapshot tasksAfter = taskHistogram(stack);
                long tasks = tasksAfter.count() - tasksBefore.count();
                double meanTask = tasks == 0 ? 0 : (tasksAfter.sum() - tasksBefore.sum()) / 1000.0 / tasks;
                int crypto = 0;
                int otherTls = 0;
                String example = null;
                java.util.Map<String, Integer> elsewhere = new java.util.TreeMap<>();
                java.util.Map<String, Integer> otherTlsFrames = new java.util.TreeMap<>();
                for (StallReport r : reports) {
                    if (inHandshakeCrypto(r)) {
                        crypto++;
                        if (example == null) {
                            example = r.describe();
                        }
                    } else if (inTls(r)) {
                        otherTls++;
                        otherTlsFrames.merge(tlsFrames(r), 1, Integer::sum);
                    } else {
                        elsewhere.merge(r.stack().length == 0 ? "?" : r.stack()[0].getClassName() + "." + r.stack()[0].getMethodName(),
                                1, Integer::sum);
                    }
                }
                Outcome o = new Outcome(mode, stalls, reports.size(), crypto, otherTls, handshakes, seconds, tasks, meanTask,
                        example, elsewhere.toString().replaceAll("[{}]", ""));
                System.out.println("handshake storm, " + o);
                otherTlsFrames.forEach((k, v) -> System.out.println("  other TLS stall x" + v + ": " + k));
                assertEquals(HANDSHAKES, handshakes, "every handshake of the storm completed");
                assertEquals(0, stack.reactor().metrics().total("reactor_uncaught_errors_total"));
                return o;
            } finally {
                stack.close();
                assertNull(stack.leaksAtClose(), "every buffer and packet returned");
            }
        }
    }

    private static Histogram.Snapshot taskHistogram(Stack stack) {
        Histogram.Snapshot s = Histogram.Snapshot.empty();
        ShardMetrics m = stack.reactor().metrics().shard(0);
        for (ShardMetrics.Metric metric : m.all()) {
            if (metric.name().equals("tls_delegated_task_nanoseconds")) {
                s = s.merge(((Histogram) metric.instrument()).snapshot());
            }
        }
        return s;
    }

    static boolean inHandshakeCrypto(StallReport r) {
        for (StackTraceElement e : r.stack()) {
            String frame = e.getClassName() + "." + e.getMethodName();
            for (String p : HANDSHAKE_CRYPTO) {
                if (frame.startsWith(p) || frame.contains(p)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The top frame and the outermost TLS frame of a report, to say where in TLS it was. */
    static String tlsFrames(StallReport r) {
        StackTraceElement top = r.stack()[0];
        StackTraceElement tls = null;
        for (StackTraceElement e : r.stack()) {
            if (e.getClassName().startsWith("io.panamax.tls.")) {
                tls = e;
            }
        }
        return top.getClassName() + "." + top.getMethodName() + " <- " + (tls == null ? "?" : tls.getClassName() + "." + tls.getMethodName());
    }

    /** Any TLS frame at all: the engine's record work, this module. */
    static boolean inTls(StallReport r) {
        for (StackTraceElement e : r.stack()) {
            String c = e.getClassName();
            if (c.startsWith("sun.security.ssl.") || c.startsWith("javax.net.ssl.") || c.startsWith("io.panamax.tls.")
                    || c.startsWith("com.sun.crypto.provider.")) {
                return true;
            }
        }
        return false;
    }

    /** {@code n} TLS 1.3 handshakes from Python's asyncio (OpenSSL), CONCURRENCY at a time; returns the seconds taken. */
    private static double python(NetworkNamespace ns, int n) throws Exception {
        String script = String.join("\n",
                "import asyncio, ssl, time",
                "ctx = ssl.create_default_context(cafile='" + cert.certificateFile().orElseThrow() + "')",
                "ctx.minimum_version = ssl.TLSVersion.TLSv1_3",
                "async def one(i, sem):",
                "    async with sem:",
                "        r, w = await asyncio.open_connection('" + STACK_IP + "', 443, ssl=ctx, server_hostname='stack.test')",
                "        w.write(b'%d' % i)",
                "        await w.drain()",
                "        assert await r.readexactly(len(b'%d' % i)) == b'%d' % i",
                "        w.close()",
                "        await w.wait_closed()",
                "async def main():",
                "    sem = asyncio.Semaphore(" + CONCURRENCY + ")",
                "    t = time.monotonic()",
                "    await asyncio.gather(*(one(i, sem) for i in range(" + n + ")))",
                "    print(time.monotonic() - t)",
                "asyncio.run(main())");
        NetworkNamespace.Result r = ns.exec(T, "python3", "-c", script);
        assertTrue(r.ok(), r.stdout() + r.stderr());
        return Double.parseDouble(r.stdout().strip());
    }

    @Test
    void delegatedTasksOffTheShardLeaveNoHandshakeStalls() throws Exception {
        Outcome onShard = storm(false);
        Outcome offShard = storm(true);
        assertTrue(onShard.inHandshakeCrypto() > 0,
                "with the tasks on the shard the detector sees handshake crypto (else this test proves nothing): " + onShard);
        assertEquals(0, offShard.inHandshakeCrypto(), "no stall report shows handshake crypto on the shard: " + offShard
                + "\n" + offShard.example());
    }
}
