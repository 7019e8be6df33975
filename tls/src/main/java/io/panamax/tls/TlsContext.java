package io.panamax.tls;

import io.panamax.reactor.Shard;
import io.panamax.tls.wire.ClientHello;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A ready-to-use TLS configuration: the JDK {@link SSLContext} built from a {@link TlsConfig}
 * (keys, trust) and the per-connection engine settings (versions, suites, ALPN, client auth,
 * hostname verification). Thread-safe; one context serves every shard and any number of
 * connections, server and client.
 *
 * <pre>{@code
 * TlsContext server = TlsContext.selfSigned(Path.of("/tmp/panamax-tls"), "localhost", "10.7.0.2");
 * System.out.println("certificate: " + server.certificateFile().orElseThrow());
 * TlsContext client = TlsContext.clientTrusting(Path.of("ca.pem"));
 * }</pre>
 *
 * <p>Each shard that uses the context gets its own scratch area and counters ({@link TlsShard}),
 * found once per connection.
 */
public final class TlsContext {
    private final TlsConfig config;
    private final SSLContext sslContext;
    private final SSLParameters serverParameters;
    private final int highestVersion;
    /**
     * Each shard's part, made by that shard on its first connection. The one structure the shards
     * of a context share: looked up once per connection (never per record), and concurrent only
     * because any shard, of any reactor, may be the first to use the context.
     */
    private final ConcurrentHashMap<Shard, TlsShard> shards = new ConcurrentHashMap<>();

    private TlsContext(TlsConfig config) throws GeneralSecurityException {
        this.config = config;
        this.sslContext = SSLContext.getInstance("TLS");
        KeyManager[] keys = config.credentials().isEmpty() ? null
                : new KeyManager[] {new SniKeyManager(config.credentials())};
        sslContext.init(keys, trustManagers(config), config.random());
        List<String> supported = Arrays.asList(sslContext.getSupportedSSLParameters().getProtocols());
        int highest = 0;
        for (String p : config.protocols()) {
            if (!supported.contains(p)) {
                throw new IllegalArgumentException("the JDK does not support " + p + " here (supported: " + supported + ")");
            }
            highest = Math.max(highest, ClientHello.versionOf(p));
        }
        this.highestVersion = highest;
        SSLEngine probe = sslContext.createSSLEngine();
        this.serverParameters = parameters(false, null);
        probe.setUseClientMode(false);
        probe.setSSLParameters(serverParameters); // fails now, not at the first connection, on a bad suite name
    }

