package io.panamax.http;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the HTTP echo server.
 *
 * @param port          the TCP port it listens on, on every shard
 * @param limits        what the request parser accepts
 * @param idleTimeout   how long a connection may wait for the client: between requests (then it is
 *                      closed), inside one (408), or for the client to read (aborted);
 *                      {@link Duration#ZERO} never times out
 * @param lingerTimeout after the server closed its side, how long it reads and discards what the
 *                      client still sends before it resets the connection (RFC 9112 §9.6)
 */
public record HttpConfig(int port, RequestLimits limits, Duration idleTimeout, Duration lingerTimeout) {
    public static final int DEFAULT_PORT = 8080;

    public HttpConfig {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, got " + port);
        }
        Objects.requireNonNull(limits);
        if (idleTimeout.isNegative() || lingerTimeout.isNegative() || lingerTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive (idle may be zero: none)");
        }
    }

    /** Port 8080, the default limits, 60 s idle timeout, 2 s linger. */
    public static HttpConfig defaults() {
        return new HttpConfig(DEFAULT_PORT, RequestLimits.defaults(), Duration.ofSeconds(60), Duration.ofSeconds(2));
    }

    public HttpConfig withPort(int p) {
        return new HttpConfig(p, limits, idleTimeout, lingerTimeout);
    }

    public HttpConfig withLimits(RequestLimits l) {
        return new HttpConfig(port, l, idleTimeout, lingerTimeout);
    }

    public HttpConfig withIdleTimeout(Duration d) {
        return new HttpConfig(port, limits, d, lingerTimeout);
    }

    public HttpConfig withLingerTimeout(Duration d) {
        return new HttpConfig(port, limits, idleTimeout, d);
    }
}
