package io.panamax.tcp;

/** The connection states of RFC 9293 3.3.2 (LISTEN is a {@link TcpListener}, not a connection). */
public enum TcpState {
    CLOSED,
    SYN_SENT,
    SYN_RECEIVED,
    ESTABLISHED,
    FIN_WAIT_1,
    FIN_WAIT_2,
    CLOSE_WAIT,
    CLOSING,
    LAST_ACK,
    TIME_WAIT;

    /** Whether both SYNs have been exchanged and acknowledged (RFC 9293 calls these synchronized). */
    public boolean isSynchronized() {
        return this != CLOSED && this != SYN_SENT && this != SYN_RECEIVED;
    }

    /** Whether this side may still send data: it has not sent its FIN. */
    public boolean canSend() {
        return this == ESTABLISHED || this == CLOSE_WAIT;
    }

    /** Whether data from the peer may still arrive: the peer's FIN has not. */
    public boolean canReceive() {
        return this == ESTABLISHED || this == FIN_WAIT_1 || this == FIN_WAIT_2;
    }
}