    /** A context for {@code config}; fails on settings the JDK cannot honour (unknown suites, versions). */
    public static TlsContext create(TlsConfig config) {
        try {
            return new TlsContext(config);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** A server (or client-certificate) context from PEM files: a chain and its PKCS#8 key. */
    public static TlsContext fromPem(Path certificateChain, Path privateKey) throws IOException {
        return create(TlsConfig.builder().credentials(TlsCredentials.fromPem(certificateChain, privateKey)).build());
    }

    /** A context from the first key entry of a PKCS#12 keystore. */
    public static TlsContext fromPkcs12(Path keystore, char[] password) throws IOException {
        return create(TlsConfig.builder().credentials(TlsCredentials.fromPkcs12(keystore, password)).build());
    }

    /**
     * A server context with a self-signed EC P-256 certificate for {@code names}, generated (or
     * reused) in {@code directory}; {@link #certificateFile()} says where clients find it.
     */
    public static TlsContext selfSigned(Path directory, String... names) throws IOException {
        return create(TlsConfig.builder().credentials(TlsCredentials.selfSigned(directory, names)).build());
    }

    /** A client context that trusts the JDK's default CAs and verifies host names. */
    public static TlsContext client() {
        return create(TlsConfig.builder().build());
    }

    /** A client context that trusts the certificates of a PEM file (and verifies host names). */
    public static TlsContext clientTrusting(Path caFile) throws IOException {
        return create(TlsConfig.builder().trust(caFile).build());
    }

    public TlsConfig config() {
        return config;
    }

    /** The JDK context behind this one. */
    public SSLContext sslContext() {
        return sslContext;
    }

    /** The certificate file of the first credentials, if they came from or went to a file. */
    public Optional<Path> certificateFile() {
        return config.credentials().isEmpty() ? Optional.empty() : config.credentials().getFirst().certificateFile();
    }

    /** The highest enabled version's wire value (0x0304 for TLS 1.3). */
    int highestVersion() {
        return highestVersion;
    }

    /** Whether a ClientHello offers at least one enabled version. */
    boolean acceptsAnyVersionOf(ClientHello hello) {
        for (String p : config.protocols()) {
            if (hello.offers(ClientHello.versionOf(p))) {
                return true;
            }
        }
        return false;
    }

    /** This context's buffers and counters on {@code shard}; made there on first use. */
    TlsShard shard(Shard shard) {
        TlsShard s = shards.get(shard);
        if (s == null) {
            s = shards.computeIfAbsent(shard, sh -> new TlsShard(sh, this));
        }
        return s;
    }

    /** A server-side engine. */
    SSLEngine newServerEngine() {
        SSLEngine e = sslContext.createSSLEngine();
        e.setUseClientMode(false);
        e.setSSLParameters(serverParameters);
        return e;
    }

    /**
     * A client-side engine for {@code serverName} (SNI and the name the certificate must carry)
     * at {@code address}:{@code port}; {@code serverName} may be null (no SNI, and the address is
     * the name checked).
     */
    SSLEngine newClientEngine(String serverName, String address, int port) {
        String peer = serverName != null ? serverName : address;
        SSLEngine e = sslContext.createSSLEngine(peer, port);
        e.setUseClientMode(true);
        e.setSSLParameters(parameters(true, serverName));
        return e;
    }

    private SSLParameters parameters(boolean client, String serverName) {
        SSLParameters p = sslContext.getDefaultSSLParameters();
        p.setProtocols(config.protocols().toArray(String[]::new));
        if (!config.cipherSuites().isEmpty()) {
            p.setCipherSuites(config.cipherSuites().toArray(String[]::new));
        }
        if (!config.applicationProtocols().isEmpty()) {
            p.setApplicationProtocols(config.applicationProtocols().toArray(String[]::new));
        }
        if (client) {
            if (config.hostnameVerification()) {
                p.setEndpointIdentificationAlgorithm("HTTPS");
            }
            // RFC 6066 §3: SNI carries host names only, never IP literals.
            if (serverName != null && !isIpLiteral(serverName)) {
                p.setServerNames(List.of(new SNIHostName(serverName)));
            } else {
                p.setServerNames(List.of());
            }
        } else {
            p.setUseCipherSuitesOrder(true);
            switch (config.clientAuth()) {
                case REQUIRED -> p.setNeedClientAuth(true);
                case OPTIONAL -> p.setWantClientAuth(true);
                case NONE -> {
                }
            }
        }
        return p;
    }

    static boolean isIpLiteral(String s) {
        if (s.indexOf(':') < 0 && !s.matches("[0-9.]+")) {
            return false;
        }
        try {
            java.net.InetAddress.ofLiteral(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static TrustManager[] trustManagers(TlsConfig config) throws GeneralSecurityException {
        if (config.trustedCertificates().isEmpty()) {
            return null; // the JDK's default CA set
        }
        List<X509Certificate> anchors = new ArrayList<>(config.trustedCertificates());
        if (config.trustSystemDefaults()) {
            TrustManagerFactory sys = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            sys.init((KeyStore) null);
            for (TrustManager tm : sys.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    anchors.addAll(List.of(x.getAcceptedIssuers()));
                }
            }
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        for (int i = 0; i < anchors.size(); i++) {
            ks.setCertificateEntry("anchor-" + i, anchors.get(i));
        }
        TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
        f.init(ks);
        return f.getTrustManagers();
    }
}
