package io.panamax.tcp;

/** The peer stopped answering: retransmissions of data, SYN or FIN, zero-window probes or keep-alive probes ran out (RFC 9293 3.8.3, RFC 1122 4.2.3.5). */
public final class ConnectionTimeoutException extends TcpException {
    /** An error with a message that says what failed, for which peer. */
    public ConnectionTimeoutException(String message) {
        super(message);
    }
}
