package io.panamax.tcp;

/** The peer refused the connection: it answered the SYN with a RST (RFC 9293 3.10.7.3), or an ICMP port unreachable arrived while connecting. */
public final class ConnectionRefusedException extends TcpException {
    /** An error with a message that says what failed, for which peer. */
    public ConnectionRefusedException(String message) {
        super(message);
    }
}
