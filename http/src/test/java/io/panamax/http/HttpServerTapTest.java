package io.panamax.http;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.metrics.MetricsRegistry;
import io.panamax.reactor.testing.Environment;
import io.panamax.http.Responses.Response;
import io.panamax.stack.Sharded;
import io.panamax.stack.Stack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP echo server on the stack (two shards on one TAP queue: connections are steered in
 * software) against real clients in a network namespace made for the test: curl, wrk, Python's
 * prometheus_client parser, and raw sockets from Python that send exactly the bytes a test wants
 * (pipelined, split byte by byte, malformed); curl -6 to the same listeners over IPv6. Ends with the
 * stack's leak check.
 */
class HttpServerTapTest {
    static final String HOST_IP = "10.7.0.1";
    static final String STACK_IP = "10.7.0.2";
    static final String HOST_IP6 = "fd00:7::1";
    static final String STACK_IP6 = "fd00:7::2";
    static final int PORT = 8080;
    static final String BASE = "http://" + STACK_IP + ":" + PORT;
    static final Duration T = Duration.ofSeconds(60);
    static final Duration IDLE = Duration.ofSeconds(3);
    static final RequestLimits LIMITS = RequestLimits.defaults()
            .withMaxRequestLineBytes(1024).withMaxFieldSectionBytes(4096).withMaxContentBytes(8 << 20);

    static NetworkNamespace ns;
    static Stack stack;
    static Sharded<HttpServer> http;
    static Path dir;
    static Path client;

