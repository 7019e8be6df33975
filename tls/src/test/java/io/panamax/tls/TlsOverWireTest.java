package io.panamax.tls;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.tcp.TcpConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS between two whole stacks over the in-memory wire: the JDK's SSLEngine on both ends, every
 * layer of the stack in between. Needs no root, so it runs everywhere; the tests against OpenSSL
 * and the kernel are {@link KernelPeerTlsTest}.
 */
class TlsOverWireTest {
    static final int ECHO = 443;
    static final int ECHO_ALPN = 444;
    static final int ECHO_TLS13_ONLY = 445;
    static final int ECHO_CLIENT_AUTH = 446;

    static WirePair pair;
    static Path dir;
    static TlsCredentials serverCert;
    static TlsCredentials otherCert;
    static TlsCredentials clientCert;
    static TlsContext server;
    static TlsContext client;
    static final AtomicReference<TlsConnection> lastAccepted = new AtomicReference<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("pmx-tls-wire");
        serverCert = TlsCredentials.selfSigned(dir, "server.test", WirePair.SERVER_IP, WirePair.SERVER_IP6);
        otherCert = TlsCredentials.selfSigned(dir, "other.test");
        clientCert = TlsCredentials.selfSigned(dir, KeyType.RSA_2048, java.time.Duration.ofDays(2), "client.test");
        server = TlsContext.create(TlsConfig.builder().credentials(serverCert).build());
        TlsContext alpnServer = TlsContext.create(TlsConfig.builder().credentials(serverCert).credentials(otherCert)
                .applicationProtocols("h2", "http/1.1").build());
        TlsContext tls13Only = TlsContext.create(TlsConfig.builder().credentials(serverCert).protocols("TLSv1.3").build());
        TlsContext clientAuth = TlsContext.create(TlsConfig.builder().credentials(serverCert)
                .clientAuth(ClientAuth.REQUIRED).trust(clientCert).build());
        client = TlsContext.create(TlsConfig.builder().trust(serverCert).trust(otherCert).build());
        pair = new WirePair();
        pair.on(() -> {
            TlsServer.listen(pair.serverTcp(), ECHO, server, WirePair::echo);
            TlsServer.listen(pair.serverTcp(), ECHO_ALPN, alpnServer, c -> {
                lastAccepted.set(c);
                WirePair.echo(c);
            });
            TlsServer.listen(pair.serverTcp(), ECHO_TLS13_ONLY, tls13Only, WirePair::echo);
            TlsServer.listen(pair.serverTcp(), ECHO_CLIENT_AUTH, clientAuth, c -> {
                lastAccepted.set(c);
                WirePair.echo(c);
            });
            return ShardFuture.done();
        });
    }

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
            assertEquals(0, pair.counter("reactor_uncaught_errors_total"), "nothing escaped a task");
        }
    }

    /** The InetSocketAddress form here; the kernel-peer tests and the benchmarks use the int form. */
    private static ShardFuture<TlsConnection> connect(TlsContext ctx, int port, String name) {
        return TlsClient.connect(pair.clientTcp(), new InetSocketAddress(WirePair.SERVER_IP, port), ctx, name);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private void echoRoundTrip(TlsContext ctx, int megabytes, String expectedProtocol) throws Exception {
        byte[] data = random(megabytes << 20, megabytes);
        String[] protocol = new String[1];
        byte[] back = pair.on(() -> connect(ctx, ECHO, "server.test").then(c -> {
            protocol[0] = c.protocol();
            // TLS 1.2 has no half-close (RFC 5246 §7.2.1: close_notify is answered at once and
            // pending writes are discarded): read the echo back before closing.
            return c.protocol().equals("TLSv1.3") ? WirePair.exchange(c, data) : WirePair.echoThenClose(c, data);
        }));
        assertEquals(expectedProtocol, protocol[0]);
        assertEquals(data.length, back.length, "every byte came back");
        assertEquals(sha256(data), sha256(back));
    }

    @Test
    void tls13EchoesEightMegabytes() throws Exception {
        long records = pair.counter("tls_records_received_total");
        long closeNotifies = pair.counter("tls_close_notify_received_total");
        echoRoundTrip(client, 8, "TLSv1.3");
        // 8 MiB each way in records of at most 16 KiB: at least 512 records in each direction.
        assertTrue(pair.counter("tls_records_received_total") - records >= 1024, "records counted");
        assertTrue(pair.counter("tls_close_notify_received_total") - closeNotifies >= 2, "both sides saw close_notify");
    }

    /**
     * Over IPv6, with no server name: the client checks the server's certificate against the
     * peer's IPv6 address (its iPAddress entry), and messages name that address.
     */
    @Test
    void overIpv6WithoutServerNameTheCertificateIsCheckedAgainstTheAddress() throws Exception {
        byte[] data = random(100_000, 6);
        String[] seen = new String[2];
        byte[] back = pair.on(() -> TlsClient.connect(pair.clientTcp(), new InetSocketAddress(WirePair.SERVER_IP6, ECHO), client, null)
                .then(c -> {
                    seen[0] = c.toString();
                    seen[1] = c.tcp().isIpv6() + " " + c.protocol();
                    return WirePair.exchange(c, data);
                }));
        assertEquals("true TLSv1.3", seen[1]);
        assertTrue(seen[0].contains("fd00:9:0:0:0:0:0:2:" + ECHO), seen[0]);
        assertEquals(sha256(data), sha256(back));
    }

    /** Wrapping a TCP connection from another thread fails at once, naming the shard to use. */
    @Test
    void wrappingFromTheWrongThreadFailsAtOnce() throws Exception {
        // A plain TCP port: the reset at the end touches no TLS counter another test reads.
        var listener = pair.on(() -> ShardFuture.succeeded(pair.serverTcp().listen(459, t -> {
        })));
        var tcp = pair.on(() -> pair.clientTcp().connect(WirePair.serverAddress(), 459));
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> TlsConnection.client(tcp, client, "server.test"));
            assertTrue(e.getMessage().startsWith("TlsConnection.client called from thread"), e.getMessage());
            assertTrue(e.getMessage().contains("used on shard 0"), e.getMessage());
        } finally {
            pair.on(() -> {
                tcp.abort();
                listener.close();
                return ShardFuture.done();
            });
        }
    }

    @Test
    void tls12EchoesFourMegabytes() throws Exception {
        TlsContext tls12 = TlsContext.create(client.config().toBuilder().protocols("TLSv1.2").build());
        echoRoundTrip(tls12, 4, "TLSv1.2");
    }

    @Test
    void manySmallWritesArriveInOrder() throws Exception {
        byte[] data = random(300_000, 7);
        byte[] back = pair.on(() -> connect(client, ECHO, "server.test").then(c -> {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ShardFuture<Void> received = WirePair.readAll(c, got);
            int[] at = {0};
            ShardFuture<Void> sent = ShardFuture.doUntil(() -> at[0] >= data.length, () -> {
                int n = Math.min(1 + at[0] % 1500, data.length - at[0]);
                ShardFuture<Void> w = c.write(data, at[0], n);
                at[0] += n;
                return w;
            }).then(v -> c.shutdownOutput());
            return ShardFuture.whenAll(List.of(sent, received)).then(v -> c.close()).map(v -> got.toByteArray());
        }));
        assertArrayEquals(data, back);
    }

    /**
     * The completion forms of the writes: copying writes (an array, a direct ByteBuffer, a memory
     * segment) queued behind the handshake, then a write loop of 64 KiB packets that waits on the
     * TCP send buffer for nearly every write. Everything comes back in order, and the completions
     * are called in the order of the writes.
     */
    @Test
    void completionWritesKeepTheirOrderWhileTheyWait() throws Exception {
        byte[] head = random(1000, 11);
        byte[] mid = random(2000, 12);
        byte[] tail = random(3000, 13);
        byte[] bulk = random(4 << 20, 14);
        List<String> completed = new java.util.ArrayList<>();
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(mid.length).put(mid).flip();
        java.lang.foreign.MemorySegment segment = java.lang.foreign.Arena.ofAuto().allocate(tail.length);
        segment.copyFrom(java.lang.foreign.MemorySegment.ofArray(tail));
        byte[] back = pair.on(() -> pair.clientTcp().connect(WirePair.serverAddress(), ECHO).then(tcp -> {
            TlsConnection c = TlsConnection.client(tcp, client, "server.test");
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ShardFuture<Void> received = WirePair.readAll(c, got);
            c.write(head, recording(completed, "array"));
            c.write(direct, recording(completed, "buffer"));
            c.write(segment, recording(completed, "segment"));
            assertTrue(completed.isEmpty(), "the writes wait for the handshake");
            int[] at = {0};
            ShardFuture<Void> sent = c.writeLoop(() -> {
                if (at[0] >= bulk.length) {
                    return null;
                }
                var p = c.shard().packets().allocate();
                int n = Math.min(64 * 1024, bulk.length - at[0]);
                p.appendBytes(bulk, at[0], n);
                at[0] += n;
                return p;
            }).then(v -> c.shutdownOutput());
            return ShardFuture.whenAll(List.of(sent, received)).then(v -> c.close()).map(v -> got.toByteArray());
        }));
        assertEquals(List.of("array", "buffer", "segment"), completed);
        assertEquals(0, direct.remaining(), "the buffer's position moved to its limit");
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(head);
        expected.writeBytes(mid);
        expected.writeBytes(tail);
        expected.writeBytes(bulk);
        assertEquals(sha256(expected.toByteArray()), sha256(back));
    }

    /** A completion (a promise) that adds {@code name} to {@code completed} when it completes. */
    private static io.panamax.reactor.Promise<Void> recording(List<String> completed, String name) {
        io.panamax.reactor.Promise<Void> p = new io.panamax.reactor.Promise<>();
        p.whenComplete((v, e) -> completed.add(e == null ? name : name + " failed: " + e));
        return p;
    }

    @Test
    void alpnAndSniChooseProtocolAndCertificate() throws Exception {
        TlsContext alpnClient = TlsContext.create(client.config().toBuilder().applicationProtocols("http/1.1").build());
        String[] seen = new String[3];
        pair.on(() -> connect(alpnClient, ECHO_ALPN, "other.test").then(c -> {
            seen[0] = c.applicationProtocol();
            seen[1] = c.peerCertificates().getFirst().getSubjectX500Principal().getName();
            return WirePair.exchange(c, "hello".getBytes());
        }));
        assertEquals("http/1.1", seen[0], "the one protocol both offer");
        assertEquals("CN=other.test", seen[1], "the server picked the certificate for the SNI name");
        TlsConnection accepted = lastAccepted.get();
        seen[2] = pair.on(() -> ShardFuture.succeeded(accepted.serverName() + "/" + accepted.applicationProtocol()));
        assertEquals("other.test/http/1.1", seen[2]);

        TlsContext h2Client = TlsContext.create(client.config().toBuilder().applicationProtocols("h2", "http/1.1").build());
        String h2 = pair.on(() -> connect(h2Client, ECHO_ALPN, "server.test").then(c -> {
            String p = c.applicationProtocol() + " " + c.peerCertificates().getFirst().getSubjectX500Principal().getName();
            return WirePair.exchange(c, "x".getBytes()).map(b -> p);
        }));
        assertEquals("h2 CN=server.test", h2);

        long before = pair.counter("tls_handshake_failures_total{reason=\"no_application_protocol\"}");
        TlsContext spdy = TlsContext.create(client.config().toBuilder().applicationProtocols("spdy/3").build());
        Throwable e = pair.failureOf(() -> connect(spdy, ECHO_ALPN, "server.test"));
        assertInstanceOf(TlsHandshakeException.class, e);
        assertTrue(pair.counter("tls_handshake_failures_total{reason=\"no_application_protocol\"}") > before,
                "the server counted no_application_protocol: " + e);
    }

    @Test
    void aNameTheCertificateDoesNotCarryFailsVerification() throws Exception {
        long bad = pair.counter("tls_handshake_failures_total{reason=\"bad_certificate\"}");
        long alerts = pair.counter("tls_handshake_failures_total{reason=\"peer_alert\"}");
        Throwable e = pair.failureOf(() -> connect(client, ECHO, "wrong.test"));
        TlsHandshakeException h = assertInstanceOf(TlsHandshakeException.class, e);
        assertEquals(TlsHandshakeFailure.BAD_CERTIFICATE, h.failure(), h.getMessage());
        assertTrue(h.getMessage().contains("wrong.test"), h.getMessage());
        assertEquals(bad + 1, pair.counter("tls_handshake_failures_total{reason=\"bad_certificate\"}"));
        // The client's alert reaches the server, which counts it under peer_alert.
        waitFor(() -> pair.counter("tls_handshake_failures_total{reason=\"peer_alert\"}") == alerts + 1);
        // Hostname verification can be turned off: the same certificate is then accepted.
        TlsContext lax = TlsContext.create(client.config().toBuilder().hostnameVerification(false).build());
        byte[] back = pair.on(() -> connect(lax, ECHO, "wrong.test").then(c -> WirePair.exchange(c, "ok".getBytes())));
        assertEquals("ok", new String(back));
    }

    @Test
    void anUntrustedCertificateFailsVerification() throws Exception {
        TlsContext trustsOther = TlsContext.create(TlsConfig.builder().trust(otherCert).build());
        Throwable e = pair.failureOf(() -> connect(trustsOther, ECHO, "server.test"));
        TlsHandshakeException h = assertInstanceOf(TlsHandshakeException.class, e);
        assertEquals(TlsHandshakeFailure.BAD_CERTIFICATE, h.failure(), h.getMessage());
    }

    @Test
    void clientCertificatesAreRequiredWhenConfigured() throws Exception {
        long bad = pair.counter("tls_handshake_failures_total{reason=\"bad_certificate\"}");
        Throwable e = pair.failureOf(() -> connect(client, ECHO_CLIENT_AUTH, "server.test")
                .then(c -> WirePair.exchange(c, "x".getBytes())));
        assertInstanceOf(TlsException.class, e, String.valueOf(e));
        waitFor(() -> pair.counter("tls_handshake_failures_total{reason=\"bad_certificate\"}") > bad);

        TlsContext withCert = TlsContext.create(client.config().toBuilder().credentials(clientCert).build());
        byte[] back = pair.on(() -> connect(withCert, ECHO_CLIENT_AUTH, "server.test")
                .then(c -> WirePair.exchange(c, "authenticated".getBytes())));
        assertEquals("authenticated", new String(back));
        TlsConnection accepted = lastAccepted.get();
        String peer = pair.on(() -> ShardFuture.succeeded(accepted.peerCertificates().getFirst().getSubjectX500Principal().getName()));
        assertEquals("CN=client.test", peer);
    }

    @Test
    void aVersionTheServerDisallowsIsRefusedAndCounted() throws Exception {
        long before = pair.counter("tls_handshake_failures_total{reason=\"protocol_version\"}");
        TlsContext tls12 = TlsContext.create(client.config().toBuilder().protocols("TLSv1.2").build());
        Throwable e = pair.failureOf(() -> connect(tls12, ECHO_TLS13_ONLY, "server.test"));
        assertInstanceOf(TlsHandshakeException.class, e);
        waitFor(() -> pair.counter("tls_handshake_failures_total{reason=\"protocol_version\"}") > before);
    }

    @Test
    void endOfStreamWithoutCloseNotifyIsATruncation() throws Exception {
        long before = pair.counter("tls_errors_total{reason=\"truncation\"}");
        AtomicReference<Throwable> serverSide = new AtomicReference<>();
        pair.on(() -> {
            pair.serverTcp().listen(447, t -> {
                TlsConnection s = TlsConnection.server(t, server);
                s.handshake().then(c -> c.read()).then(p -> {
                    p.release();
                    return s.read();
                }).whenComplete((p, err) -> {
                    if (p != null) {
                        p.release();
                    }
                    serverSide.set(err);
                    s.abort();
                });
            });
            return ShardFuture.done();
        });
        pair.on(() -> connect(client, 447, "server.test").then(c -> c.write("some data".getBytes())
                .then(v -> c.tcp().shutdownOutput())  // a FIN, and no close_notify before it
                .whenComplete((v, err) -> c.abort())));
        waitFor(() -> serverSide.get() != null);
        assertInstanceOf(TlsTruncationException.class, serverSide.get(), String.valueOf(serverSide.get()));
        assertEquals(before + 1, pair.counter("tls_errors_total{reason=\"truncation\"}"));
    }

    @Test
    void closeNotifyEndsTheStreamCleanly() throws Exception {
        long sent = pair.counter("tls_close_notify_sent_total");
        long received = pair.counter("tls_close_notify_received_total");
        byte[] back = pair.on(() -> connect(client, ECHO, "server.test").then(c -> WirePair.exchange(c, new byte[0])));
        assertEquals(0, back.length);
        waitFor(() -> pair.counter("tls_close_notify_received_total") >= received + 2);
        assertTrue(pair.counter("tls_close_notify_sent_total") >= sent + 2);
    }

    /** Bytes from a plain TCP client: what the TLS server answers before it closes. */
    private static byte[] rawExchange(int port, byte[] bytes, boolean halfClose) {
        return pair.on(() -> pair.clientTcp().connect(WirePair.serverAddress(), port).then(c -> {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ShardFuture<Void> sent = c.write(bytes).then(v -> halfClose ? c.shutdownOutput() : ShardFuture.done());
            ShardFuture<Void> read = readUntilEndOrError(c, got);
            return ShardFuture.whenAll(List.of(sent, read)).handle((v, e) -> {
                c.abort();
                return got.toByteArray();
            });
        }));
    }

    private static ShardFuture<Void> readUntilEndOrError(TcpConnection c, ByteArrayOutputStream got) {
        return ShardFuture.repeat(() -> c.read().map(p -> {
            boolean end = p.isEmpty();
            got.writeBytes(p.toByteArray());
            p.release();
            return end ? Loop.STOP : Loop.CONTINUE;
        })).recover(e -> null);
    }

    private static void assertCounted(String reason, Runnable action) {
        String key = "tls_handshake_failures_total{reason=\"" + reason + "\"}";
        long before = pair.counter(key);
        action.run();
        waitFor(() -> pair.counter(key) == before + 1);
    }

    @Test
    void garbageIsRefusedWithAnAlertAndCounted() {
        byte[][] answer = new byte[1][];
        assertCounted("not_tls", () -> answer[0] = rawExchange(ECHO, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(), false));
        assertArrayEquals(new byte[] {21, 3, 3, 0, 2, 2, 50}, answer[0], "a plaintext fatal decode_error alert, then the end");
    }

    @Test
    void anOversizedRecordIsRefusedWithRecordOverflow() {
        byte[] header = {22, 3, 1, 0x48, 0x01, 1, 2, 3};
        byte[][] answer = new byte[1][];
        assertCounted("oversized_record", () -> answer[0] = rawExchange(ECHO, header, false));
        assertArrayEquals(new byte[] {21, 3, 3, 0, 2, 2, 22}, answer[0], "record_overflow");
    }

    @Test
    void aTruncatedHandshakeIsCounted() throws Exception {
        byte[] hello = ClientHellos.jdk(new String[] {"TLSv1.3"}, "server.test");
        assertCounted("truncated_handshake", () -> rawExchange(ECHO, Arrays.copyOf(hello, 60), true));
    }

    @Test
    void aFallbackBelowTheHighestVersionIsRefused() throws Exception {
        byte[] hello = ClientHellos.withFallbackScsv(ClientHellos.jdk(new String[] {"TLSv1.2"}, "server.test"));
        byte[][] answer = new byte[1][];
        assertCounted("inappropriate_fallback", () -> answer[0] = rawExchange(ECHO, hello, false));
        assertArrayEquals(new byte[] {21, 3, 3, 0, 2, 2, 86}, answer[0], "inappropriate_fallback (RFC 7507)");
        // The same fallback is fine when TLS 1.2 is the server's highest version.
        TlsContext tls12Server = TlsContext.create(server.config().toBuilder().protocols("TLSv1.2").build());
        pair.on(() -> {
            TlsServer.listen(pair.serverTcp(), 448, tls12Server, WirePair::echo);
            return ShardFuture.done();
        });
        byte[] answer12 = rawExchange(448, hello, false);
        assertEquals(22, answer12[0], "a handshake record (ServerHello), not an alert");
    }

    @Test
    void aClientHelloSplitOverRecordsIsStillInspected() throws Exception {
        byte[] hello = ClientHellos.fragmented(
                ClientHellos.withFallbackScsv(ClientHellos.jdk(new String[] {"TLSv1.2"}, "server.test")), 100);
        byte[][] answer = new byte[1][];
        assertCounted("inappropriate_fallback", () -> answer[0] = rawExchange(ECHO, hello, false));
        assertArrayEquals(new byte[] {21, 3, 3, 0, 2, 2, 86}, answer[0]);
    }

    @Test
    void aHandshakeThatStallsTimesOut() throws Exception {
        TlsContext quick = TlsContext.create(server.config().toBuilder().handshakeTimeout(java.time.Duration.ofMillis(300)).build());
        pair.on(() -> {
            TlsServer.listen(pair.serverTcp(), 449, quick, WirePair::echo);
            return ShardFuture.done();
        });
        byte[] hello = ClientHellos.jdk(new String[] {"TLSv1.3"}, "server.test");
        assertCounted("timeout", () -> rawExchange(449, Arrays.copyOf(hello, 30), false));
    }

    @Test
    void theShardGoesOnServingAfterBadInput() throws Exception {
        garbageIsRefusedWithAnAlertAndCounted();
        anOversizedRecordIsRefusedWithRecordOverflow();
        echoRoundTrip(client, 1, "TLSv1.3");
    }

    @Test
    void aConnectionHandedOverBeforeItsHandshakeQueuesWrites() throws Exception {
        byte[] back = pair.on(() -> pair.clientTcp().connect(WirePair.serverAddress(), ECHO).then(t -> {
            TlsConnection c = TlsConnection.client(t, client, "server.test");
            assertNull(c.protocol());
            return WirePair.exchange(c, "early".getBytes()); // written before the handshake finished
        }));
        assertEquals("early", new String(back));
    }

    @Test
    void closingWithUnreadDataResets() throws Exception {
        // The echo comes back while the client is not reading; closing then discards it, and, as
        // TCP does (RFC 1122 4.2.2.13), says so with a reset instead of a clean close.
        Throwable e = pair.failureOf(() -> connect(client, ECHO, "server.test").then(c -> c.write("ping".getBytes())
                .then(v -> sleep(c, 100))
                .then(v -> c.close())));
        assertInstanceOf(io.panamax.tcp.ConnectionAbortedException.class, e, String.valueOf(e));
        assertTrue(e.getMessage().contains("reset"), e.getMessage());
    }

    private static ShardFuture<Void> sleep(TlsConnection c, int ms) {
        io.panamax.reactor.Promise<Void> p = new io.panamax.reactor.Promise<>();
        c.shard().timers().schedule(ms * 1_000_000L, () -> p.complete(null));
        return p;
    }

    static void waitFor(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within 10 s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
