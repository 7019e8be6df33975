package io.panamax.tcp;

/** An ICMP hard error (RFC 1122 4.2.3.9: protocol unreachable, administratively prohibited...) about a connection still in SYN-SENT. */
public final class UnreachableException extends TcpException {
    public UnreachableException(String message) {
        super(message);
    }
}
