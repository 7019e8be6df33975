package io.panamax.samples;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.testing.StreamedEcho;
import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code bin/panamax echo} as a user runs it, on the TAP backend and on DPDK (its net_tap driver, and its
 * AF_XDP driver on a veth pair):
 * the launcher started as a process (on the classes Maven just compiled, through
 * {@code PANAMAX_CLASSPATH}), the commands it prints run as printed (HTTP with curl, HTTPS with
 * {@code curl --cacert} and {@code openssl s_client}, iperf3; dual-stack by default: curl (HTTP and
 * HTTPS, the certificate naming the IPv6 address too), ping -6, nc, socat (UDP) and {@code iperf3 -6}
 * over IPv6), 50 MB echoed over TCP over IPv6 by nc -6 (the printed line) and by socat, 50 MB echoed
 * over HTTPS, then SIGINT: it must
 * exit 0 having removed its namespace and TAP device.
 */
class EchoCommandProcessTest {
    /** A line of a thrown exception's report (its first line, or a cause), not a frame of a stack. */
    /** The status line's idle part: waits on the NIC queues' descriptors, and those a frame ended. */
    private static final java.util.regex.Pattern IDLE = java.util.regex.Pattern.compile("idle: (\\d+) waits on NIC descriptors, (\\d+) ended by a frame");
    private static final java.util.regex.Pattern THROWN = java.util.regex.Pattern.compile("(Exception|Error)(: | in thread|$)|^Caused by: ");

    private static final Duration T = Duration.ofSeconds(120);
    private static final int HTTPS_MEGABYTES = 50;
    private static final int TCP6_MEGABYTES = 50;

