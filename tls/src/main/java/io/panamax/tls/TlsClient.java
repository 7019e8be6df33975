package io.panamax.tls;

import io.panamax.reactor.ShardFuture;
import io.panamax.tcp.Tcp;

import java.net.InetSocketAddress;

/**
 * TLS clients in one call: a TCP connection, then the handshake.
 *
 * <pre>{@code
 * TlsContext tls = TlsContext.clientTrusting(Path.of("ca.pem"));
 * TlsClient.connect(tcp, new InetSocketAddress("10.7.0.1", 443), tls, "example.test")
 *         .then(c -> c.write("GET / HTTP/1.0\r\n\r\n".getBytes()).then(v -> c.read()));
 * }</pre>
 */
public final class TlsClient {
    private TlsClient() {
    }

    /**
     * Connects to {@code ip}:{@code port} (an IPv4 address in network order, as {@link Tcp} takes
     * it) from the current shard and runs the handshake. {@code serverName} is sent as SNI and is
     * the name the server's certificate must carry (with hostname verification on); null checks
     * the certificate against the IP address instead. Completes with the connection once the
     * handshake has finished; fails with the TCP error of the connect or a
     * {@link TlsHandshakeException}.
     */
    public static ShardFuture<TlsConnection> connect(Tcp tcp, int ip, int port, TlsContext context, String serverName) {
        return tcp.connect(ip, port).then(c -> TlsConnection.client(c, context, serverName).handshake());
    }

    /**
     * Connects to {@code remote} (IPv4 or IPv6) from the current shard and runs the handshake, as
     * {@link #connect(Tcp, int, int, TlsContext, String)} does; {@code serverName} null checks the
     * certificate against {@code remote}'s address.
     */
    public static ShardFuture<TlsConnection> connect(Tcp tcp, InetSocketAddress remote, TlsContext context, String serverName) {
        return tcp.connect(remote).then(c -> TlsConnection.client(c, context, serverName).handshake());
    }
}
