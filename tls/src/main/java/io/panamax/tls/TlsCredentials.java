package io.panamax.tls;

import io.panamax.tls.x509.Pem;
import io.panamax.tls.x509.SelfSignedCertificateBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * A private key and its certificate chain (leaf first): what a server presents, or a client
 * presents when the server asks for a certificate. Loaded from PEM files (PKCS#8 key, X.509
 * chain), from a PKCS#12 keystore, or generated self-signed for demos and tests.
 *
 * <p>The names of the leaf (its subjectAltName DNS names and IP addresses, or its CN when it has
 * no DNS names) are what a server matches a client's SNI against (RFC 6066 §3) when it holds more
 * than one set of credentials.
 */
public final class TlsCredentials {
    private final PrivateKey privateKey;
    private final List<X509Certificate> chain;
    private final List<String> names;
    private final Path certificateFile;
    private final Path keyFile;

    private TlsCredentials(PrivateKey privateKey, List<X509Certificate> chain, Path certificateFile, Path keyFile) {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain needs at least the leaf certificate");
        }
        this.privateKey = Objects.requireNonNull(privateKey);
        this.chain = List.copyOf(chain);
        this.names = namesOf(chain.getFirst());
        this.certificateFile = certificateFile;
        this.keyFile = keyFile;
    }

    /** Credentials from a key and its chain in memory; the key must match the leaf. */
    public static TlsCredentials of(PrivateKey key, List<X509Certificate> chain) {
        checkKeyMatches(key, chain.getFirst(), "the given key");
        return new TlsCredentials(key, chain, null, null);
    }

    /**
     * Credentials from PEM files: {@code chainFile} holds the leaf certificate then any
     * intermediates, {@code keyFile} the PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}).
     * Fails with a message naming the file when a file is missing or malformed, when the key is
     * encrypted or in a legacy format, and when the key does not belong to the leaf.
     */
    public static TlsCredentials fromPem(Path chainFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = Pem.readCertificates(chainFile);
        PrivateKey key = Pem.readPrivateKey(keyFile);
        try {
            checkKeyMatches(key, chain.getFirst(), keyFile.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        return new TlsCredentials(key, chain, chainFile, keyFile);
    }

    /** Credentials from the first key entry of a PKCS#12 keystore whose store and key password is {@code password}. */
    public static TlsCredentials fromPkcs12(Path file, char[] password) throws IOException {
        return fromPkcs12(file, password, null);
    }

    /** Credentials from entry {@code alias} (or the first key entry, if null) of a PKCS#12 keystore. */
    public static TlsCredentials fromPkcs12(Path file, char[] password, String alias) throws IOException {
        KeyStore ks;
        try (InputStream in = Files.newInputStream(file)) {
            ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(file + ": no such file");
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new IOException(file + ": wrong password for the PKCS#12 keystore", e);
            }
            throw new IOException(file + ": not a readable PKCS#12 keystore: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not a readable PKCS#12 keystore: " + e.getMessage(), e);
        }
        try {
            String entry = alias;
            if (entry == null) {
                for (String a : Collections.list(ks.aliases())) {
                    if (ks.isKeyEntry(a)) {
                        entry = a;
                        break;
                    }
                }
                if (entry == null) {
                    throw new IOException(file + ": the keystore holds no private key entry");
                }
            } else if (!ks.isKeyEntry(entry)) {
                throw new IOException(file + ": no private key entry named '" + alias + "'");
            }
            Key key = ks.getKey(entry, password);
            if (!(key instanceof PrivateKey pk)) {
                throw new IOException(file + ": entry '" + entry + "' holds no private key");
            }
            Certificate[] certs = ks.getCertificateChain(entry);
            if (certs == null || certs.length == 0) {
                throw new IOException(file + ": entry '" + entry + "' has no certificate chain");
            }
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate c : certs) {
                chain.add((X509Certificate) c);
            }
            try {
                checkKeyMatches(pk, chain.getFirst(), file.toString());
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
            return new TlsCredentials(pk, chain, file, file);
        } catch (UnrecoverableKeyException e) {
            throw new IOException(file + ": wrong password for the key entry", e);
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** A self-signed EC P-256 certificate for {@code names}, valid for a year; see {@link #selfSigned(Path, KeyType, Duration, String...)}. */
    public static TlsCredentials selfSigned(Path dir, String... names) throws IOException {
        return selfSigned(dir, KeyType.EC_P256, Duration.ofDays(365), names);
    }

    /**
     * A self-signed certificate for {@code names} (host names or IP addresses; the first is the
     * subject's CN), generated in-process and written to {@code dir} as
     * {@code <first name>-cert.pem} and {@code <first name>-key.pem} (the key readable by its
     * owner only) so that clients can be pointed at the certificate ({@link #certificateFile()}).
     * Files already there are reused when they hold a matching key, the same names and the same
     * key type, and stay valid for at least another day: a client that trusts them keeps working
     * across restarts.
     */
    public static TlsCredentials selfSigned(Path dir, KeyType type, Duration validity, String... names) throws IOException {
        if (names.length == 0) {
            throw new IllegalArgumentException("a self-signed certificate needs at least one name");
        }
        String base = names[0].replaceAll("[^A-Za-z0-9.-]", "_");
        Path cert = dir.resolve(base + "-cert.pem");
        Path key = dir.resolve(base + "-key.pem");
        TlsCredentials existing = reusable(cert, key, type, names);
        if (existing != null) {
            return existing;
        }
        try {
            KeyPair pair = type.generate();
            X509Certificate c = new SelfSignedCertificateBuilder().keyPair(pair).names(names).validity(validity).build();
            Pem.writePrivateKey(key, pair.getPrivate());
            Pem.writeCertificates(cert, List.of(c));
            return new TlsCredentials(pair.getPrivate(), List.of(c), cert, key);
        } catch (GeneralSecurityException e) {
            throw new IOException("generating a self-signed " + type + " certificate failed: " + e.getMessage(), e);
        }
    }

    private static TlsCredentials reusable(Path cert, Path key, KeyType type, String[] names) {
        if (!Files.isReadable(cert) || !Files.isReadable(key)) {
            return null;
        }
        try {
            TlsCredentials c = fromPem(cert, key);
            boolean sameNames = new LinkedHashSet<>(c.names()).equals(new LinkedHashSet<>(normalized(List.of(names))));
            boolean fresh = c.certificate().getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofDays(1)))
                    && c.certificate().getNotBefore().toInstant().isBefore(Instant.now());
            boolean sameType = keyTypeOf(c.privateKey()) == type;
            return sameNames && fresh && sameType ? c : null;
        } catch (IOException | RuntimeException e) {
            return null; // unreadable or not ours: make a new pair
        }
    }

    private static KeyType keyTypeOf(PrivateKey k) {
        return switch (k.getAlgorithm()) {
            case "EC" -> KeyType.EC_P256;
            case "RSA" -> KeyType.RSA_2048;
            default -> KeyType.ED25519;
        };
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /** The chain, leaf first. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** The leaf certificate. */
    public X509Certificate certificate() {
        return chain.getFirst();
    }

    /** The leaf's DNS names and IP addresses (lower case), or its CN if it has no DNS name. */
    public List<String> names() {
        return names;
    }

    /** The file the certificate chain was read from or written to, if any: print it for clients. */
    public Optional<Path> certificateFile() {
        return Optional.ofNullable(certificateFile);
    }

    /** The file the private key was read from or written to, if any. */
    public Optional<Path> keyFile() {
        return Optional.ofNullable(keyFile);
    }

    /** The key algorithm ("EC", "RSA", "EdDSA"...). */
    public String keyAlgorithm() {
        return privateKey.getAlgorithm();
    }

    /**
     * Whether the leaf is for {@code host} (an SNI host_name): an exact match, ignoring case, or a
     * wildcard {@code *.example.com} matching exactly one leftmost label (RFC 6125 §6.4.3).
     */
    public boolean matchesServerName(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        for (String n : names) {
            if (n.equals(h)) {
                return true;
            }
            if (n.startsWith("*.")) {
                int dot = h.indexOf('.');
                if (dot > 0 && h.substring(dot + 1).equals(n.substring(2))) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "TlsCredentials[" + certificate().getSubjectX500Principal().getName() + ", " + keyAlgorithm()
                + ", names=" + names + (certificateFile != null ? ", file=" + certificateFile : "") + "]";
    }

    private static List<String> namesOf(X509Certificate leaf) {
        Set<String> names = new LinkedHashSet<>();
        boolean dns = false;
        try {
            Collection<List<?>> alt = leaf.getSubjectAlternativeNames();
            if (alt != null) {
                for (List<?> entry : alt) {
                    int kind = (Integer) entry.get(0);
                    if (kind == 2 || kind == 7) { // dNSName, iPAddress
                        names.add(String.valueOf(entry.get(1)).toLowerCase(Locale.ROOT));
                        dns |= kind == 2;
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no usable subjectAltName: fall back to the CN
        }
        if (!dns) {
            String cn = commonName(leaf.getSubjectX500Principal());
            if (cn != null) {
                names.add(cn.toLowerCase(Locale.ROOT));
            }
        }
        return List.copyOf(names);
    }

    private static List<String> normalized(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            var ip = ipLiteral(n);
            out.add(ip != null ? ip : n.toLowerCase(Locale.ROOT));
        }
        return out;
    }

    /** How the JDK prints an IP address subjectAltName, for comparing names. */
    private static String ipLiteral(String n) {
        if (n.indexOf(':') < 0 && !n.matches("[0-9.]+")) {
            return null;
        }
        try {
            var a = java.net.InetAddress.ofLiteral(n);
            return a.getHostAddress();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String commonName(X500Principal p) {
        for (String rdn : p.getName(X500Principal.RFC2253).split(",")) {
            if (rdn.regionMatches(true, 0, "CN=", 0, 3)) {
                return rdn.substring(3);
            }
        }
        return null;
    }

    /** Fails unless {@code key} signs what the leaf's public key verifies. */
    private static void checkKeyMatches(PrivateKey key, X509Certificate leaf, String what) {
        PublicKey pub = leaf.getPublicKey();
        String alg = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null; // RSASSA-PSS and others: compared by algorithm only
        };
        if (!key.getAlgorithm().equals(pub.getAlgorithm()) && !(alg != null && alg.equals("EdDSA")
                && pub.getAlgorithm().startsWith("Ed"))) {
            throw new IllegalArgumentException(what + ": a " + key.getAlgorithm() + " key cannot belong to a certificate with a "
                    + pub.getAlgorithm() + " public key");
        }
        if (alg == null) {
            return;
        }
        try {
            byte[] probe = "panamax key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            if (!v.verify(sig)) {
                throw new IllegalArgumentException(what + ": the private key does not match the certificate "
                        + leaf.getSubjectX500Principal().getName());
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(what + ": cannot check the key against the certificate: " + e.getMessage(), e);
        }
    }
}