    @BeforeAll
    static void start() throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device");
        Environment.requireCommands("ip", "curl", "python3");
        ns = NetworkNamespace.createUnique("pmx-http");
        dir = Files.createTempDirectory("pmx-http");
        client = resource("http_client.py");
        String tap = "pmxh" + (ProcessHandle.current().pid() % 100000);
        stack = Stack.builder()
                .nic(queues -> TapNic.builder().name(tap).namespace(ns).queues(1).kernelAddress(HOST_IP + "/24").open())
                .ipv4(STACK_IP + "/24").ipv6(STACK_IP6 + "/64").shards(2)
                .reactorSettings(r -> r.pinThreads(false).buffersPerShard(16384))
                .start();
        // nodad: usable at once, without the kernel's duplicate address detection.
        ns.exec(T, "ip", "-6", "addr", "add", HOST_IP6 + "/64", "dev", tap, "nodad").orThrow("the kernel's IPv6 address");
        http = HttpServer.start(stack, HttpConfig.defaults().withPort(PORT).withLimits(LIMITS).withIdleTimeout(IDLE)
                .withLingerTimeout(Duration.ofSeconds(2)));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (http != null) {
                http.close();
            }
            if (stack != null) {
                stack.close();
                assertNull(stack.leaksAtClose(), "every buffer and packet returned");
            }
        } finally {
            http = null;
            stack = null;
            if (ns != null) {
                ns.close();
                ns = null;
            }
        }
    }

    static Path resource(String name) throws URISyntaxException {
        return Path.of(HttpServerTapTest.class.getResource(name).toURI());
    }

    // ---- clients ------------------------------------------------------------------------------

    static NetworkNamespace.Result curl(String... args) throws IOException {
        List<String> c = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30"));
        c.addAll(List.of(args));
        return ns.exec(T, c.toArray(String[]::new)).orThrow("curl " + String.join(" ", args));
    }

    /** What the raw client saw. */
    record Exchange(List<Response> responses, boolean eof, boolean reset, double seconds, byte[] bytes) {
        Response only() {
            assertEquals(1, responses.size(), () -> "responses: " + responses);
            return responses.getFirst();
        }
    }

    /**
     * Sends each part with one write (waiting for {@code await} once more before each part after
     * the first, when given), then reads until the server closes.
     */
    static Exchange raw(List<String> parts, String await, Double drip, Set<Integer> headResponses) throws IOException {
        List<String> c = new ArrayList<>(List.of("python3", client.toString(), STACK_IP, Integer.toString(PORT)));
        Path out = Files.createTempFile(dir, "out", ".bin");
        c.addAll(List.of("--out", out.toString(), "--timeout", "20"));
        for (String part : parts) {
            Path p = Files.createTempFile(dir, "part", ".bin");
            Files.write(p, part.getBytes(StandardCharsets.ISO_8859_1));
            c.addAll(List.of("--part", p.toString()));
        }
        if (await != null) {
            c.addAll(List.of("--await", await.replace("\r", "\\r").replace("\n", "\\n")));
        }
        if (drip != null) {
            c.addAll(List.of("--drip", drip.toString()));
        }
        String summary = ns.exec(T, c.toArray(String[]::new)).orThrow("http_client.py").stdout();
        byte[] bytes = Files.readAllBytes(out);
        return new Exchange(Responses.parse(bytes, headResponses), flag(summary, "eof"), flag(summary, "reset"),
                Double.parseDouble(value(summary, "seconds")), bytes);
    }

    static Exchange raw(String... parts) throws IOException {
        return raw(List.of(parts), null, null, Set.of());
    }

    static boolean flag(String json, String name) {
        return Boolean.parseBoolean(value(json, name));
    }

    static String value(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\": ([^,}]+)").matcher(json);
        assertTrue(m.find(), () -> name + " in " + json);
        return m.group(1).strip();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static MetricsRegistry metrics() {
        return stack.reactor().metrics();
    }

    /** The sum over shards of a counter, e.g. {@code http_requests_total{status="200"}}. */
    static long total(String key) {
        return metrics().total(key);
    }

    /** Asserts a response that refused the request: the status, a short text, and the connection closed cleanly. */
    static void assertRefused(int status, Exchange e) {
        Response r = e.responses().getLast();
        assertEquals(status, r.status(), () -> "responses: " + e.responses());
        assertEquals("close", r.field("Connection"));
        assertTrue(e.eof(), "the server closed the connection");
        assertFalse(e.reset(), "with a FIN, not a RST (lingering close, RFC 9112 §9.6)");
    }

    static String echoHead(String requestLine, String... fields) {
        StringBuilder sb = new StringBuilder(requestLine).append("\r\n");
        for (String f : fields) {
            sb.append(f).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    // ---- curl ---------------------------------------------------------------------------------

    /** The same listeners answer over IPv6 (they take both families): {@code curl -6} to the stack's IPv6 address. */
    @Test
    void curlOverIpv6() throws Exception {
        String out = curl("-6", "-g", "-i", "http://[" + STACK_IP6 + "]:" + PORT + "/six").stdout();
        Response r = Responses.parse(out.getBytes(StandardCharsets.ISO_8859_1)).getFirst();
        assertEquals(200, r.status(), out);
        assertTrue(r.text().startsWith("GET /six HTTP/1.1\r\nHost: [" + STACK_IP6 + "]:" + PORT + "\r\n"), r.text());
    }

    @Test
    void getIsAnsweredWithTheRequest() throws Exception {
        String out = curl("-i", "-H", "X-Test: yes", BASE + "/hello?x=1").stdout();
        Response r = Responses.parse(out.getBytes(StandardCharsets.ISO_8859_1)).getFirst();
        assertEquals(200, r.status());
        assertEquals("text/plain", r.field("Content-Type"));
        assertNotNull(r.field("Date"), "RFC 9110 §6.6.1");
        assertNull(r.field("Connection"), "HTTP/1.1 keeps the connection without saying so");
        assertEquals(echoHead("GET /hello?x=1 HTTP/1.1", "Host: " + STACK_IP + ":" + PORT, "User-Agent: "
                + r.text().lines().filter(l -> l.startsWith("User-Agent: ")).findFirst().orElseThrow().substring(12),
                "Accept: */*", "X-Test: yes"), r.text());
    }

    @Test
    void postContentIsEchoedByteForByte() throws Exception {
        byte[] content = random(200_000, 1);
        Path in = dir.resolve("post.bin");
        Path out = dir.resolve("post.out");
        Files.write(in, content);
        String code = curl("--data-binary", "@" + in, "-H", "Content-Type: application/octet-stream",
                "-o", out.toString(), "-w", "%{http_code}", BASE + "/upload").stdout();
        assertEquals("200", code);
        byte[] echoed = Files.readAllBytes(out);
        String head = new String(echoed, 0, echoed.length - content.length, StandardCharsets.ISO_8859_1);
        assertTrue(head.startsWith("POST /upload HTTP/1.1\r\n"), head);
        assertTrue(head.contains("Content-Length: 200000\r\n"), head);
        assertTrue(head.endsWith("\r\n\r\n"), head);
        assertArrayEquals(content, Arrays.copyOfRange(echoed, echoed.length - content.length, echoed.length));
    }

    @Test
    void severalMegabytesStreamThroughWithBackPressure() throws Exception {
        // Larger than the send buffer and than curl reads at once: the server must stop reading
        // while its writes wait, and the whole echo must still arrive intact.
        byte[] content = random(6 << 20, 2);
        Path in = dir.resolve("big.bin");
        Path out = dir.resolve("big.out");
        Files.write(in, content);
        String code = curl("--data-binary", "@" + in, "-o", out.toString(), "-w", "%{http_code}", BASE + "/big").stdout();
        assertEquals("200", code);
        byte[] echoed = Files.readAllBytes(out);
        assertArrayEquals(content, Arrays.copyOfRange(echoed, echoed.length - content.length, echoed.length));
    }

    @Test
    void chunkedUploadWithCurl() throws Exception {
        byte[] content = random(100_000, 3);
        Path in = dir.resolve("chunked.bin");
        Path out = dir.resolve("chunked.out");
        Files.write(in, content);
        var r = curl("-v", "-T", in.toString(), "-H", "Transfer-Encoding: chunked", "-o", out.toString(),
                "-w", "%{http_code}", BASE + "/chunked");
        assertEquals("200", r.stdout());
        assertTrue(r.stderr().contains("> Transfer-Encoding: chunked"), "curl sent chunked");
        byte[] echoed = Files.readAllBytes(out);
        String head = new String(echoed, 0, echoed.length - content.length, StandardCharsets.ISO_8859_1);
        assertTrue(head.startsWith("PUT /chunked HTTP/1.1\r\n"), head);
        assertTrue(head.contains("Transfer-Encoding: chunked\r\n"), head);
        assertArrayEquals(content, Arrays.copyOfRange(echoed, echoed.length - content.length, echoed.length),
                "the content, decoded from its chunks");
    }

    @Test
    void expect100ContinueWithCurl() throws Exception {
        long before = total("http_interim_responses_total{status=\"100\"}");
        Path in = dir.resolve("expect.txt");
        Files.writeString(in, "after the interim response");
        var r = curl("-v", "-H", "Expect: 100-continue", "--data-binary", "@" + in, BASE + "/expect");
        assertTrue(r.stderr().contains("< HTTP/1.1 100 Continue"), r.stderr());
        assertTrue(r.stdout().startsWith("POST /expect HTTP/1.1\r\n"), r.stdout());
        assertTrue(r.stdout().contains("Expect: 100-continue\r\n"));
        assertTrue(r.stdout().endsWith("\r\n\r\nafter the interim response"), r.stdout());
        assertTrue(total("http_interim_responses_total{status=\"100\"}") > before);
    }

    @Test
    void keepAliveReusesOneConnection() throws Exception {
        long before = total("http_connections_accepted_total");
        var r = curl("-v", BASE + "/one", BASE + "/two", BASE + "/three");
        assertTrue(r.stderr().contains("Re-using existing connection"), r.stderr());
        assertEquals(3, r.stdout().split("Host: ").length - 1);
        assertTrue(r.stdout().indexOf("GET /one ") < r.stdout().indexOf("GET /two ")
                && r.stdout().indexOf("GET /two ") < r.stdout().indexOf("GET /three "));
        assertEquals(1, total("http_connections_accepted_total") - before, "three requests, one connection");
    }

    @Test
    void http10WithCurlCloses() throws Exception {
        String out = curl("--http1.0", "-i", BASE + "/old").stdout();
        Response r = Responses.parse(out.getBytes(StandardCharsets.ISO_8859_1)).getFirst();
        assertEquals(200, r.status());
        assertEquals("close", r.field("Connection"), "HTTP/1.0 without keep-alive is not persistent (RFC 9112 §9.3)");
        assertTrue(r.text().startsWith("GET /old HTTP/1.0\r\n"), r.text());
    }

    @Test
    void headIsAnsweredWithoutContent() throws Exception {
        String out = curl("-I", BASE + "/head").stdout();
        Response r = Responses.parse(out.getBytes(StandardCharsets.ISO_8859_1), Set.of(0)).getFirst();
        assertEquals(200, r.status());
        assertTrue(Integer.parseInt(r.field("Content-Length")) > 0, "the length a GET would have");
    }

    @Test
    void limitsWithCurl() throws Exception {
        String longTarget = "/" + "a".repeat(LIMITS.maxRequestLineBytes());
        assertEquals("414", curl("-o", "/dev/null", "-w", "%{http_code}", BASE + longTarget).stdout());
        assertEquals("431", curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "X-Big: " + "b".repeat(LIMITS.maxFieldSectionBytes()),
                BASE + "/").stdout());
        Path in = dir.resolve("toolarge.bin");
        Files.write(in, random((int) LIMITS.maxContentBytes() + 1, 4));
        assertEquals("413", curl("-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@" + in, BASE + "/").stdout());
    }

    @Test
    void metricsRefusesOtherMethods() throws Exception {
        String out = curl("-i", "-d", "x", BASE + "/metrics").stdout();
        Response r = Responses.parse(out.getBytes(StandardCharsets.ISO_8859_1)).getFirst();
        assertEquals(405, r.status());
        assertEquals("GET, HEAD", r.field("Allow"));
    }

    // ---- raw sockets --------------------------------------------------------------------------

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        String requests = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                + "POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 5\r\n\r\n"
                + "HEAD /4 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /4 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /5 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
        Exchange e = raw(List.of(requests), null, null, Set.of(3));
        List<Response> r = e.responses();
        assertEquals(6, r.size(), () -> "responses: " + r);
        for (Response x : r) {
            assertEquals(200, x.status());
        }
        assertEquals(echoHead("GET /1 HTTP/1.1", "Host: a"), r.get(0).text());
        assertEquals(echoHead("POST /2 HTTP/1.1", "Host: a", "Content-Length: 5") + "hello", r.get(1).text());
        assertEquals(echoHead("POST /3 HTTP/1.1", "Host: a", "Transfer-Encoding: chunked") + "abcde" + "X-Sum: 5\r\n",
                r.get(2).text(), "the decoded content, then the trailer fields");
        assertEquals(0, r.get(3).content().length, "HEAD has no content");
        assertEquals(Integer.parseInt(r.get(4).field("Content-Length")) + 1, Integer.parseInt(r.get(3).field("Content-Length")),
                "HEAD announces what GET would send (its echo is one byte longer: HEAD vs GET)");
        assertEquals(echoHead("GET /5 HTTP/1.1", "Host: a", "Connection: close"), r.get(5).text());
        assertEquals("close", r.get(5).field("Connection"));
        assertTrue(e.eof());
        assertFalse(e.reset());
    }

    @Test
    void aRequestSentOneByteAtATime() throws Exception {
        String request = "POST /drip HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "4\r\ndrip\r\n0\r\n\r\n";
        Exchange e = raw(List.of(request), null, 0.002, Set.of());
        assertEquals(echoHead("POST /drip HTTP/1.1", "Host: a", "Transfer-Encoding: chunked", "Connection: close") + "drip",
                e.only().text());
        assertTrue(e.eof());
    }

    @Test
    void expect100ContinueComesBeforeTheContent() throws Exception {
        // The client sends the content only after it has seen the 100: if the server did not send
        // one, the exchange would time out.
        String head = "PUT /wait HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n";
        Exchange e = raw(List.of(head, "hello"), "HTTP/1.1 100 Continue\r\n\r\n", null, Set.of());
        assertEquals(2, e.responses().size(), () -> "responses: " + e.responses());
        assertEquals(100, e.responses().get(0).status());
        assertEquals(200, e.responses().get(1).status());
        assertTrue(e.responses().get(1).text().endsWith("\r\n\r\nhello"));
        assertTrue(e.eof());
    }

    @Test
    void anotherExpectationIs417() throws Exception {
        assertRefused(417, raw("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx"));
    }

    @Test
    void http10KeepAlive() throws Exception {
        Exchange e = raw("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\nGET /never HTTP/1.0\r\n\r\n");
        assertEquals(2, e.responses().size(), () -> "responses: " + e.responses());
        assertEquals("keep-alive", e.responses().get(0).field("Connection"));
        assertEquals(echoHead("GET /a HTTP/1.0", "Connection: keep-alive"), e.responses().get(0).text());
        assertEquals("close", e.responses().get(1).field("Connection"));
        assertTrue(e.eof());
    }

    @Test
    void connectionCloseIsHonoured() throws Exception {
        Exchange e = raw("GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(echoHead("GET /1 HTTP/1.1", "Host: a", "Connection: close"), e.only().text());
        assertTrue(e.eof());
        assertFalse(e.reset());
    }

    @Test
    void limitsWithRawRequests() throws Exception {
        assertRefused(414, raw("GET /" + "x".repeat(LIMITS.maxRequestLineBytes()) + " HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertRefused(431, raw("GET / HTTP/1.1\r\nHost: a\r\n" + "X-Many: 1\r\n".repeat(LIMITS.maxFieldLines()) + "\r\n"));
        assertRefused(431, raw("GET / HTTP/1.1\r\nHost: a\r\nX: " + "v".repeat(LIMITS.maxFieldSectionBytes()) + "\r\n\r\n"));
        // Refused at the head: the client need not send the content at all.
        long before = total("http_request_errors_total{reason=\"content_too_large\"}");
        assertRefused(413, raw("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + (LIMITS.maxContentBytes() + 1) + "\r\n\r\n"));
        // A chunked content is refused as soon as its chunk sizes pass the limit.
        assertRefused(413, raw("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Long.toHexString(LIMITS.maxContentBytes() + 1) + "\r\n"));
        assertEquals(2, total("http_request_errors_total{reason=\"content_too_large\"}") - before);
    }

    @Test
    void malformedRequestsGet400AndTheConnectionCloses() throws Exception {
        Map<String, Integer> cases = new HashMap<>();
        cases.put("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400);                                          // RFC 9112 §5.1
        cases.put("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", 400);                            // obs-fold, §5.2
        cases.put("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400); // §6.1
        cases.put("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3x\r\n\r\n", 400);                   // §6.3
        cases.put("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400);
        cases.put("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400);
        cases.put("GET / HTTP/1.1\r\n\r\n", 400);                                                     // no Host, §3.2
        cases.put("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400);
        cases.put("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 400);
        cases.put("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400);
        cases.put("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501);    // §6.1
        cases.put("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505);
        cases.put("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 501);
        long before = total("http_request_errors_total{reason=\"obs_fold\"}");
        for (var c : cases.entrySet()) {
            Exchange e = raw(c.getKey());
            assertRefused(c.getValue(), e);
            assertTrue(e.only().text().length() > 0, "a short explanation");
        }
        assertEquals(1, total("http_request_errors_total{reason=\"obs_fold\"}") - before, "counted under its reason");
    }

    @Test
    void requestsAfterAMalformedOneAreNotAnswered() throws Exception {
        Exchange e = raw("GET /ok HTTP/1.1\r\nHost: a\r\n\r\nGET /bad HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\nGET /after HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(2, e.responses().size(), () -> "responses: " + e.responses());
        assertEquals(200, e.responses().get(0).status());
        assertRefused(400, e);
    }

    @Test
    void idleConnectionsTimeOut() throws Exception {
        long before = total("http_timeouts_total{phase=\"idle\"}");
        Exchange e = raw(List.of(), null, null, Set.of());
        assertTrue(e.responses().isEmpty());
        assertTrue(e.eof(), "closed by the server");
        assertTrue(e.seconds() >= IDLE.toMillis() / 1000.0 * 0.8, "not before the idle timeout: " + e.seconds());
        assertEquals(1, total("http_timeouts_total{phase=\"idle\"}") - before);
    }

    @Test
    void anUnfinishedRequestTimesOutWith408() throws Exception {
        long before = total("http_timeouts_total{phase=\"request\"}");
        Exchange e = raw("GET /slow HTTP/1.1\r\nHost: a\r\n");
        assertRefused(408, e);
        assertEquals(1, total("http_timeouts_total{phase=\"request\"}") - before);
    }

    @Test
    void aHeadTrickledByteByByteGets408OneIdleTimeoutAfterItBegan() throws Exception {
        // Slowloris: every byte arrives well within the idle timeout, the whole head never does.
        long before = total("http_timeouts_total{phase=\"request\"}");
        String head = "GET /slow HTTP/1.1\r\nHost: a\r\nX-Pad: " + "p".repeat(60) + "\r\n\r\n";
        Exchange e = raw(List.of(head), null, 0.25, Set.of());
        assertRefused(408, e);
        assertTrue(e.seconds() < head.length() * 0.25 * 0.8, "cut off before the head was complete: " + e.seconds());
        assertEquals(1, total("http_timeouts_total{phase=\"request\"}") - before);
    }

    // ---- /metrics -----------------------------------------------------------------------------

    /** {@code name{labels}} (labels sorted, without quotes) to value, from the reference parser. */
    static Map<String, Double> scrape() throws Exception {
        Path headers = dir.resolve("metrics.headers");
        Path body = dir.resolve("metrics.txt");
        curl("-D", headers.toString(), "-o", body.toString(), BASE + "/metrics");
        String h = Files.readString(headers);
        assertTrue(h.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), h);
        String python = pythonWithPrometheusClient();
        Environment.require(python != null, "needs Python's prometheus_client (Debian: python3-prometheus-client)");
        var r = NetworkNamespace.run(T, "sh", "-c", python + " " + resource("parse_metrics.py") + " < " + body)
                .orThrow("the Prometheus parser refused the text");
        Map<String, Double> samples = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        for (String line : r.stdout().split("\n")) {
            String[] f = line.split("\t", -1);
            if (f[0].equals("family")) {
                types.put(f[1], f[2]);
            } else if (f[0].equals("sample")) {
                samples.put(f[1] + "{" + f[2] + "}", Double.parseDouble(f[3]));
            }
        }
        assertEquals("counter", types.get("http_requests"), "families have their TYPE: " + types);
        assertEquals("gauge", types.get("http_connections_open"));
        return samples;
    }

    static String pythonWithPrometheusClient() throws IOException {
        for (String p : List.of("python3", "/usr/bin/python3")) {
            if (NetworkNamespace.run(T, p, "-c", "import prometheus_client").ok()) {
                return p;
            }
        }
        return null;
    }

    @Test
    void metricsAreValidPrometheusTextAndCountersMove() throws Exception {
        Map<String, Double> first = scrape();
        for (String key : List.of(
                "http_requests_total{shard=all,status=200}",
                "http_requests_total{shard=0,status=200}",
                "http_requests_total{shard=1,status=200}",
                "http_connections_open{shard=all}",
                "http_request_errors_total{reason=obs_fold,shard=all}",
                "nic_rx_packets_total{nic=" + stack.nic().name() + ",queue=0,shard=0}",
                "tcp_retransmitted_segments_total{shard=all}",
                "tcp_connections_accepted_total{shard=all}",
                "steering_forwarded_total{shard=all}",
                "reactor_buffers_available{shard=0}",
                "tcp_drops_total{reason=bad_checksum,shard=all}",
                "ethernet_drops_total{reason=not_for_us,shard=all}")) {
            assertTrue(first.containsKey(key), () -> key + " in " + first.keySet().stream().filter(k -> k.startsWith(key.substring(0, 8))).toList());
        }
        for (int i = 0; i < 5; i++) {
            curl("-o", "/dev/null", BASE + "/count/" + i);
        }
        Map<String, Double> second = scrape();
        double served = second.get("http_requests_total{shard=all,status=200}") - first.get("http_requests_total{shard=all,status=200}");
        assertTrue(served >= 6, "five echoes and one scrape, at least: " + served);
        assertEquals(second.get("http_requests_total{shard=all,status=200}"),
                second.get("http_requests_total{shard=0,status=200}") + second.get("http_requests_total{shard=1,status=200}"),
                "shard=\"all\" is the sum of the shards");
        assertTrue(second.get("tcp_connections_accepted_total{shard=all}") > first.get("tcp_connections_accepted_total{shard=all}"));
    }

    @Test
    void metricsInAPipelineKeepTheirPlace() throws Exception {
        // The metrics text is rendered off the shard; the requests behind it must wait for it.
        Exchange e = raw(List.of("GET /before HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"
                + "HEAD /metrics HTTP/1.1\r\nHost: a\r\n\r\nGET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
                null, null, Set.of(2));
        List<Response> r = e.responses();
        assertEquals(4, r.size(), () -> "responses: " + r);
        assertTrue(r.get(0).text().startsWith("GET /before "));
        assertTrue(r.get(1).field("Content-Type").startsWith("text/plain; version=0.0.4"));
        assertTrue(r.get(1).text().contains("# TYPE http_requests_total counter\n"));
        assertTrue(Integer.parseInt(r.get(2).field("Content-Length")) > 0);
        assertTrue(r.get(3).text().startsWith("GET /after "));
        assertTrue(e.eof());
    }

    // ---- load ---------------------------------------------------------------------------------

    @Test
    void wrkForThreeSecondsWithoutErrors() throws Exception {
        Environment.requireCommands("wrk");
        long before = total("http_requests_total{status=\"200\"}");
        String out = ns.exec(T, "wrk", "-t1", "-c10", "-d3s", BASE + "/").orThrow("wrk").stdout();
        Matcher m = Pattern.compile("(\\d+) requests in").matcher(out);
        assertTrue(m.find(), out);
        long requests = Long.parseLong(m.group(1));
        assertTrue(requests > 100, out);
        assertFalse(out.contains("Socket errors"), out);
        assertFalse(out.contains("Non-2xx"), out);
        // wrk stops counting at the deadline with requests still in flight: the server answered at least as many.
        assertTrue(total("http_requests_total{status=\"200\"}") - before >= requests, out);
    }
}
