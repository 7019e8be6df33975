package io.panamax.http;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Shard;
import io.panamax.reactor.metrics.MetricsRegistry;
import io.panamax.stack.Sharded;
import io.panamax.stack.ShardStack;
import io.panamax.stack.Stack;
import io.panamax.tcp.ReplyBuilder;
import io.panamax.tcp.StreamConnection;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpListener;
import io.panamax.tls.TlsConnection;
import io.panamax.tls.TlsContext;
import io.panamax.tls.TlsServer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The HTTP/1.1 echo server on one shard: it listens on the configured port and answers every
 * request with a 200 whose content is the request itself (see {@link RequestEcho}), except
 * {@code GET /metrics}, which answers with every shard's metrics in the Prometheus text format.
 * With a {@link TlsContext} it also serves HTTPS on a second port: the same requests, answered
 * the same way, over a {@link TlsConnection}. Run one per shard with
 * {@link #start(Stack, HttpConfig, HttpsEndpoint)}; each connection stays on the shard that accepted it.
 */
public final class HttpServer implements AutoCloseable {
    private static final Executor RENDERER = task -> Thread.ofVirtual().name("panamax-metrics").start(task);

    private final Shard shard;
    private final HttpConfig config;
    private final MetricsRegistry registry;
    private final HttpMetrics metrics;
    private final HttpDate date = new HttpDate();
    /** Every response of this shard's connections is built here, one at a time, in packet buffers. */
    private final ReplyBuilder reply;
    private final TcpListener listener;
    /** The HTTPS listener, or null without TLS. */
    private final TcpListener tlsListener;
    private final Set<HttpConnection> connections = new HashSet<>();

    /** HTTP only; must be made on the shard of {@code stack}. */
    public HttpServer(ShardStack stack, HttpConfig config, MetricsRegistry registry) {
        this(stack, config, registry, null);
    }

    /** HTTP, and HTTPS when {@code https} is not null; must be made on the shard of {@code stack}. */
    public HttpServer(ShardStack stack, HttpConfig config, MetricsRegistry registry, HttpsEndpoint https) {
        this.shard = stack.shard();
        this.config = config;
        this.registry = registry;
        this.metrics = new HttpMetrics(shard.metrics());
        this.reply = new ReplyBuilder(shard);
        this.listener = stack.tcp().listen(config.port(), this::accepted);
        if (https == null) {
            this.tlsListener = null;
        } else if (https.port() == config.port()) {
            listener.close();
            throw new IllegalArgumentException("HTTP and HTTPS cannot share port " + https.port());
        } else {
            // The handshake completes before the connection reaches the server: a client that
            // fails it is counted by TLS (tls_handshake_failures_total) and never seen here.
            this.tlsListener = TlsServer.listen(stack.tcp(), https.port(), https.context(), c -> {
                c.tcp().setNoDelay(true);
                serve(c);
            });
        }
    }

    /** One server on every shard of {@code stack}, all on {@code config.port()}. */
    public static Sharded<HttpServer> start(Stack stack, HttpConfig config) {
        return start(stack, config, null);
    }

    /** One server on every shard, HTTP on {@code config.port()} and, unless null, HTTPS on {@code https}. */
    public static Sharded<HttpServer> start(Stack stack, HttpConfig config, HttpsEndpoint https) {
        MetricsRegistry registry = stack.reactor().metrics();
        return Sharded.start(stack, s -> new HttpServer(s, config, registry, https), HttpServer::close);
    }

    public HttpConfig config() {
        return config;
    }

    /** Connections open on this shard. */
    public int openConnections() {
        return connections.size();
    }

    /** Stops listening and aborts the connections still open (on this server's shard). */
    @Override
    public void close() {
        listener.close();
        if (tlsListener != null) {
            tlsListener.close();
        }
        for (HttpConnection c : new ArrayList<>(connections)) {
            c.abort();
        }
    }

    private void accepted(TcpConnection c) {
        // Responses are whole messages written at once: Nagle would only hold back the last segment.
        c.setNoDelay(true);
        serve(c);
    }

    private void serve(StreamConnection c) {
        HttpConnection h = new HttpConnection(this, c);
        connections.add(h);
        metrics.accepted.increment();
        h.start();
    }

    /**
     * Every shard's metrics in the Prometheus text format, rendered on a virtual thread (the
     * counters are read with opaque loads, safe from any thread) and delivered back on this shard:
     * a scrape never holds up the poll loop.
     */
    ShardFuture<byte[]> renderMetrics() {
        return ShardFuture.fromCompletionStage(CompletableFuture.supplyAsync(
                () -> registry.toPrometheusText().getBytes(StandardCharsets.UTF_8), RENDERER));
    }

    void connectionEnded(HttpConnection h) {
        if (connections.remove(h)) {
            metrics.closed.increment();
        }
    }

    Shard shard() {
        return shard;
    }

    HttpMetrics metrics() {
        return metrics;
    }

    MetricsRegistry registry() {
        return registry;
    }

    HttpDate date() {
        return date;
    }

    /** The shard's reply builder, empty (a response abandoned half-built by an exception is dropped). */
    ReplyBuilder reply() {
        reply.discard();
        return reply;
    }
}
