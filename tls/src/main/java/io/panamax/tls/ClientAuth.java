package io.panamax.tls;

/** Whether a server asks its clients for certificates (RFC 8446 §4.3.2, RFC 5246 §7.4.4). */
public enum ClientAuth {
    /** No CertificateRequest: clients are anonymous at the TLS layer (the default). */
    NONE,
    /** A CertificateRequest; a client without a certificate is still accepted. */
    OPTIONAL,
    /** A CertificateRequest; the handshake fails unless the client presents a trusted certificate. */
    REQUIRED
}
