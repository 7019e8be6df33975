package io.panamax.tls;

import io.panamax.ip.Ipv4Address;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.MacAddress;
import io.panamax.nic.dpdk.DpdkNic;
import io.panamax.nic.dpdk.DpdkNicConfig;
import io.panamax.nic.dpdk.Eal;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.reactor.testing.Environment;
import io.panamax.stack.NicFactory;
import io.panamax.stack.Stack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stack's TLS against OpenSSL and Python's ssl module (OpenSSL too) on the Linux kernel's TCP,
 * over a TAP device inside a network namespace made for the test: {@code openssl s_client} to the
 * stack's TLS echo (TLS 1.3 and 1.2, 50 MB each, SHA-256 compared), the stack's TLS client
 * against {@code openssl s_server}, certificate verification, SNI, ALPN, and bad input of every
 * kind, each counted under its reason while the shard goes on serving. Every test runs on the
 * pure-Java TAP backend and on DPDK's net_tap driver (in a JVM of its own, for the EAL).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class KernelPeerTlsTest {
    static final String HOST_IP = "10.7.0.1";
    static final String STACK_IP = "10.7.0.2";
    static final Duration T = Duration.ofSeconds(180);
    static final int ECHO = 4433;
    static final int ECHO_TLS13_ONLY = 4434;
    static final int ECHO_CA_CHAIN = 4435;
    static final int MEGABYTES = Integer.getInteger("panamax.tls.echoMegabytes", 50);

    static NetworkNamespace ns;
    static Stack stack;
    static Path dir;
    static TlsCredentials stackCert;
    static TlsCredentials otherCert;
    static TlsContext server;
    static TlsContext clients;
    static final AtomicReference<TlsConnection> lastAccepted = new AtomicReference<>();

    /** On a TAP device: the pure-Java backend. */
    static class OnTap extends KernelPeerTlsTest {
        @BeforeAll
        static void start() throws Exception {
            prepare();
            String tap = "pmxl" + (ProcessHandle.current().pid() % 100000);
            startStack(queues -> TapNic.builder().name(tap).namespace(ns).queues(1).kernelAddress(HOST_IP + "/24")
                    .kernelIpv6(false).open(), null);
        }
    }

    /** On DPDK's net_tap driver (its own JVM for the EAL). */
    @Tag("dpdk")
    static class OnDpdk extends KernelPeerTlsTest {
        @BeforeAll
        static void start() throws Exception {
            String why = Eal.unavailableReason().orElse(null);
            Environment.require(why == null, "needs DPDK 22.11 with a working EAL: " + why);
            prepare();
            String tap = "pmxl" + (ProcessHandle.current().pid() % 100000);
            String vdev = "net_tap_pmxtls" + ProcessHandle.current().pid() + ",iface=" + tap;
            // DPDK's TAP driver gives the kernel side the port's MAC, and Linux ignores ARP from
            // its own address: the stack takes an address of its own.
            startStack(queues -> DpdkNic.open(DpdkNicConfig.vdev(vdev).queuesUpTo(queues).controlContext(ns::callInside).build()),
                    MacAddress.randomLocal(new Random()));
            ns.exec(T, "ip", "addr", "add", HOST_IP + "/24", "dev", tap).orThrow("address the kernel side");
            ns.exec(T, "ip", "link", "set", tap, "up").orThrow("bring the kernel side up");
        }
    }

    static void prepare() throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device");
        Environment.requireCommands("ip", "openssl", "python3", "sha256sum", "sh");
        ns = NetworkNamespace.createUnique("pmx-tls");
        dir = Files.createTempDirectory("pmx-tls");
        lastAccepted.set(null);
    }

    static void startStack(NicFactory nic, MacAddress mac) throws Exception {
        stackCert = TlsCredentials.selfSigned(dir, "stack.test", STACK_IP);
        otherCert = TlsCredentials.selfSigned(dir, KeyType.RSA_2048, Duration.ofDays(2), "other.test");
        makeCaChain();
        server = TlsContext.create(TlsConfig.builder().credentials(stackCert).credentials(otherCert)
                .applicationProtocols("h2", "http/1.1").build());
        TlsContext tls13Only = TlsContext.create(server.config().toBuilder().protocols("TLSv1.3").build());
        TlsContext caChain = TlsContext.fromPem(dir.resolve("chain.pem"), dir.resolve("leaf-key.pem"));
        clients = TlsContext.create(TlsConfig.builder().trust(dir.resolve("ca.pem")).trust(dir.resolve("srv-cert.pem"))
                .trust(dir.resolve("default-cert.pem")).build());
        Stack.Builder b = Stack.builder().nic(nic).ipv4(STACK_IP + "/24").shards(1)
                .reactorSettings(r -> r.pinThreads(false).buffersPerShard(16384));
        if (mac != null) {
            b.mac(mac);
        }
        stack = b.start();
        stack.await(stack.onEveryShard(s -> {
            TlsServer.listen(s.tcp(), ECHO, server, c -> {
                lastAccepted.set(c);
                WirePair.echo(c);
            });
            TlsServer.listen(s.tcp(), ECHO_TLS13_ONLY, tls13Only, WirePair::echo);
            TlsServer.listen(s.tcp(), ECHO_CA_CHAIN, caChain, WirePair::echo);
        }), T);
    }

    /** An OpenSSL CA, a leaf it signed for the stack and one for s_server, self-signed s_server certificates. */
    private static void makeCaChain() throws Exception {
        sh("openssl ecparam -name prime256v1 -out p256.pem"
                + " && openssl req -x509 -newkey ec:p256.pem -nodes -keyout ca-key.pem -out ca.pem -days 2 -subj '/CN=Panamax Test CA'"
                + "    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign"
                + " && openssl req -newkey ec:p256.pem -nodes -keyout leaf-key.pem -out leaf.csr -subj /CN=leaf.test"
                + " && printf 'subjectAltName=DNS:leaf.test,IP:" + STACK_IP + "\\n' > leaf.ext"
                + " && openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out leaf.pem -days 2 -extfile leaf.ext"
                + " && cat leaf.pem ca.pem > chain.pem"
                + " && openssl req -x509 -newkey ec:p256.pem -nodes -keyout srv-key.pem -out srv-cert.pem -days 2 -subj /CN=srv.test"
                + "    -addext subjectAltName=DNS:srv.test"
                + " && openssl req -x509 -newkey ec:p256.pem -nodes -keyout default-key.pem -out default-cert.pem -days 2"
                + "    -subj /CN=default.test -addext subjectAltName=DNS:default.test");
    }

    private static NetworkNamespace.Result sh(String script) throws Exception {
        return NetworkNamespace.run(T, "sh", "-c", "cd " + dir + " && " + script).orThrow(script);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (stack != null) {
                assertEquals(0, stack.reactor().metrics().total("reactor_uncaught_errors_total"), "nothing escaped a task");
                stack.close();
                assertNull(stack.leaksAtClose(), "every buffer and packet returned");
            }
        } finally {
            stack = null;
            if (ns != null) {
                ns.close();
                ns = null;
            }
        }
    }

    static long counter(String key) {
        return stack.reactor().metrics().total(key);
    }

    static String failures(String reason) {
        return "tls_handshake_failures_total{reason=\"" + reason + "\"}";
    }

    static void waitFor(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within 20 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    /**
     * {@code openssl s_client} sends the file and writes what comes back to another; its input
     * ends (and it sends close_notify) only once everything has come back, since s_client drops
     * what is in flight when it quits.
     */
    private static void opensslEcho(String versionFlag) throws Exception {
        Path in = dir.resolve("in" + versionFlag + ".bin");
        Path out = dir.resolve("out" + versionFlag + ".bin");
        sh("head -c " + MEGABYTES + "M /dev/urandom > " + in + " && : > " + out);
        long size = Files.size(in);
        long closeNotifies = counter("tls_close_notify_received_total");
        String script = "(cat " + in + "; i=0; while [ $(stat -c %s " + out + ") -lt " + size + " ] && [ $i -lt 1200 ];"
                + " do sleep 0.1; i=$((i+1)); done) | openssl s_client -quiet -no_ign_eof -nocommands " + versionFlag
                + " -connect " + STACK_IP + ":" + ECHO + " -servername stack.test -CAfile " + stackCert.certificateFile().orElseThrow()
                + " -verify_return_error -verify_hostname stack.test > " + out;
        NetworkNamespace.Result r = ns.exec(T, "sh", "-c", script);
        assertTrue(r.ok(), "s_client failed: " + r.stderr());
        assertEquals(size, Files.size(out), "every byte came back");
        String a = sh("sha256sum " + in).stdout().split("\\s+")[0];
        String b = sh("sha256sum " + out).stdout().split("\\s+")[0];
        assertEquals(a, b, "SHA-256 of what was sent and what came back");
        waitFor("the stack saw s_client's close_notify", () -> counter("tls_close_notify_received_total") > closeNotifies);
        Files.delete(in);
        Files.delete(out);
    }

    @Test
    @Order(1)
    void opensslClientTls13Echoes50Megabytes() throws Exception {
        opensslEcho("-tls1_3");
    }

    @Test
    @Order(2)
    void opensslClientTls12Echoes50Megabytes() throws Exception {
        opensslEcho("-tls1_2");
    }

    @Test
    @Order(3)
    void opensslClientSeesTheCertificateForItsSniAndTheAlpnChoice() throws Exception {
        NetworkNamespace.Result r = ns.exec(T, "sh", "-c", "openssl s_client -connect " + STACK_IP + ":" + ECHO
                + " -servername other.test -alpn http/1.1 -CAfile " + otherCert.certificateFile().orElseThrow()
                + " -verify_return_error -verify_hostname other.test < /dev/null");
        String out = r.stdout();
        assertTrue(r.ok(), out + r.stderr());
        assertTrue(out.contains("subject=CN = other.test"), out);
        assertTrue(out.contains("ALPN protocol: http/1.1"), out);
        assertTrue(out.contains("Verify return code: 0 (ok)"), out);
        TlsConnection c = lastAccepted.get();
        String seen = stack.await(stack.reactor().submit(0, () -> ShardFuture.succeeded(c.serverName() + " " + c.applicationProtocol())), T);
        assertEquals("other.test http/1.1", seen, "the stack's side saw the same SNI and ALPN");

        NetworkNamespace.Result h2 = ns.exec(T, "sh", "-c", "openssl s_client -connect " + STACK_IP + ":" + ECHO
                + " -servername stack.test -alpn h2,http/1.1 -CAfile " + stackCert.certificateFile().orElseThrow()
                + " -verify_return_error < /dev/null");
        assertTrue(h2.stdout().contains("subject=CN = stack.test") && h2.stdout().contains("ALPN protocol: h2"), h2.stdout());
    }

    @Test
    @Order(4)
    void aCaSignedChainVerifiesInOpenssl() throws Exception {
        NetworkNamespace.Result r = ns.exec(T, "sh", "-c", "openssl s_client -connect " + STACK_IP + ":" + ECHO_CA_CHAIN
                + " -servername leaf.test -CAfile " + dir.resolve("ca.pem") + " -verify_return_error -verify_hostname leaf.test"
                + " -showcerts < /dev/null");
        assertTrue(r.ok(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("Verify return code: 0 (ok)"), r.stdout());
        assertTrue(r.stdout().contains("1 s:CN = Panamax Test CA"), "the intermediate went out with the leaf: " + r.stdout());
    }

    @Test
    @Order(4)
    void aKeyUpdateFromOpensslIsAnsweredAndDataFlowsOn() throws Exception {
        // s_client's command letter K sends KeyUpdate with update_requested (RFC 8446 §4.6.3): the
        // stack must switch its read keys, answer with a KeyUpdate of its own, and echo on.
        NetworkNamespace.Result r = ns.exec(T, "sh", "-c", "(printf 'before\\n'; sleep 0.5; printf 'K\\n'; sleep 0.5;"
                + " printf 'after\\n'; sleep 1) | openssl s_client -msg -tls1_3 -connect " + STACK_IP + ":" + ECHO
                + " -servername stack.test -CAfile " + stackCert.certificateFile().orElseThrow() + " -verify_return_error");
        String out = r.stdout();
        assertTrue(r.ok(), out + r.stderr());
        int update = out.indexOf(">>> TLS 1.3, Handshake [length 0005], KeyUpdate");
        int answer = out.indexOf("<<< TLS 1.3, Handshake [length 0005], KeyUpdate");
        assertTrue(update > 0 && answer > update, "s_client sent a KeyUpdate and received one back: " + out);
        assertTrue(out.indexOf("after", answer) > 0, "data echoed under the new keys: " + out);
    }

    /** Starts {@code openssl s_server} in the namespace with the given extra arguments; stdout and stderr to a file. */
    private static Process sServer(int port, Path log, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_server", "-accept", Integer.toString(port), "-naccept", "1",
                "-cert", dir.resolve("default-cert.pem").toString(), "-key", dir.resolve("default-key.pem").toString()));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(ns.prefixed(cmd.toArray(String[]::new)));
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        // s_server says "ACCEPT" once it listens.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!(Files.exists(log) && Files.readString(log).contains("ACCEPT"))) {
            if (System.nanoTime() > deadline || !p.isAlive()) {
                p.destroyForcibly();
                throw new AssertionError("s_server did not start: " + (Files.exists(log) ? Files.readString(log) : ""));
            }
            Thread.sleep(20);
        }
        return p;
    }

    /** s_server's second certificate, presented to clients whose SNI is srv.test. */
    private static String[] sniCert() {
        return new String[] {"-servername", "srv.test", "-cert2", dir.resolve("srv-cert.pem").toString(),
                "-key2", dir.resolve("srv-key.pem").toString()};
    }

    @Test
    @Order(5)
    void theStacksClientTalksToOpensslServer() throws Exception {
        Path log = dir.resolve("s_server.log");
        Process s = sServer(5443, log, concat(sniCert(), "-rev", "-msg"));
        try {
            StringBuilder lines = new StringBuilder();
            StringBuilder reversed = new StringBuilder();
            Random rnd = new Random(5246);
            for (int i = 0; i < 2000; i++) {
                byte[] b = new byte[50];
                rnd.nextBytes(b);
                String line = HexFormat.of().formatHex(b);
                lines.append(line).append('\n');
                reversed.append(new StringBuilder(line).reverse()).append('\n');
            }
            byte[] request = lines.toString().getBytes(StandardCharsets.US_ASCII);
            long closeNotifies = counter("tls_close_notify_received_total");
            String[] seen = new String[3];
            byte[] back = stack.await(stack.reactor().submit(0, () -> TlsClient.connect(stack.shard(0).tcp(),
                    Ipv4Address.parse(HOST_IP), 5443, clients, "srv.test").then(c -> {
                        seen[0] = c.protocol();
                        seen[1] = c.cipherSuite();
                        seen[2] = c.peerCertificates().getFirst().getSubjectX500Principal().getName();
                        ByteArrayOutputStream got = new ByteArrayOutputStream();
                        ShardFuture<Void> sent = c.write(request);
                        ShardFuture<Void> received = ShardFuture.repeat(() -> c.read().map(p -> {
                            got.writeBytes(p.toByteArray());
                            boolean end = p.isEmpty() || got.size() >= request.length;
                            p.release();
                            return end ? Loop.STOP : Loop.CONTINUE;
                        }));
                        return ShardFuture.whenAll(List.of(sent, received)).then(v -> c.close()).map(v -> got.toByteArray());
                    })), T);
            assertEquals("TLSv1.3", seen[0]);
            assertTrue(seen[1].startsWith("TLS_AES_") || seen[1].startsWith("TLS_CHACHA20"), seen[1]);
            assertEquals("CN=srv.test", seen[2], "s_server chose its certificate by our SNI");
            assertEquals(reversed.toString(), new String(back, StandardCharsets.US_ASCII), "data both ways");
            assertTrue(s.waitFor(20, TimeUnit.SECONDS), "s_server ended after its one connection");
            String out = Files.readString(log);
            assertTrue(out.contains("<<< TLS 1.3, Alert [length 0002], warning close_notify"), "s_server got our close_notify: " + out);
            assertTrue(counter("tls_close_notify_received_total") > closeNotifies, "and we got its close_notify");
        } finally {
            s.destroyForcibly();
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    @Order(5)
    void theStacksClientNegotiatesAlpnWithOpensslServer() throws Exception {
        // (s_server sets its ALPN callback on its first certificate's context only: no SNI switch here.)
        Path log = dir.resolve("s_server-alpn.log");
        Process s = sServer(5446, log, "-rev", "-alpn", "h2,http/1.1");
        try {
            TlsContext alpn = TlsContext.create(clients.config().toBuilder().applicationProtocols("h2").build());
            String seen = stack.await(stack.reactor().submit(0, () -> TlsClient.connect(stack.shard(0).tcp(),
                    Ipv4Address.parse(HOST_IP), 5446, alpn, "default.test").then(c -> {
                        String p = c.applicationProtocol() + " " + c.protocol();
                        return c.write("x\n".getBytes()).then(v -> c.read()).then(b -> {
                            b.release();
                            return c.close();
                        }).map(v -> p);
                    })), T);
            assertEquals("h2 TLSv1.3", seen);
        } finally {
            s.destroyForcibly();
        }
    }

    @Test
    @Order(6)
    void aServerNameTheCertificateDoesNotCarryFailsVerification() throws Exception {
        Path log = dir.resolve("s_server-mismatch.log");
        Process s = sServer(5444, log, sniCert());
        try {
            long before = counter(failures("bad_certificate"));
            Throwable e = stack.await(stack.reactor().submit(0, () -> TlsClient.connect(stack.shard(0).tcp(),
                    Ipv4Address.parse(HOST_IP), 5444, clients, "wrong.test").handle((c, err) -> err)), T);
            TlsHandshakeException h = assertInstanceOf(TlsHandshakeException.class, e);
            assertEquals(TlsHandshakeFailure.BAD_CERTIFICATE, h.failure());
            assertTrue(h.getMessage().contains("wrong.test"), h.getMessage());
            assertEquals(before + 1, counter(failures("bad_certificate")));
            assertTrue(s.waitFor(20, TimeUnit.SECONDS));
            String out = Files.readString(log);
            assertTrue(out.contains("alert certificate unknown") || out.contains("certificate unknown"),
                    "s_server was told why: " + out);
        } finally {
            s.destroyForcibly();
        }
    }

    @Test
    @Order(7)
    void aCaFileIsTrustedByTheStacksClient() throws Exception {
        Path log = dir.resolve("s_server-ca.log");
        ProcessBuilder pb = new ProcessBuilder(ns.prefixed("openssl", "s_server", "-accept", "5445", "-naccept", "1", "-rev",
                "-cert", dir.resolve("chain.pem").toString(), "-key", dir.resolve("leaf-key.pem").toString()));
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process s = pb.start();
        try {
            waitFor("s_server listens", () -> {
                try {
                    return Files.readString(log).contains("ACCEPT");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            TlsContext caOnly = TlsContext.create(TlsConfig.builder().trust(dir.resolve("ca.pem")).build());
            String back = stack.await(stack.reactor().submit(0, () -> TlsClient.connect(stack.shard(0).tcp(),
                    Ipv4Address.parse(HOST_IP), 5445, caOnly, "leaf.test").then(c -> c.write("abc\n".getBytes())
                    .then(v -> c.read()).then(p -> {
                        String text = new String(p.toByteArray(), StandardCharsets.US_ASCII);
                        p.release();
                        return c.close().map(v -> text);
                    }))), T);
            assertEquals("cba\n", back);
        } finally {
            s.destroyForcibly();
        }
    }

    /** Runs a Python script in the namespace; it prints what it learned. */
    private static String python(String... lines) throws Exception {
        NetworkNamespace.Result r = ns.exec(T, "python3", "-c", String.join("\n", lines));
        assertTrue(r.ok(), r.stdout() + r.stderr());
        return r.stdout().strip();
    }

    private static String rawExchange(byte[] bytes, boolean halfClose) throws Exception {
        return python(
                "import socket",
                "s = socket.create_connection(('" + STACK_IP + "', " + ECHO + "))",
                "s.sendall(bytes.fromhex('" + HexFormat.of().formatHex(bytes) + "'))",
                halfClose ? "s.shutdown(socket.SHUT_WR)" : "pass",
                "s.settimeout(10)",
                "got = b''",
                "while True:",
                "    try:",
                "        b = s.recv(4096)",
                "    except ConnectionResetError:",
                "        break",
                "    if not b: break",
                "    got += b",
                "print(got.hex())");
    }

    @Test
    @Order(8)
    void garbageGetsADecodeErrorAlertAndIsCounted() throws Exception {
        long before = counter(failures("not_tls"));
        String answer = rawExchange("GET / HTTP/1.1\r\nHost: stack.test\r\n\r\n".getBytes(), false);
        assertEquals("15030300020232", answer, "a plaintext fatal decode_error alert, then the FIN");
        assertEquals(before + 1, counter(failures("not_tls")));
    }

    @Test
    @Order(9)
    void anOversizedRecordGetsRecordOverflow() throws Exception {
        long before = counter(failures("oversized_record"));
        String answer = rawExchange(new byte[] {22, 3, 1, 0x48, 0x01, 1, 2, 3, 4}, false);
        assertEquals("15030300020216", answer, "record_overflow (RFC 8446 §5.2)");
        assertEquals(before + 1, counter(failures("oversized_record")));
    }

    @Test
    @Order(10)
    void aTruncatedHandshakeIsCounted() throws Exception {
        long before = counter(failures("truncated_handshake"));
        byte[] hello = ClientHellos.jdk(new String[] {"TLSv1.3"}, "stack.test");
        rawExchange(java.util.Arrays.copyOf(hello, 80), true);
        waitFor("truncated_handshake counted", () -> counter(failures("truncated_handshake")) == before + 1);
    }

    @Test
    @Order(11)
    void opensslFallbackScsvIsRefusedAsADowngrade() throws Exception {
        long before = counter(failures("inappropriate_fallback"));
        NetworkNamespace.Result r = ns.exec(T, "sh", "-c", "openssl s_client -tls1_2 -fallback_scsv -connect "
                + STACK_IP + ":" + ECHO + " < /dev/null");
        assertTrue(!r.ok(), "the handshake fails");
        assertTrue(r.stderr().contains("inappropriate fallback"), r.stderr());
        assertEquals(before + 1, counter(failures("inappropriate_fallback")));
    }

    @Test
    @Order(12)
    void aVersionTheConfigurationDisallowsIsRefused() throws Exception {
        long before = counter(failures("protocol_version"));
        NetworkNamespace.Result r = ns.exec(T, "sh", "-c", "openssl s_client -tls1_2 -connect "
                + STACK_IP + ":" + ECHO_TLS13_ONLY + " < /dev/null");
        assertTrue(!r.ok(), "the handshake fails");
        assertTrue(r.stderr().contains("protocol version"), r.stderr());
        assertEquals(before + 1, counter(failures("protocol_version")));
    }

    @Test
    @Order(13)
    void aClientThatClosesTcpWithoutCloseNotifyIsATruncation() throws Exception {
        long before = counter("tls_errors_total{reason=\"truncation\"}");
        python(
                "import socket, ssl",
                "ctx = ssl.create_default_context(cafile='" + stackCert.certificateFile().orElseThrow() + "')",
                "s = ctx.wrap_socket(socket.create_connection(('" + STACK_IP + "', " + ECHO + ")), server_hostname='stack.test')",
                "s.sendall(b'partial message')",
                "assert s.recv(100) == b'partial message'",
                "s.shutdown(socket.SHUT_WR)  # the FIN, with no close_notify before it",
                "print('sent')");
        waitFor("truncation counted", () -> counter("tls_errors_total{reason=\"truncation\"}") == before + 1);
    }

    @Test
    @Order(14)
    void theShardGoesOnServingAfterAllThat() throws Exception {
        String out = python(
                "import socket, ssl",
                "ctx = ssl.create_default_context(cafile='" + stackCert.certificateFile().orElseThrow() + "')",
                "for i in range(20):",
                "    s = ctx.wrap_socket(socket.create_connection(('" + STACK_IP + "', " + ECHO + ")), server_hostname='stack.test')",
                "    s.sendall(b'still here %d' % i)",
                "    assert s.recv(100) == b'still here %d' % i",
                "    s.unwrap().close()  # close_notify, then close",
                "print('ok', 20)");
        assertEquals("ok 20", out);
        assertEquals(0, counter("reactor_uncaught_errors_total"));
    }
}
