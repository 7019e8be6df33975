package io.panamax.tls;

import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import javax.crypto.AEADBadTagException;
import javax.crypto.BadPaddingException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Names the reason of a JDK {@code SSLException}. The JDK reports alerts only as exception text
 * ("Received fatal alert: bad_certificate") and certificate problems as causes, so the reason is
 * read from the cause chain first and from well-known messages second; anything unrecognised is a
 * protocol error. Failures the connection detects itself (framing, fallback, truncation, timeouts)
 * never come here.
 */
final class FailureClassifier {
    private static final String RECEIVED_ALERT = "Received fatal alert";

    private FailureClassifier() {
    }

    static TlsHandshakeFailure handshake(Throwable e) {
        if (causedBy(e, CertificateException.class) || causedBy(e, CertPathValidatorException.class)
                || causedBy(e, CertPathBuilderException.class) || causedBy(e, SSLPeerUnverifiedException.class)
                || messageContains(e, "certificate chain")) {
            return TlsHandshakeFailure.BAD_CERTIFICATE;
        }
        if (messageContains(e, RECEIVED_ALERT)) {
            return TlsHandshakeFailure.PEER_ALERT;
        }
        if (messageContains(e, "no cipher suites in common")) {
            return TlsHandshakeFailure.NO_SHARED_CIPHER;
        }
        if (messageContains(e, "application layer protocol")) {
            return TlsHandshakeFailure.NO_APPLICATION_PROTOCOL;
        }
        if (messageContains(e, "No appropriate protocol") || messageContains(e, "is not enabled or supported")
                || messageContains(e, "are not accepted by") || messageContains(e, "legacy_version")
                || messageContains(e, "protocol version")) {
            return TlsHandshakeFailure.PROTOCOL_VERSION;
        }
        return TlsHandshakeFailure.PROTOCOL_ERROR;
    }

    static TlsStreamError stream(Throwable e) {
        if (messageContains(e, RECEIVED_ALERT)) {
            return TlsStreamError.PEER_ALERT;
        }
        if (causedBy(e, AEADBadTagException.class) || causedBy(e, BadPaddingException.class)
                || messageContains(e, "Tag mismatch") || messageContains(e, "bad_record_mac")) {
            return TlsStreamError.BAD_RECORD_MAC;
        }
        return TlsStreamError.PROTOCOL_ERROR;
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static boolean messageContains(Throwable e, String text) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.contains(text)) {
                return true;
            }
        }
        return false;
    }
}
