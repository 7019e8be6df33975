package io.panamax.tls;

import io.panamax.tcp.Tcp;
import io.panamax.tcp.TcpListener;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * TLS servers in one call: a TCP listener whose connections are wrapped in
 * {@link TlsConnection}s and handed over once their handshake has finished.
 *
 * <pre>{@code
 * TlsContext tls = TlsContext.selfSigned(Path.of("/tmp/panamax-tls"), "localhost");
 * stack.onEveryShard(s -> TlsServer.listen(s.tcp(), 8443, tls, EchoServices::echo));
 * }</pre>
 *
 * <p>A failed handshake never reaches {@code onAccept}: it is counted
 * ({@code tls_handshake_failures_total{reason}}) and its connection closed.
 */
public final class TlsServer {
    private static final System.Logger LOG = System.getLogger("io.panamax.tls");

    private TlsServer() {
    }

    /**
     * Listens on {@code port} of {@code tcp} (call on its shard); each connection that completes
     * its TLS handshake goes to {@code onAccept} on that shard. Close the returned listener to stop.
     */
    public static TcpListener listen(Tcp tcp, int port, TlsContext context, Consumer<? super TlsConnection> onAccept) {
        Objects.requireNonNull(context);
        Objects.requireNonNull(onAccept);
        context.shard(tcp.shard()); // the shard's part of the context is made now, not at the first client
        return tcp.listen(port, c -> accept(TlsConnection.server(c, context), onAccept));
    }

    private static void accept(TlsConnection tls, Consumer<? super TlsConnection> onAccept) {
        tls.handshake().whenComplete((c, e) -> {
            if (e != null) {
                return; // counted and closed by the connection itself
            }
            try {
                onAccept.accept(c);
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.ERROR, "TLS accept callback failed for " + c + "; aborting it", ex);
                c.abort();
            }
        });
    }
}
