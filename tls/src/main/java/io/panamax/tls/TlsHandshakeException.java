package io.panamax.tls;

import java.util.Locale;

/** The TLS handshake failed; {@link #failure()} says why (and is what the failure was counted under). */
public final class TlsHandshakeException extends TlsException {
    private final TlsHandshakeFailure failure;

    public TlsHandshakeException(TlsHandshakeFailure failure, String message, Throwable cause) {
        super(message, cause);
        this.failure = failure;
    }

    /** Why the handshake failed. */
    public TlsHandshakeFailure failure() {
        return failure;
    }

    @Override
    public String reason() {
        return failure.name().toLowerCase(Locale.ROOT);
    }
}
