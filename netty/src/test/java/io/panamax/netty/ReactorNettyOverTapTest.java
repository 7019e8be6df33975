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
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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

            tap.assertCurlEchoes(url + "/echo", "8M");

            tap.assertWrkClean(url + "/hello", 32, 2);
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
}
