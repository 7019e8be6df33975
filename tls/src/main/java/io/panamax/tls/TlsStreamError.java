package io.panamax.tls;

/**
 * Why an established TLS connection failed: the {@code reason} label of {@code tls_errors_total}
 * and {@link TlsStreamException#error()}.
 */
public enum TlsStreamError {
    /**
     * The peer's TCP end of stream came without a close_notify alert before it (RFC 8446 §6.1):
     * the data may have been cut short by an attacker, so it is an error, not an end of stream.
     */
    TRUNCATION,
    /** A record header that is not TLS (bad content type or version). */
    NOT_TLS,
    /** A record longer than 2^14 + 2048 bytes. */
    OVERSIZED_RECORD,
    /** A record that failed decryption or authentication (bad_record_mac). */
    BAD_RECORD_MAC,
    /** The peer sent a fatal alert. */
    PEER_ALERT,
    /** Any other violation of the protocol (unexpected messages, a failed post-handshake message). */
    PROTOCOL_ERROR,
    /** Packet or record buffers ran out while encrypting. */
    RESOURCES
}
