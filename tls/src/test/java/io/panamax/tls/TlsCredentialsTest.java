package io.panamax.tls;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keys and certificates made by OpenSSL, loaded from PEM and PKCS#12; clear errors for what cannot be used. */
class TlsCredentialsTest {
    static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @BeforeEach
    void needsOpenssl() {
        Environment.requireCommands("openssl");
    }

    private void openssl(String... args) throws IOException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        NetworkNamespace.run(T, cmd).orThrow(String.join(" ", cmd));
    }

    private Path p(String name) {
        return dir.resolve(name);
    }

    /** A self-signed pair from OpenSSL: {@code <name>-key.pem}, {@code <name>-cert.pem}. */
    private void selfSigned(String name, String keyAlg) throws IOException {
        openssl("req", "-x509", "-newkey", keyAlg, "-nodes", "-keyout", p(name + "-key.pem").toString(),
                "-out", p(name + "-cert.pem").toString(), "-days", "2", "-subj", "/CN=" + name,
                "-addext", "subjectAltName=DNS:" + name + ",DNS:www." + name);
    }

    @Test
    void pemKeysOfEachAlgorithmLoad() throws Exception {
        selfSigned("ec.test", "ec:" + ecParams());
        selfSigned("rsa.test", "rsa:2048");
        selfSigned("ed.test", "ed25519");
        TlsCredentials ec = TlsCredentials.fromPem(p("ec.test-cert.pem"), p("ec.test-key.pem"));
        assertEquals("EC", ec.keyAlgorithm());
        assertEquals(List.of("ec.test", "www.ec.test"), ec.names());
        assertEquals(p("ec.test-cert.pem"), ec.certificateFile().orElseThrow());
        assertEquals("RSA", TlsCredentials.fromPem(p("rsa.test-cert.pem"), p("rsa.test-key.pem")).keyAlgorithm());
        assertTrue(TlsCredentials.fromPem(p("ed.test-cert.pem"), p("ed.test-key.pem")).keyAlgorithm().startsWith("Ed"));
    }

    private Path ecParams() throws IOException {
        Path params = p("p256.pem");
        if (!Files.exists(params)) {
            openssl("ecparam", "-name", "prime256v1", "-out", params.toString());
        }
        return params;
    }

    @Test
    void aChainFileKeepsItsOrderAndACaFileIsTrusted() throws Exception {
        openssl("req", "-x509", "-newkey", "ec:" + ecParams(), "-nodes", "-keyout", p("ca-key.pem").toString(),
                "-out", p("ca.pem").toString(), "-days", "2", "-subj", "/CN=Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
        openssl("req", "-newkey", "ec:" + ecParams(), "-nodes", "-keyout", p("leaf-key.pem").toString(),
                "-out", p("leaf.csr").toString(), "-subj", "/CN=leaf.test");
        Files.writeString(p("ext.cnf"), "subjectAltName=DNS:leaf.test\n");
        openssl("x509", "-req", "-in", p("leaf.csr").toString(), "-CA", p("ca.pem").toString(), "-CAkey",
                p("ca-key.pem").toString(), "-CAcreateserial", "-out", p("leaf.pem").toString(), "-days", "2",
                "-extfile", p("ext.cnf").toString());
        Files.writeString(p("chain.pem"), Files.readString(p("leaf.pem")) + Files.readString(p("ca.pem")));
        TlsCredentials c = TlsCredentials.fromPem(p("chain.pem"), p("leaf-key.pem"));
        assertEquals(2, c.chain().size());
        assertEquals("CN=leaf.test", c.certificate().getSubjectX500Principal().getName());
        assertEquals("CN=Test CA", c.chain().get(1).getSubjectX500Principal().getName());
        TlsConfig trusting = TlsConfig.builder().trust(p("ca.pem")).build();
        assertEquals(1, trusting.trustedCertificates().size());
        TlsContext.create(trusting); // builds a PKIX trust manager from the file
    }

    @Test
    void pkcs12KeystoresLoadWithTheirPassword() throws Exception {
        selfSigned("p12.test", "ec:" + ecParams());
        openssl("pkcs12", "-export", "-in", p("p12.test-cert.pem").toString(), "-inkey", p("p12.test-key.pem").toString(),
                "-out", p("store.p12").toString(), "-passout", "pass:secret", "-name", "server");
        TlsCredentials c = TlsCredentials.fromPkcs12(p("store.p12"), "secret".toCharArray());
        assertEquals(List.of("p12.test", "www.p12.test"), c.names());
        TlsCredentials byAlias = TlsCredentials.fromPkcs12(p("store.p12"), "secret".toCharArray(), "server");
        assertEquals(c.certificate(), byAlias.certificate());
        IOException wrong = assertThrows(IOException.class, () -> TlsCredentials.fromPkcs12(p("store.p12"), "nope".toCharArray()));
        assertTrue(wrong.getMessage().contains("password") && wrong.getMessage().contains("store.p12"), wrong.getMessage());
        IOException noAlias = assertThrows(IOException.class,
                () -> TlsCredentials.fromPkcs12(p("store.p12"), "secret".toCharArray(), "other"));
        assertTrue(noAlias.getMessage().contains("other"), noAlias.getMessage());
        assertEquals("EC", TlsContext.fromPkcs12(p("store.p12"), "secret".toCharArray()).config().credentials().getFirst().keyAlgorithm());
    }

    @Test
    void unusableKeysAreRefusedWithAMessageThatSaysWhatToDo() throws Exception {
        selfSigned("a.test", "ec:" + ecParams());
        selfSigned("b.test", "ec:" + ecParams());
        openssl("pkey", "-in", p("a.test-key.pem").toString(), "-traditional", "-out", p("traditional.pem").toString());
        openssl("pkcs8", "-topk8", "-in", p("a.test-key.pem").toString(), "-out", p("encrypted.pem").toString(),
                "-passout", "pass:x");
        IOException legacy = assertThrows(IOException.class,
                () -> TlsCredentials.fromPem(p("a.test-cert.pem"), p("traditional.pem")));
        assertTrue(legacy.getMessage().contains("EC PRIVATE KEY") && legacy.getMessage().contains("pkcs8"), legacy.getMessage());
        IOException encrypted = assertThrows(IOException.class,
                () -> TlsCredentials.fromPem(p("a.test-cert.pem"), p("encrypted.pem")));
        assertTrue(encrypted.getMessage().contains("encrypted"), encrypted.getMessage());
        IOException mismatch = assertThrows(IOException.class,
                () -> TlsCredentials.fromPem(p("a.test-cert.pem"), p("b.test-key.pem")));
        assertTrue(mismatch.getMessage().contains("does not match"), mismatch.getMessage());
        IOException missing = assertThrows(IOException.class, () -> TlsCredentials.fromPem(p("none.pem"), p("a.test-key.pem")));
        assertTrue(missing.getMessage().contains("none.pem"), missing.getMessage());
        IOException notACert = assertThrows(IOException.class,
                () -> TlsCredentials.fromPem(p("a.test-key.pem"), p("a.test-key.pem")));
        assertTrue(notACert.getMessage().contains("CERTIFICATE"), notACert.getMessage());
        Files.writeString(p("broken.pem"), "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        IOException broken = assertThrows(IOException.class, () -> TlsCredentials.fromPem(p("broken.pem"), p("a.test-key.pem")));
        assertTrue(broken.getMessage().contains("not a valid X.509 certificate"), broken.getMessage());
    }

    @Test
    void configurationMistakesAreCaughtWhenTheContextIsMade() {
        IllegalArgumentException noTrust = assertThrows(IllegalArgumentException.class,
                () -> TlsConfig.builder().clientAuth(ClientAuth.REQUIRED).build());
        assertTrue(noTrust.getMessage().contains("trust"), noTrust.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TlsConfig.builder().protocols("TLSv1.1").build());
        assertThrows(IllegalArgumentException.class, () -> TlsConfig.builder().applicationProtocols("").build());
        assertThrows(IllegalArgumentException.class,
                () -> TlsContext.create(TlsConfig.builder().cipherSuites("TLS_NO_SUCH_SUITE").build()));
    }
}
