package io.panamax.tls;

import java.util.Locale;

/** An established TLS connection failed; {@link #error()} says why (and is what it was counted under). */
public class TlsStreamException extends TlsException {
    private final TlsStreamError error;

    public TlsStreamException(TlsStreamError error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    /** Why the connection failed. */
    public TlsStreamError error() {
        return error;
    }

    @Override
    public String reason() {
        return error.name().toLowerCase(Locale.ROOT);
    }
}
