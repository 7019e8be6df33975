package io.panamax.tls;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/** The key pairs {@link TlsCredentials#selfSigned} can generate. */
public enum KeyType {
    /** ECDSA on NIST P-256 (secp256r1) signing with SHA-256: small and fast; the default. */
    EC_P256,
    /** RSA 2048: the widest compatibility (TLS 1.2 RSA key exchange), slower to sign with. */
    RSA_2048,
    /** Ed25519 (RFC 8032, TLS 1.3 and RFC 8422 for TLS 1.2). */
    ED25519;

    /** A fresh key pair of this type from the JDK's providers. */
    public KeyPair generate() throws GeneralSecurityException {
        return switch (this) {
            case EC_P256 -> {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"));
                yield g.generateKeyPair();
            }
            case RSA_2048 -> {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                yield g.generateKeyPair();
            }
            case ED25519 -> KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        };
    }
}
