package io.panamax.tls.x509;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.reactor.testing.Environment;
import io.panamax.tls.KeyType;
import io.panamax.tls.TlsCredentials;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Self-signed certificates made with the DER encoder: the JDK parses and verifies them, and so
 * does OpenSSL (x509 -text, asn1parse, verify), an implementation that shares no code with ours.
 */
class SelfSignedCertificateBuilderTest {
    static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static List<String> altNames(X509Certificate c) throws Exception {
        List<String> out = new ArrayList<>();
        Collection<List<?>> alt = c.getSubjectAlternativeNames();
        for (List<?> e : alt) {
            out.add(e.get(0) + ":" + e.get(1));
        }
        return out;
    }

    @Test
    void theJdkReadsEveryFieldBack() throws Exception {
        for (KeyType type : KeyType.values()) {
            Instant from = Instant.parse("2026-01-01T00:00:00Z");
            X509Certificate c = new SelfSignedCertificateBuilder().keyPair(type.generate())
                    .names("a.test", "*.b.test", "10.7.0.2", "fd00::2").notBefore(from).validity(Duration.ofDays(30)).build();
            assertEquals(3, c.getVersion(), type + ": X.509 v3");
            assertEquals("CN=a.test", c.getSubjectX500Principal().getName());
            assertEquals(c.getSubjectX500Principal(), c.getIssuerX500Principal(), "self-signed");
            assertEquals(from, c.getNotBefore().toInstant());
            assertEquals(from.plus(Duration.ofDays(30)), c.getNotAfter().toInstant());
            assertEquals(List.of("2:a.test", "2:*.b.test", "7:10.7.0.2", "7:fd00:0:0:0:0:0:0:2"), altNames(c));
            assertEquals(-1, c.getBasicConstraints(), "not a CA");
            assertTrue(c.getKeyUsage()[0], "digitalSignature");
            assertEquals(type == KeyType.RSA_2048, c.getKeyUsage()[2], "keyEncipherment for RSA only");
            assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), c.getExtendedKeyUsage());
            assertTrue(c.getSerialNumber().signum() > 0);
            assertTrue(c.getCriticalExtensionOIDs().contains("2.5.29.19") && c.getCriticalExtensionOIDs().contains("2.5.29.15"));
            assertEquals(24, c.getExtensionValue("2.5.29.14").length, "extnValue (04 16) around the KeyIdentifier (04 14) of a 20-byte SHA-1");
            c.verify(c.getPublicKey());
        }
    }

    @Test
    void serialNumbersDiffer() throws Exception {
        var keys = KeyType.EC_P256.generate();
        X509Certificate a = new SelfSignedCertificateBuilder().keyPair(keys).names("x.test").build();
        X509Certificate b = new SelfSignedCertificateBuilder().keyPair(keys).names("x.test").build();
        assertNotEquals(a.getSerialNumber(), b.getSerialNumber());
    }

    @Test
    void openSslParsesAndVerifiesIt() throws Exception {
        Environment.requireCommands("openssl");
        for (KeyType type : KeyType.values()) {
            Path sub = Files.createDirectories(dir.resolve(type.name()));
            TlsCredentials c = TlsCredentials.selfSigned(sub, type, Duration.ofDays(10), "demo.test", "10.7.0.2");
            Path cert = c.certificateFile().orElseThrow();
            Path key = c.keyFile().orElseThrow();
            var text = NetworkNamespace.run(T, "openssl", "x509", "-in", cert.toString(), "-noout", "-text").orThrow("openssl x509");
            String out = text.stdout();
            assertTrue(out.contains("Version: 3"), out);
            assertTrue(out.contains("DNS:demo.test") && out.contains("IP Address:10.7.0.2"), out);
            assertTrue(out.contains("CA:FALSE"), out);
            assertTrue(out.contains("TLS Web Server Authentication"), out);
            assertTrue(out.contains("Subject Key Identifier"), out);
            String sig = switch (type) {
                case EC_P256 -> "ecdsa-with-SHA256";
                case RSA_2048 -> "sha256WithRSAEncryption";
                case ED25519 -> "ED25519";
            };
            assertTrue(out.contains("Signature Algorithm: " + sig), out);
            NetworkNamespace.run(T, "openssl", "asn1parse", "-in", cert.toString(), "-strictpem").orThrow("openssl asn1parse");
            var verify = NetworkNamespace.run(T, "openssl", "verify", "-CAfile", cert.toString(), "-purpose", "sslserver",
                    cert.toString()).orThrow("openssl verify");
            assertTrue(verify.stdout().contains(": OK"), verify.stdout());
            // The key is PKCS#8, readable by its owner only, and belongs to the certificate.
            NetworkNamespace.run(T, "openssl", "pkey", "-in", key.toString(), "-noout").orThrow("openssl pkey");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
            String fromKey = NetworkNamespace.run(T, "openssl", "pkey", "-in", key.toString(), "-pubout").orThrow("pubout").stdout();
            String fromCert = NetworkNamespace.run(T, "openssl", "x509", "-in", cert.toString(), "-noout", "-pubkey")
                    .orThrow("pubkey").stdout();
            assertEquals(fromCert, fromKey, type + ": the key file holds the certificate's key");
        }
    }

    @Test
    void existingFilesAreReusedWhileTheyFit() throws Exception {
        TlsCredentials first = TlsCredentials.selfSigned(dir, "reuse.test");
        TlsCredentials again = TlsCredentials.selfSigned(dir, "reuse.test");
        assertEquals(first.certificate(), again.certificate(), "same names and key type: the files are reused");
        TlsCredentials rsa = TlsCredentials.selfSigned(dir, KeyType.RSA_2048, Duration.ofDays(365), "reuse.test");
        assertNotEquals(first.certificate(), rsa.certificate(), "another key type: a new pair");
        TlsCredentials more = TlsCredentials.selfSigned(dir, "reuse.test", "more.test");
        assertNotEquals(rsa.certificate(), more.certificate(), "other names: a new pair");
        assertEquals(List.of("reuse.test", "more.test"), more.names());
        assertTrue(more.matchesServerName("MORE.test."));
        assertFalse(more.matchesServerName("x.more.test"));
    }

    @Test
    void wildcardNamesMatchOneLabel() throws Exception {
        TlsCredentials c = TlsCredentials.selfSigned(dir, "*.wild.test");
        assertTrue(c.matchesServerName("a.wild.test"));
        assertFalse(c.matchesServerName("wild.test"));
        assertFalse(c.matchesServerName("a.b.wild.test"));
    }
}
