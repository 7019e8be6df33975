package io.panamax.netty;

import com.sun.net.httpserver.HttpServer;
import io.panamax.nic.linux.NetworkNamespace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reactor Netty on the transport over TAP, unchanged but for {@code runOn(...)}: an
 * {@code HttpServer} on the stack answering curl and wrk of the kernel, and an {@code HttpClient}
 * on the stack against the JDK's HTTP server on the kernel.
 */
class ReactorNettyOverTapTest {
    static final int PORT = 8080;
    static TapStack tap;
    static PanamaxLoopResources loops;

    @BeforeAll
    static void start() throws Exception {
        tap = TapStack.start("pmx-rn", 2, "curl", "wrk", "sha256sum");
        loops = new PanamaxLoopResources(tap.group);
    }

    @AfterAll
    static void stop() throws Exception {
        if (tap != null) {
            String leaks = tap.stop();
            tap = null;
            assertNull(leaks, "every buffer and packet returned");
        }
    }

    @Test
    void httpServerOnTheStackAnswersCurlAndWrk() throws Exception {
        DisposableServer server = reactor.netty.http.server.HttpServer.create()
                .runOn(loops)
                .host(TapStack.STACK_IP).port(PORT)
                .route(r -> r.get("/hello", (req, res) -> res.sendString(Mono.just("hello from panamax")))
                        .post("/echo", (req, res) -> res.send(req.receive().retain())))
                .bindNow(Duration.ofSeconds(10));
        try {
            String url = "http://" + TapStack.STACK_IP + ":" + PORT;
            NetworkNamespace.Result hello = tap.ns.exec(TapStack.T, "curl", "-sS", "--max-time", "10", url + "/hello");
            assertEquals("hello from panamax", hello.orThrow("curl GET").stdout());

            Path dir = Files.createTempDirectory("pmx-rn");
            Path in = dir.resolve("in.bin");
            Path out = dir.resolve("out.bin");
            NetworkNamespace.run(TapStack.T, "sh", "-c", "head -c 8M /dev/urandom > " + in).orThrow("input");
            tap.ns.exec(TapStack.T, "curl", "-sS", "--max-time", "30", "--data-binary", "@" + in,
                    "-H", "Content-Type: application/octet-stream", "-o", out.toString(), url + "/echo").orThrow("curl POST");
            assertEquals(sha256(in), sha256(out), "8 MB posted and echoed back");

            NetworkNamespace.Result wrk = tap.ns.exec(TapStack.T, "wrk", "-t1", "-c32", "-d2s", url + "/hello");
            String report = wrk.orThrow("wrk").stdout();
            assertTrue(report.contains("Requests/sec") && !report.contains("Non-2xx") && !report.contains("Socket errors"),
                    report);
            Files.delete(in);
            Files.delete(out);
            Files.delete(dir);
        } finally {
            server.disposeNow(Duration.ofSeconds(10));
        }
    }

    @Test
    void httpClientOnTheStackCallsAKernelServer() throws Exception {
        HttpServer kernel = tap.inside(() -> HttpServer.create(new InetSocketAddress(TapStack.HOST_IP, 0), 50));
        kernel.createContext("/greet", ex -> {
            byte[] body = ("hello " + ex.getRequestURI().getQuery()).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        kernel.start();
        try {
            HttpClient client = HttpClient.create().runOn(loops);
            for (int i = 0; i < 20; i++) {
                String body = client.get()
                        .uri("http://" + TapStack.HOST_IP + ":" + kernel.getAddress().getPort() + "/greet?n" + i)
                        .responseContent().aggregate().asString().block(Duration.ofSeconds(10));
                assertEquals("hello n" + i, body);
            }
        } finally {
            kernel.stop(0);
        }
    }

    private static String sha256(Path f) throws Exception {
        return NetworkNamespace.run(TapStack.T, "sha256sum", f.toString()).orThrow("sha256sum").stdout().split("\\s+")[0];
    }
}
