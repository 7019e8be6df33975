package io.panamax.tcp;

/** An ICMP hard error (RFC 1122 4.2.3.9: protocol unreachable, administratively prohibited...) about a connection still in SYN-SENT. */
public final class UnreachableException extends TcpException {
    /** An error with a message that says what failed, for which peer. */
    public UnreachableException(String message) {
        super(message);
    }
}
