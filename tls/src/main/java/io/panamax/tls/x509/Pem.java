package io.panamax.tls.x509;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * PEM files (RFC 7468): X.509 certificates ({@code CERTIFICATE}) and PKCS#8 private keys
 * ({@code PRIVATE KEY}, RFC 5958), read and written. Other key formats are refused with a message
 * that says how to convert them.
 */
public final class Pem {
    /** A labelled block: {@code -----BEGIN label-----}, base64 of {@code der}, {@code -----END label-----}. */
    public record Block(String label, byte[] der) {
    }

    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";
    /** Key algorithms tried, in order, on a PKCS#8 key. */
    private static final String[] KEY_ALGORITHMS = {"EC", "RSA", "Ed25519", "Ed448", "RSASSA-PSS"};

    private Pem() {
    }

    /** Every block of {@code text}, in order; text outside blocks (comments, openssl's "Bag Attributes") is ignored. */
    public static List<Block> parse(String text) throws IOException {
        List<Block> blocks = new ArrayList<>();
        int at = 0;
        while (true) {
            int begin = text.indexOf(BEGIN, at);
            if (begin < 0) {
                return blocks;
            }
            int labelEnd = text.indexOf(DASHES, begin + BEGIN.length());
            if (labelEnd < 0) {
                throw new IOException("unterminated PEM header at offset " + begin);
            }
            String label = text.substring(begin + BEGIN.length(), labelEnd);
            String endLine = END + label + DASHES;
            int end = text.indexOf(endLine, labelEnd);
            if (end < 0) {
                throw new IOException("PEM block '" + label + "' has no '" + endLine + "' line");
            }
            String body = text.substring(labelEnd + DASHES.length(), end);
            if (body.contains(":")) {
                // RFC 1421 headers (Proc-Type: 4,ENCRYPTED...): an encrypted traditional key.
                throw new IOException("PEM block '" + label + "' has headers (an encrypted legacy key?): "
                        + "convert it with 'openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem'");
            }
            try {
                blocks.add(new Block(label, Base64.getMimeDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new IOException("PEM block '" + label + "' is not valid base64: " + e.getMessage());
            }
            at = end + endLine.length();
        }
    }

    /** The certificates of a PEM file, in file order (leaf first, for a chain). */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<Block> blocks = parse(read(file));
        List<X509Certificate> certs = new ArrayList<>();
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            for (Block b : blocks) {
                if (b.label().equals("CERTIFICATE")) {
                    certs.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (CertificateException e) {
            throw new IOException(file + ": not a valid X.509 certificate: " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new IOException(file + ": no '-----BEGIN CERTIFICATE-----' block");
        }
        return certs;
    }

    /** The one PKCS#8 private key of a PEM file. */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        List<Block> blocks = parse(read(file));
        for (Block b : blocks) {
            switch (b.label()) {
                case "PRIVATE KEY" -> {
                    return pkcs8(b.der(), file);
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new IOException(file + ": the key is encrypted; decrypt it with "
                        + "'openssl pkcs8 -in " + file + " -nocrypt -topk8 -out key.pem'");
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new IOException(file + ": a " + b.label()
                        + " (PKCS#1/SEC 1) block; PKCS#8 is needed: 'openssl pkcs8 -topk8 -nocrypt -in " + file
                        + " -out key.pem'");
                default -> {
                }
            }
        }
        throw new IOException(file + ": no '-----BEGIN PRIVATE KEY-----' (PKCS#8) block");
    }

    /** A PKCS#8 PrivateKeyInfo, whatever its algorithm among those the JDK's TLS can use. */
    public static PrivateKey pkcs8(byte[] der, Object source) throws IOException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String alg : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (InvalidKeySpecException e) {
                // not this algorithm: try the next
            } catch (GeneralSecurityException e) {
                throw new IOException(source + ": " + e.getMessage(), e);
            }
        }
        throw new IOException(source + ": a PKCS#8 key of an algorithm TLS cannot use here (EC, RSA, "
                + "RSASSA-PSS, Ed25519 and Ed448 are supported)");
    }

    /** The PEM text of one block, base64 in 64-character lines (RFC 7468 §2). */
    public static String encode(String label, byte[] der) {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return BEGIN + label + DASHES + "\n" + b64 + "\n" + END + label + DASHES + "\n";
    }

    /** Writes the certificates to {@code file} (replaced atomically), readable by everyone. */
    public static void writeCertificates(Path file, List<X509Certificate> certs) throws IOException {
        StringBuilder sb = new StringBuilder();
        try {
            for (X509Certificate c : certs) {
                sb.append(encode("CERTIFICATE", c.getEncoded()));
            }
        } catch (CertificateException e) {
            throw new IOException(e);
        }
        writeAtomically(file, sb.toString(), "rw-r--r--");
    }

    /** Writes the key as PKCS#8 to {@code file} (replaced atomically), readable by its owner only. */
    public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IOException("the key's encoding is " + key.getFormat() + ", not PKCS#8");
        }
        writeAtomically(file, encode("PRIVATE KEY", key.getEncoded()), "rw-------");
    }

    private static void writeAtomically(Path file, String text, String permissions) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions)));
        try {
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot replace " + file, e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String read(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException(file + ": no such file, or not readable");
        }
        return Files.readString(file, StandardCharsets.ISO_8859_1);
    }
}
