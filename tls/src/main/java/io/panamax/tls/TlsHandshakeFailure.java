package io.panamax.tls;

/**
 * Why a handshake failed: the {@code reason} label of {@code tls_handshake_failures_total} and
 * {@link TlsHandshakeException#reason()}.
 */
public enum TlsHandshakeFailure {
    /** The first bytes are not a TLS record (an HTTP request on a TLS port, noise, SSL 2.0). */
    NOT_TLS,
    /** A record longer than 2^14 + 2048 bytes (RFC 8446 §5.2, RFC 5246 §6.2.3): record_overflow. */
    OVERSIZED_RECORD,
    /** The peer closed the TCP connection before the handshake finished. */
    TRUNCATED_HANDSHAKE,
    /** A ClientHello with TLS_FALLBACK_SCSV below the highest version enabled (RFC 7507 §3): a downgrade. */
    INAPPROPRIATE_FALLBACK,
    /** No version both sides enable (RFC 8446 §4.2.1): protocol_version. */
    PROTOCOL_VERSION,
    /** No cipher suite both sides enable. */
    NO_SHARED_CIPHER,
    /** ALPN offered on both sides with no protocol in common (RFC 7301 §3.2): no_application_protocol. */
    NO_APPLICATION_PROTOCOL,
    /** This side rejected the peer's certificate: untrusted, expired, wrong name, or missing when required. */
    BAD_CERTIFICATE,
    /** The peer ended the handshake with a fatal alert (it rejected ours, or something else). */
    PEER_ALERT,
    /** The handshake took longer than {@link TlsConfig#handshakeTimeout()}. */
    TIMEOUT,
    /** The TCP connection was reset or timed out during the handshake. */
    CONNECTION_LOST,
    /** Any other violation of the protocol (malformed or unexpected messages, bad MACs). */
    PROTOCOL_ERROR,
    /** Packet or record buffers ran out, or the delegated-task executor refused work. */
    RESOURCES
}
