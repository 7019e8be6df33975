package io.panamax.tcp;

/**
 * Why a received segment was dropped; each reason is a label of the shard counter
 * {@code tcp_drops_total{reason=...}}. A drop never throws and never keeps the packet.
 */
public enum DropReason {
    /** Shorter than a TCP header. */
    TOO_SHORT("too_short"),
    /** Data offset below 5 words or past the end of the segment. */
    BAD_HEADER_LENGTH("bad_header_length"),
    /** Source or destination port 0. */
    ZERO_PORT("zero_port"),
    /** The checksum did not verify (or the NIC said so). */
    BAD_CHECKSUM("bad_checksum"),
    /** A malformed option list (RFC 9293 3.1: bad option length). */
    BAD_OPTIONS("bad_options"),
    /** A combination of control bits no conforming sender makes (SYN with RST or FIN). */
    BAD_FLAGS("bad_flags"),
    /** From or to a broadcast or multicast address (RFC 1122 4.2.3.10). */
    BAD_ADDRESS("bad_address"),
    /** No connection and no listener: answered with a RST unless it was one (RFC 9293 3.10.7.1). */
    NO_CONNECTION("no_connection"),
    /** A SYN to a listener whose SYN queue is full, with SYN cookies off (the client retransmits it later). */
    LISTEN_OVERFLOW("listen_overflow"),
    /** A segment a listener does not take: RST, ACK without SYN (answered with a RST) or no SYN. */
    LISTEN_INVALID("listen_invalid"),
    /** Outside the receive window (RFC 9293 3.10.7.4 first check); answered with an ACK. */
    OUT_OF_WINDOW("out_of_window"),
    /** An older timestamp than the connection has seen (RFC 7323 5 PAWS); answered with an ACK. */
    PAWS("paws"),
    /** No Timestamps option though the connection negotiated them (RFC 7323 3.2). */
    MISSING_TIMESTAMP("missing_timestamp"),
    /** A RST or SYN that is in the window but not exact (RFC 5961 3, 4): challenge ACK sent. */
    CHALLENGED("challenged"),
    /** An ACK of data never sent, or too old (RFC 5961 5.2). */
    BAD_ACK("bad_ack"),
    /** A segment without ACK in a synchronized state (RFC 9293 3.10.7.4 fifth check). */
    NO_ACK("no_ack"),
    /** A SYN-SENT connection got an unacceptable ACK (answered with a RST) or neither SYN nor RST. */
    SYN_SENT_INVALID("syn_sent_invalid"),
    /** Out-of-order data beyond the per-connection out-of-order limit. */
    OUT_OF_ORDER_FULL("out_of_order_full"),
    /** Data after the application closed its side, or after the peer's FIN. */
    AFTER_CLOSE("after_close"),
    /** A SYN for a TIME-WAIT connection that RFC 6191 does not let open a new one. */
    TIME_WAIT_SYN("time_wait_syn"),
    /** A pool ran out while building a reply. */
    NO_BUFFERS("no_buffers"),
    /** A SYN or handshake ACK for a listener whose accept queue is full (the client retransmits it later). */
    ACCEPT_QUEUE_FULL("accept_queue_full"),
    /**
     * An ACK to a listener that recently sent SYN cookies, whose cookie does not check (forged,
     * stale, or a later segment of a cookie connection whose first ones were lost; RFC 4987 3.6).
     * Not answered, so that such a connection's retransmission can still open it.
     */
    BAD_SYN_COOKIE("bad_syn_cookie");

    private final String label;

    DropReason(String label) {
        this.label = label;
    }

    /** The metric label value. */
    public String label() {
        return label;
    }
}
