package io.panamax.http;

import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.DropCounters;
import io.panamax.reactor.metrics.ShardMetrics;

/**
 * The HTTP server's counters on one shard, registered in the shard's {@link ShardMetrics} (so
 * {@code /metrics} shows them per shard and summed). Plain increments by the shard's thread.
 */
final class HttpMetrics {
    /** Ways a connection can time out, the {@code phase} label of {@code http_timeouts_total}. */
    enum Timeout {
        /** No request for the idle timeout: closed quietly (RFC 9112 §9.5). */
        IDLE,
        /** A request left unfinished for the idle timeout: answered 408. */
        REQUEST,
        /** The client did not read the responses for the idle timeout: aborted. */
        WRITE,
        /** The client did not close after the server did: aborted. */
        LINGER
    }

    private final Counter[] responses = new Counter[600];
    final Counter interimContinue;
    final DropCounters<ParseError> requestErrors;
    final Counter accepted;
    final Counter closed;
    final Counter abortedNoBuffers;
    private final Counter[] timeouts = new Counter[Timeout.values().length];

    HttpMetrics(ShardMetrics m) {
        for (int code : HttpStatus.ALL) {
            if (code >= 200) {
                responses[code] = m.counter("http_requests_total", "Requests answered, by final status code",
                        "status", Integer.toString(code));
            }
        }
        interimContinue = m.counter("http_interim_responses_total", "Interim responses sent (RFC 9110 §15.2)",
                "status", "100");
        requestErrors = new DropCounters<>(m, "http_request_errors_total",
                "Requests refused as malformed or over a limit, by reason", ParseError.class);
        accepted = m.counter("http_connections_accepted_total", "HTTP connections accepted");
        closed = m.counter("http_connections_closed_total", "HTTP connections ended, however");
        abortedNoBuffers = m.counter("http_connections_aborted_total",
                "HTTP connections aborted because the shard's packet buffers ran out", "reason", "no_buffers");
        for (Timeout t : Timeout.values()) {
            timeouts[t.ordinal()] = m.counter("http_timeouts_total", "Connections timed out, by phase",
                    "phase", t.name().toLowerCase());
        }
        m.gauge("http_connections_open", "HTTP connections open now", () -> accepted.get() - closed.get());
    }

    void response(int status) {
        responses[status].increment();
    }

    void timeout(Timeout t) {
        timeouts[t.ordinal()].increment();
    }

    long responses(int status) {
        return responses[status].get();
    }
}
