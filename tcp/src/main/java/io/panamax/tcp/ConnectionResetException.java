package io.panamax.tcp;

/** The peer reset an open connection (RFC 9293 3.10.7.4, a RST with the expected sequence number); data not yet read is lost. */
public final class ConnectionResetException extends TcpException {
    /** An error with a message that says what failed, for which peer. */
    public ConnectionResetException(String message) {
        super(message);
    }
}
