package io.panamax.http;

import io.panamax.tls.TlsContext;

import java.util.Objects;

/**
 * Where and how the echo server serves HTTPS.
 *
 * @param port    the TCP port, on every shard (8443 by convention)
 * @param context the server's certificates and TLS settings; ALPN should offer {@code http/1.1}
 *                (the only protocol this server speaks), see {@link #ALPN}
 */
public record HttpsEndpoint(int port, TlsContext context) {
    /** The ALPN protocol id of HTTP/1.1 (RFC 7301 §6). */
    public static final String ALPN = "http/1.1";

    public HttpsEndpoint {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, got " + port);
        }
        Objects.requireNonNull(context, "context");
    }
}
