package io.panamax.tls.x509;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds a self-signed X.509 v3 certificate (RFC 5280 §4.1) for a key pair with the JDK's public
 * crypto only: the DER is written by {@link Der}, the signature made with
 * {@link java.security.Signature}, and the result read back with the JDK's
 * {@link CertificateFactory}, which checks the encoding.
 *
 * <p>The certificate is an end-entity certificate for a TLS server or client: subject
 * {@code CN=<first name>}, subjectAltName with every name (dNSName, or iPAddress for IP literals,
 * RFC 5280 §4.2.1.6; RFC 6125 §6.4.4 has clients match these, not the CN), basicConstraints
 * cA=FALSE, keyUsage digitalSignature (and keyEncipherment for RSA, which TLS 1.2 RSA key
 * exchange needs), extKeyUsage serverAuth and clientAuth, and a subjectKeyIdentifier.
 */
public final class SelfSignedCertificateBuilder {
    static final String OID_COMMON_NAME = "2.5.4.3";
    static final String OID_SUBJECT_KEY_IDENTIFIER = "2.5.29.14";
    static final String OID_KEY_USAGE = "2.5.29.15";
    static final String OID_SUBJECT_ALT_NAME = "2.5.29.17";
    static final String OID_BASIC_CONSTRAINTS = "2.5.29.19";
    static final String OID_EXT_KEY_USAGE = "2.5.29.37";
    static final String OID_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    static final String OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    /** RFC 5758 §3.2: ecdsa-with-SHA256, parameters absent. */
    static final String OID_ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
    /** RFC 4055 §5: sha256WithRSAEncryption, parameters NULL. */
    static final String OID_SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
    /** RFC 8410 §3: id-Ed25519, parameters absent. */
    static final String OID_ED25519 = "1.3.101.112";
    /** RFC 5280 Appendix A: ub-common-name. */
    static final int MAX_COMMON_NAME = 64;
    private static final int DIGITAL_SIGNATURE = 0;
    private static final int KEY_ENCIPHERMENT = 2;

    private KeyPair keys;
    private final List<String> names = new ArrayList<>();
    private Instant notBefore;
    private Duration validity = Duration.ofDays(365);
    private SecureRandom random;

    /** The key pair to certify (and sign with): EC P-256, RSA or Ed25519. */
    public SelfSignedCertificateBuilder keyPair(KeyPair keys) {
        this.keys = Objects.requireNonNull(keys);
        return this;
    }

    /** The host names and IP addresses the certificate is for; the first is also the CN. */
    public SelfSignedCertificateBuilder names(String... names) {
        this.names.addAll(List.of(names));
        return this;
    }

    /** The start of validity; by default an hour ago, so that clocks a little behind accept it. */
    public SelfSignedCertificateBuilder notBefore(Instant t) {
        this.notBefore = t;
        return this;
    }

