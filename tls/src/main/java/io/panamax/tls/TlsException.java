package io.panamax.tls;

import io.panamax.tcp.TcpException;

/**
 * A TLS failure on a connection: a {@link TcpException}, so code written for the
 * {@link io.panamax.tcp.StreamConnection} contract handles it as it handles resets. Subclasses:
 * {@link TlsHandshakeException} (the handshake failed) and {@link TlsStreamException} (an
 * established connection failed; {@link TlsTruncationException} for an end of stream without
 * close_notify). The JDK's {@code SSLException}, when there is one, is the cause.
 */
public abstract class TlsException extends TcpException {
    TlsException(String message, Throwable cause) {
        super(message);
        if (cause != null) {
            initCause(cause);
        }
    }

    /** The reason this failure was counted under, as in the metrics' {@code reason} label. */
    public abstract String reason();
}