    /**
     * {@code af_xdp} is {@code --backend dpdk --dpdk-device af_xdp}: DPDK's AF_XDP driver on a veth
     * pair the sample makes, the kernel on the other end (docs/dpdk.md, "AF_XDP on a veth pair").
     */
    @ParameterizedTest(name = "--backend {0}")
    @ValueSource(strings = {"tap", "dpdk", "af_xdp"})
    void echoStartsAnswersAndStopsCleanlyOnSigint(String variant) throws Exception {
        Environment.requireRoot("the echo sample creates a network namespace and a TAP device");
        Environment.requireCommands("bash", "ip", "curl", "ping", "kill", "openssl", "head", "tail", "sha256sum", "iperf3", "socat");
        boolean afXdp = variant.equals("af_xdp");
        if (afXdp) {
            Environment.requireCommands("ethtool");
        }
        String backend = afXdp ? "dpdk" : variant;
        long pid = ProcessHandle.current().pid();
        String netns = "pmx-e2e-" + variant.replace('_', '-') + "-" + pid;
        String tap = "pmx" + variant.charAt(0) + (pid % 100000);
        Path tlsDir = Files.createTempDirectory("pmx-e2e-tls");
        assertFalse(NetworkNamespace.exists(netns), "a namespace left by an earlier run: ip netns del " + netns);

        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        Path launcher = root.resolve("bin/panamax");
        assertTrue(Files.isExecutable(launcher), launcher.toString());
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "echo", "--backend", backend, "--netns", netns, "--tap", tap,
                "--shards", "2", "--status", "1", "--http-port", "8080", "--tls-port", "8443", "--tls-dir", tlsDir.toString(),
                "--http-max-content", Integer.toString((HTTPS_MEGABYTES + 1) << 20));
        if (afXdp) {
            pb.command().addAll(List.of("--dpdk-device", "af_xdp"));
        }
        pb.environment().put("PANAMAX_CLASSPATH", classPath());
        pb.environment().put("PANAMAX_NO_INSTALL", "1");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        StringBuffer all = new StringBuffer();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    all.append(line).append('\n');
                    lines.add(line);
                }
            } catch (Exception e) {
                // the process ended
            }
        });
        try {
            String curlHello = null;
            String curlPost = null;
            String curlChunked = null;
            String ping = null;
            String curlTls = null;
            String sClient = null;
            String certificateLine = null;
            String iperf = null;
            String curl6 = null;
            String nc6 = null;
            String udp6 = null;
            String curlTls6 = null;
            String iperf6 = null;
            String ping6 = null;
            long deadline = System.nanoTime() + T.toNanos();
            while (true) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    fail("no 'Stop with Ctrl-C.' within " + T + " (alive: " + p.isAlive() + "):\n" + all);
                }
                String c = line.strip();
                if (c.contains("curl -g 'http://[fd00:7::2]:8080/hello'")) {
                    curl6 = c;
                } else if (c.contains("nc -6 -N fd00:7::2 7")) {
                    nc6 = c;
                } else if (c.contains("socat - UDP6:[fd00:7::2]:7")) {
                    udp6 = c;
                } else if (c.contains("curl -g --cacert ") && c.contains("'https://[fd00:7::2]:8443/hello'")) {
                    curlTls6 = c;
                } else if (c.contains("iperf3 -6 -c fd00:7::2")) {
                    iperf6 = c;
                } else if (c.endsWith(" ping -6 -c 3 fd00:7::2")) {
                    ping6 = c;
                } else if (c.endsWith("curl http://10.7.0.2:8080/hello")) {
                    curlHello = c;
                } else if (c.contains("curl -d 'hello, panamax' ")) {
                    curlPost = c;
                } else if (c.contains("curl -T - -H 'Transfer-Encoding: chunked' ")) {
                    curlChunked = c;
                } else if (c.contains("iperf3 -c ")) {
                    iperf = c;
                } else if (c.contains("curl --cacert ")) {
                    curlTls = c;
                } else if (c.contains("openssl s_client ")) {
                    sClient = c;
                } else if (c.startsWith("HTTPS on port 8443 uses a self-signed certificate")) {
                    certificateLine = c;
                } else if (c.contains(" ping -c 3 ")) { // not the arping line
                    ping = c;
                } else if (c.equals("Stop with Ctrl-C.")) {
                    break;
                }
            }
            assertNotNull(curlHello, all::toString);
            assertNotNull(curlPost, all::toString);
            assertNotNull(ping, all::toString);
            assertNotNull(curlChunked, all::toString);
            assertNotNull(iperf, all::toString);
            assertNotNull(curlTls, all::toString);
            assertNotNull(sClient, all::toString);
            assertNotNull(certificateLine, all::toString);
            assertTrue(curlHello.startsWith("ip netns exec " + netns + " "), curlHello);
            Path certificate = tlsDir.resolve(certificateLine.substring(certificateLine.lastIndexOf(' ') + 1));
            assertTrue(Files.isRegularFile(certificate) && certificate.startsWith(tlsDir), certificateLine);

            // The printed commands work as printed.
            assertTrue(NetworkNamespace.run(T, "bash", "-c", ping).ok(), ping);
            String hello = NetworkNamespace.run(T, "bash", "-c", curlHello + " -sS").orThrow(curlHello).stdout();
            assertTrue(hello.startsWith("GET /hello HTTP/1.1\r\n"), hello);
            // Dual-stack by default on every backend here (the sample makes each link): the same services
            // over IPv6 (fd00:7::2), with the commands printed for it; UDP echo answers too.
            assertNotNull(curl6, all::toString);
            assertNotNull(nc6, all::toString);
            assertNotNull(udp6, all::toString);
            // The printed ping -6 first, as a user would: both sides resolve each other by neighbour
            // discovery here, not within the 0.5 s socat gives the UDP answer below.
            assertNotNull(ping6, all::toString);
            assertTrue(NetworkNamespace.run(T, "bash", "-c", ping6).ok(), ping6);
            // socat waits 0.5 s for the answer after its input ends, then exits.
            assertEquals("hello", NetworkNamespace.run(T, "bash", "-c", udp6).orThrow(udp6).stdout().strip(), udp6);
            String hello6 = NetworkNamespace.run(T, "bash", "-c", curl6 + " -sS").orThrow(curl6).stdout();
            assertTrue(hello6.startsWith("GET /hello HTTP/1.1\r\nHost: [fd00:7::2]:8080\r\n"), hello6);
            assertEquals("hello", NetworkNamespace.run(T, "bash", "-c", nc6).orThrow(nc6).stdout().strip(), nc6);
            // TCP echo over IPv6 at size (issue 14: SHA-256 of 50 MB with nc -6 and socat): the printed
            // nc -6 line fed from /dev/urandom instead of "echo hello", then socat, each side's SHA-256 on the fly.
            assertTrue(nc6.startsWith("echo hello | "), nc6);
            NetworkNamespace sampleNs = NetworkNamespace.existing(netns);
            for (String client : List.of(nc6.substring("echo hello | ".length()), "socat -t 30 -T 30 - 'TCP6:[fd00:7::2]:7'")) {
                long start = System.nanoTime();
                StreamedEcho.run(sampleNs, tlsDir, T, client, TCP6_MEGABYTES + "M");
                System.out.printf("--backend %s: TCP echo over IPv6 of %d MB through %s in %.1f s%n", variant, TCP6_MEGABYTES,
                        client, (System.nanoTime() - start) / 1e9);
            }
            String posted = NetworkNamespace.run(T, "bash", "-c", curlPost + " -sS").orThrow(curlPost).stdout();
            assertTrue(posted.endsWith("\r\n\r\nhello, panamax"), posted);
            String chunked = NetworkNamespace.run(T, "bash", "-c", curlChunked.replace(" curl ", " curl -sS ")).orThrow(curlChunked).stdout();
            assertTrue(chunked.contains("Transfer-Encoding: chunked\r\n"), chunked);
            assertTrue(chunked.contains("\r\n\r\n1\n2\n3\n") && chunked.endsWith("\n999\n1000\n"), chunked);

            // HTTPS: the printed commands (curl verifies the self-signed certificate for the address;
            // s_client in TLS 1.3 and in 1.2), then 50 MB echoed, compared by SHA-256.
            String tlsHello = NetworkNamespace.run(T, "bash", "-c", curlTls + " -sS").orThrow(curlTls).stdout();
            assertTrue(tlsHello.startsWith("GET /hello HTTP/1.1\r\n"), tlsHello);
            for (String version : new String[] {"-tls1_3", "-tls1_2"}) {
                String viaOpenssl = NetworkNamespace.run(T, "bash", "-c", sClient + " " + version + " -verify_return_error")
                        .orThrow(sClient).stdout();
                assertTrue(viaOpenssl.startsWith("HTTP/1.1 200 OK\r\n") && viaOpenssl.contains("\r\n\r\nGET / HTTP/1.1\r\n"),
                        version + ": " + viaOpenssl);
            }
            // HTTPS over IPv6: the certificate names fd00:7::2 too (an iPAddress curl checks).
            assertNotNull(curlTls6, all::toString);
            assertTrue(certificateLine.contains("10.7.0.2, fd00:7::2, localhost"), certificateLine);
            String tlsHello6 = NetworkNamespace.run(T, "bash", "-c", curlTls6 + " -sS").orThrow(curlTls6).stdout();
            assertTrue(tlsHello6.startsWith("GET /hello HTTP/1.1\r\nHost: [fd00:7::2]:8443\r\n"), tlsHello6);
            String inNs = "ip netns exec " + netns + " ";
            // AF_XDP: 10 MB, four times the 2.5 MB where its bulk transfers used to stall, for CI time
            // (it moves HTTPS at a fraction of the TAP backend's rate).
            int megabytes = afXdp ? 10 : HTTPS_MEGABYTES;
            String bulk = "cd " + tlsDir + " && head -c " + (megabytes << 20) + " /dev/urandom > body"
                    + " && " + inNs + "curl -sS --fail --cacert " + certificate + " --data-binary @body -o echoed https://10.7.0.2:8443/bulk"
                    + " && sha256sum < body && tail -c " + (megabytes << 20) + " echoed | sha256sum && head -c 15 echoed";
            List<String> sums = NetworkNamespace.run(T, "bash", "-c", bulk).orThrow(bulk).stdout().lines().toList();
            assertEquals(3, sums.size(), sums::toString);
            assertEquals(sums.get(0), sums.get(1), "the " + megabytes + " MB came back unchanged over HTTPS");
            assertEquals("POST /bulk HTTP", sums.get(2));

            // iperf3, as printed: its receiver line is what the stack counted.
            String iperfOut = NetworkNamespace.run(T, "bash", "-c", iperf).orThrow(iperf).stdout();
            assertTrue(iperfOut.contains(" receiver") && iperfOut.contains("iperf Done."), iperfOut);
            // And over IPv6 into the same server (its listener takes both families), for 1 s instead of 5 (CI time).
            assertNotNull(iperf6, all::toString);
            String iperf6Out = NetworkNamespace.run(T, "bash", "-c", iperf6.replace(" -t 5", " -t 1")).orThrow(iperf6).stdout();
            assertTrue(iperf6Out.contains("connected to fd00:7::2 port") && iperf6Out.contains(" receiver")
                    && iperf6Out.contains("iperf Done."), iperf6Out);

            // A status line with the requests just made.
            String status = null;
            while (status == null && System.nanoTime() < deadline) {
                String line = lines.poll(1, TimeUnit.SECONDS);
                if (line != null && line.startsWith("http ") && line.contains(" req/s")) {
                    status = line;
                }
            }
            assertNotNull(status, () -> "no status line:\n" + all);
            // Every backend here sleeps on its NIC queue's descriptor when idle: TAP on its tun
            // descriptor, net_af_xdp on its AF_XDP socket (not parked blind, as DPDK's other
            // drivers are, which print no idle part); frames ended some of those sleeps.
            if (!variant.equals("dpdk")) {
                String line = status;
                java.util.regex.Matcher idle = IDLE.matcher(line);
                assertTrue(idle.find(), () -> "no idle part in the status line: " + line);
                assertTrue(Long.parseLong(idle.group(1)) > 0 && Long.parseLong(idle.group(2)) > 0, line);
            }

            if (afXdp) {
                // A net_af_xdp port per veth queue, a queue per shard (DpdkNicGroup): both
                // received frames of the connections above, which the kernel spreads over its TX
                // queues (each connection's random hash), the veth delivering on the same-numbered queue.
                String metrics = NetworkNamespace.run(T, "ip", "netns", "exec", netns, "curl", "-sS",
                        "http://10.7.0.2:8080/metrics").orThrow("curl /metrics").stdout();
                for (int q = 0; q < 2; q++) {
                    String port = "nic=\"dpdk:net_af_xdp_pmx" + q + "\"";
                    long rx = metrics.lines().filter(l -> l.startsWith("nic_rx_packets_total{") && l.contains(port))
                            .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
                    assertTrue(rx > 0, () -> port + " received nothing:\n" + metrics);
                }
            }
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), () -> "still running 30 s after SIGINT:\n" + all);
            reader.join(5000);
            assertEquals(0, p.exitValue(), () -> "exit status after SIGINT:\n" + all);
            // A thrown exception prints as "some.Exception: message" or "Exception in thread". A stall
            // report's stack (a loaded machine: the shard preempted while it builds, say, the
            // ConnectionAbortedException of a client's reset) only names an exception's frames
            // ("at ...Exception.<init>"), and is no error of the sample.
            assertFalse(all.toString().lines().anyMatch(l -> THROWN.matcher(l).find()), all::toString);
            // net_af_xdp keeps its fill ring's mbufs when the port closes; DpdkNic counts them as the driver's.
            assertFalse(all.toString().contains("still out"), all::toString);
            assertFalse(NetworkNamespace.exists(netns), "the namespace it created is gone");
            assertFalse(NetworkNamespace.run(T, "ip", "link", "show", tap).ok(), "no TAP device left behind");
            assertFalse(NetworkNamespace.run(T, "ip", "link", "show", tap + "x").ok(), "no veth left behind");
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            if (NetworkNamespace.exists(netns)) {
                NetworkNamespace.run(T, "ip", "netns", "del", netns);
            }
            NetworkNamespace.run(T, "rm", "-rf", tlsDir.toString());
        }
    }

    /** The test's class path: the classes Maven compiled and every dependency. */
    private static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        List<String> entries = List.of(cp.split(java.io.File.pathSeparator));
        assertTrue(entries.stream().anyMatch(e -> e.contains("samples")), "the samples' classes are on " + cp);
        return cp;
    }
}