    /** How long it is valid from {@code notBefore}; a year by default. */
    public SelfSignedCertificateBuilder validity(Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("validity must be positive: " + d);
        }
        this.validity = d;
        return this;
    }

    public SelfSignedCertificateBuilder random(SecureRandom r) {
        this.random = r;
        return this;
    }

    /** Encodes, signs and parses back the certificate. */
    public X509Certificate build() throws GeneralSecurityException {
        if (keys == null) {
            throw new IllegalStateException("no key pair: call keyPair(...)");
        }
        if (names.isEmpty()) {
            throw new IllegalStateException("a certificate needs at least one name");
        }
        SecureRandom rnd = random != null ? random : new SecureRandom();
        Instant from = notBefore != null ? notBefore : Instant.now().minus(Duration.ofHours(1));
        Instant to = from.plus(validity);
        SignatureAlgorithm alg = SignatureAlgorithm.forKey(keys.getPrivate());
        byte[] name = Der.sequence(Der.setOf(Der.sequence(Der.oid(OID_COMMON_NAME), Der.utf8(commonName()))));
        byte[] spki = keys.getPublic().getEncoded();
        byte[] tbs = Der.sequence(
                Der.explicit(0, Der.integer(2)),              // version v3
                Der.integer(serialNumber(rnd)),
                alg.identifier(),
                name,                                          // issuer: self-signed
                Der.sequence(Der.time(from), Der.time(to)),
                name,                                          // subject
                spki,
                Der.explicit(3, Der.sequence(extensions(spki, alg))));
        Signature signer = Signature.getInstance(alg.jcaName);
        signer.initSign(keys.getPrivate(), rnd);
        signer.update(tbs);
        byte[] certificate = Der.sequence(tbs, alg.identifier(), Der.bitString(signer.sign()));
        X509Certificate parsed = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(certificate));
        parsed.verify(keys.getPublic());
        return parsed;
    }

    private String commonName() {
        String first = names.getFirst();
        return first.length() <= MAX_COMMON_NAME ? first : "Panamax self-signed";
    }

    /** RFC 5280 §4.1.2.2: a positive integer of at most 20 octets; 16 random octets, top bit clear. */
    private static BigInteger serialNumber(SecureRandom rnd) {
        byte[] b = new byte[16];
        rnd.nextBytes(b);
        b[0] &= 0x7f;
        b[0] |= 0x01; // never zero, never shorter than needed to be unique
        return new BigInteger(1, b);
    }

    private byte[][] extensions(byte[] spki, SignatureAlgorithm alg) throws GeneralSecurityException {
        List<byte[]> altNames = new ArrayList<>();
        for (String n : names) {
            InetAddress ip = ipLiteral(n);
            if (ip != null) {
                altNames.add(Der.implicitPrimitive(7, ip.getAddress()));      // iPAddress
            } else {
                altNames.add(Der.implicitPrimitive(2, dnsName(n)));           // dNSName
            }
        }
        int[] usage = alg == SignatureAlgorithm.RSA
                ? new int[] {DIGITAL_SIGNATURE, KEY_ENCIPHERMENT} : new int[] {DIGITAL_SIGNATURE};
        return new byte[][] {
                extension(OID_BASIC_CONSTRAINTS, true, Der.sequence()),     // cA FALSE (the default, so absent)
                extension(OID_KEY_USAGE, true, Der.namedBits(usage)),
                extension(OID_EXT_KEY_USAGE, false, Der.sequence(Der.oid(OID_SERVER_AUTH), Der.oid(OID_CLIENT_AUTH))),
                extension(OID_SUBJECT_ALT_NAME, false, Der.sequence(altNames.toArray(byte[][]::new))),
                extension(OID_SUBJECT_KEY_IDENTIFIER, false, Der.octetString(keyIdentifier(spki))),
        };
    }

    /** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical
                ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octetString(value))
                : Der.sequence(Der.oid(oid), Der.octetString(value)); // DER omits a DEFAULT value
    }

    /**
     * RFC 5280 §4.2.1.2 method (1): the SHA-1 of the subjectPublicKey BIT STRING's bits, which
     * sit after the AlgorithmIdentifier in the SubjectPublicKeyInfo.
     */
    static byte[] keyIdentifier(byte[] spki) throws GeneralSecurityException {
        int[] outer = header(spki, 0);
        int algAt = outer[0];
        int[] alg = header(spki, algAt);
        int bitsAt = alg[0] + alg[1];
        int[] bits = header(spki, bitsAt);
        if (spki[bitsAt] != Der.BIT_STRING || bits[1] < 1) {
            throw new GeneralSecurityException("unexpected SubjectPublicKeyInfo encoding");
        }
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(spki, bits[0] + 1, bits[1] - 1); // skip the unused-bits octet
        return sha1.digest();
    }

    /** {content offset, content length} of the TLV at {@code at}. */
    private static int[] header(byte[] der, int at) throws GeneralSecurityException {
        if (at + 2 > der.length) {
            throw new GeneralSecurityException("truncated DER");
        }
        int first = der[at + 1] & 0xff;
        if (first < 0x80) {
            return new int[] {at + 2, first};
        }
        int n = first & 0x7f;
        if (n == 0 || n > 3 || at + 2 + n > der.length) {
            throw new GeneralSecurityException("unsupported DER length");
        }
        int len = 0;
        for (int i = 0; i < n; i++) {
            len = len << 8 | (der[at + 2 + i] & 0xff);
        }
        return new int[] {at + 2 + n, len};
    }

    private static byte[] dnsName(String name) {
        if (name.isEmpty() || name.length() > 253) {
            throw new IllegalArgumentException("not a DNS name: '" + name + "'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                    || c == '*' || c == '_';
            if (!ok) {
                throw new IllegalArgumentException("not a DNS name (use the A-label of an IDN): '" + name + "'");
            }
        }
        return name.getBytes(StandardCharsets.US_ASCII);
    }

    /** The address of an IPv4/IPv6 literal (no lookup), or null for a host name. */
    static InetAddress ipLiteral(String s) {
        if (s.indexOf(':') < 0 && !s.matches("[0-9.]+")) {
            return null;
        }
        try {
            return InetAddress.ofLiteral(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The signature algorithms the builder signs with: one per key type. */
    enum SignatureAlgorithm {
        ECDSA_SHA256("SHA256withECDSA", OID_ECDSA_WITH_SHA256, false),
        RSA("SHA256withRSA", OID_SHA256_WITH_RSA, true),
        ED25519("Ed25519", OID_ED25519, false);

        final String jcaName;
        final String oid;
        final boolean nullParameters;

        SignatureAlgorithm(String jcaName, String oid, boolean nullParameters) {
            this.jcaName = jcaName;
            this.oid = oid;
            this.nullParameters = nullParameters;
        }

        byte[] identifier() {
            return nullParameters ? Der.sequence(Der.oid(oid), Der.nul()) : Der.sequence(Der.oid(oid));
        }

        static SignatureAlgorithm forKey(PrivateKey key) {
            return switch (key.getAlgorithm()) {
                case "EC" -> ECDSA_SHA256;
                case "RSA" -> RSA;
                case "Ed25519", "EdDSA" -> ED25519;
                default -> throw new IllegalArgumentException("cannot self-sign with a " + key.getAlgorithm()
                        + " key (EC, RSA or Ed25519 keys are supported)");
            };
        }
    }
}
