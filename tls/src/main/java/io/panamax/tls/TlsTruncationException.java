package io.panamax.tls;

/**
 * The peer ended the TCP stream without sending close_notify first (RFC 8446 §6.1, RFC 5246
 * §7.2.1): what was received may be cut short, so a read fails with this instead of returning the
 * end of stream.
 */
public final class TlsTruncationException extends TlsStreamException {
    public TlsTruncationException(String message) {
        super(TlsStreamError.TRUNCATION, message, null);
    }
}
