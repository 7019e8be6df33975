package io.panamax.tcp;

/** The peer reset an open connection (RFC 9293 3.10.7.4, a RST with the expected sequence number); data not yet read is lost. */
public final class ConnectionResetException extends TcpException {
    public ConnectionResetException(String message) {
        super(message);
    }
}
