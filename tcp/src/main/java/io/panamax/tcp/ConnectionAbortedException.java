package io.panamax.tcp;

/** The connection was aborted on this side: by {@link StreamConnection#abort()}, by closing with unread data (RFC 1122 4.2.2.13), or because the stack shut down; or it was used after it closed. */
public final class ConnectionAbortedException extends TcpException {
    /** An error with a message that says what failed, for which peer. */
    public ConnectionAbortedException(String message) {
        super(message);
    }
}
