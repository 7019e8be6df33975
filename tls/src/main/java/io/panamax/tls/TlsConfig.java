package io.panamax.tls;

import io.panamax.tls.x509.Pem;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The settings of a {@link TlsContext}: keys and certificates, trust, versions, cipher suites,
 * ALPN, client authentication, hostname verification, timeouts and where handshake crypto runs.
 * Immutable; built with {@link #builder()}. One configuration serves both roles: a connection is
 * a server or a client when it is made ({@link TlsConnection#server}, {@link TlsConnection#client}).
 *
 * <pre>{@code
 * TlsConfig config = TlsConfig.builder()
 *         .credentials(TlsCredentials.fromPem(Path.of("chain.pem"), Path.of("key.pem")))
 *         .applicationProtocols("h2", "http/1.1")
 *         .build();
 * }</pre>
 *
 * @param credentials             keys and chains this side presents; a server picks by SNI, the first is the default
 * @param trustedCertificates     trust anchors for verifying the peer; empty means the JDK's default CA set
 * @param trustSystemDefaults     also trust the JDK's default CA set when anchors are given
 * @param protocols               enabled versions, as {@code SSLEngine} names them ("TLSv1.3", "TLSv1.2")
 * @param cipherSuites            enabled cipher suites; empty means the JDK's defaults
 * @param applicationProtocols    ALPN protocol names (RFC 7301), in preference order; empty means no ALPN
 * @param clientAuth              whether a server asks for client certificates
 * @param hostnameVerification    a client checks that the server's certificate is for the name it
 *                                connected to (endpoint identification "HTTPS", RFC 2818 §3.1 / RFC 6125)
 * @param handshakeTimeout        a handshake that takes longer fails ({@link TlsHandshakeFailure#TIMEOUT})
 * @param closeTimeout            how long a closing connection waits for the peer's close_notify
 * @param delegatedTasks          where the {@code SSLEngine}'s delegated tasks (the handshake's
 *                                public-key crypto) run; null runs them on the shard, blocking it
 * @param random                  the handshakes' source of randomness (hello randoms, key shares);
 *                                null: the JDK's default, which is what production wants
 */
public record TlsConfig(
        List<TlsCredentials> credentials,
        List<X509Certificate> trustedCertificates,
        boolean trustSystemDefaults,
        List<String> protocols,
        List<String> cipherSuites,
        List<String> applicationProtocols,
        ClientAuth clientAuth,
        boolean hostnameVerification,
        Duration handshakeTimeout,
        Duration closeTimeout,
        Executor delegatedTasks,
        SecureRandom random) {

    /** TLS 1.3 and 1.2: what is enabled unless {@link Builder#protocols} says otherwise. */
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    public TlsConfig {
        credentials = List.copyOf(credentials);
        trustedCertificates = List.copyOf(trustedCertificates);
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
        applicationProtocols = List.copyOf(applicationProtocols);
        Objects.requireNonNull(clientAuth);
        Objects.requireNonNull(handshakeTimeout);
        Objects.requireNonNull(closeTimeout);
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("at least one protocol version must be enabled");
        }
        for (String p : protocols) {
            if (!p.equals("TLSv1.3") && !p.equals("TLSv1.2")) {
                throw new IllegalArgumentException("unsupported protocol version '" + p + "' (TLSv1.3 and TLSv1.2 are)");
            }
        }
        for (String a : applicationProtocols) {
            if (a.isEmpty() || a.length() > 255) {
                throw new IllegalArgumentException("an ALPN protocol name is 1..255 bytes (RFC 7301 §3.1): '" + a + "'");
            }
        }
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero() || closeTimeout.isNegative()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (clientAuth != ClientAuth.NONE && trustedCertificates.isEmpty() && !trustSystemDefaults) {
            throw new IllegalArgumentException("client authentication needs trust anchors to verify client certificates "
                    + "(trust(...) a CA file)");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.credentials.addAll(credentials);
        b.trusted.addAll(trustedCertificates);
        b.trustSystemDefaults = trustSystemDefaults;
        b.protocols = protocols;
        b.cipherSuites = cipherSuites;
        b.applicationProtocols = applicationProtocols;
        b.clientAuth = clientAuth;
        b.hostnameVerification = hostnameVerification;
        b.handshakeTimeout = handshakeTimeout;
        b.closeTimeout = closeTimeout;
        b.delegatedTasks = delegatedTasks;
        b.random = random;
        return b;
    }

    /**
     * The executor delegated tasks run on unless configured otherwise: daemon threads
     * ("panamax-tls-handshake-N"), half the processors (at least two), shared by every context.
     * The hand-off to it is the one place a shard touches a lock-based queue, once per delegated
     * task (a handshake has one or two), never per record.
     */
    public static Executor sharedHandshakeExecutor() {
        return SharedExecutor.INSTANCE;
    }

    private static final class SharedExecutor {
        static final Executor INSTANCE = create();

        private static Executor create() {
            int threads = Math.max(2, Runtime.getRuntime().availableProcessors() / 2);
            AtomicInteger n = new AtomicInteger();
            ThreadPoolExecutor e = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "panamax-tls-handshake-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            // Started now, never timed out: starting a thread from a shard's execute() would stall it.
            e.prestartAllCoreThreads();
            return e;
        }
    }

    /** Builds a {@link TlsConfig}; every setting has a default. */
    public static final class Builder {
        private final List<TlsCredentials> credentials = new ArrayList<>();
        private final List<X509Certificate> trusted = new ArrayList<>();
        private boolean trustSystemDefaults;
        private List<String> protocols = DEFAULT_PROTOCOLS;
        private List<String> cipherSuites = List.of();
        private List<String> applicationProtocols = List.of();
        private ClientAuth clientAuth = ClientAuth.NONE;
        private boolean hostnameVerification = true;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration closeTimeout = Duration.ofSeconds(5);
        private Executor delegatedTasks = sharedHandshakeExecutor();
        private SecureRandom random;

        private Builder() {
        }

        /**
         * Adds a key and chain to present. A server with several picks the first whose names
         * match the client's SNI host name, else the first; a client presents the first whose key
         * type the server accepts when asked for a certificate.
         */
        public Builder credentials(TlsCredentials c) {
            credentials.add(Objects.requireNonNull(c));
            return this;
        }

        /** Trusts the certificates of a PEM file (CA certificates, or a self-signed one). */
        public Builder trust(Path pemFile) throws IOException {
            trusted.addAll(Pem.readCertificates(pemFile));
            return this;
        }

        /** Trusts these certificates. */
        public Builder trust(X509Certificate... certs) {
            trusted.addAll(List.of(certs));
            return this;
        }

        /** Trusts the last certificate of a chain (a self-signed leaf, or the chain's root). */
        public Builder trust(TlsCredentials c) {
            trusted.add(c.chain().getLast());
            return this;
        }

        /**
         * Also trusts the JDK's default CA set when anchors are given. Without any anchor the
         * default CA set is what a client trusts.
         */
        public Builder trustSystemDefaults(boolean yes) {
            this.trustSystemDefaults = yes;
            return this;
        }

        /** Enabled versions: "TLSv1.3", "TLSv1.2" (both by default). */
        public Builder protocols(String... names) {
            this.protocols = List.of(names);
            return this;
        }

        /** Enabled cipher suites by their IANA names; the JDK's defaults when not set. */
        public Builder cipherSuites(String... names) {
            this.cipherSuites = List.of(names);
            return this;
        }

        /** ALPN (RFC 7301): what a client offers, what a server accepts, in preference order. */
        public Builder applicationProtocols(String... names) {
            this.applicationProtocols = List.of(names);
            return this;
        }

        public Builder clientAuth(ClientAuth a) {
            this.clientAuth = Objects.requireNonNull(a);
            return this;
        }

        /**
         * Whether a client verifies that the server's certificate names the host it connected to
         * (on by default). Off, any certificate that chains to a trusted anchor is accepted.
         */
        public Builder hostnameVerification(boolean on) {
            this.hostnameVerification = on;
            return this;
        }

        public Builder handshakeTimeout(Duration d) {
            this.handshakeTimeout = Objects.requireNonNull(d);
            return this;
        }

        public Builder closeTimeout(Duration d) {
            this.closeTimeout = Objects.requireNonNull(d);
            return this;
        }

        /** Runs delegated tasks (handshake crypto) on {@code executor}, resuming on the shard. */
        public Builder delegatedTasks(Executor executor) {
            this.delegatedTasks = Objects.requireNonNull(executor);
            return this;
        }

        /**
         * Runs delegated tasks on the shard itself, inside the poll loop. Each handshake then
         * blocks the shard for its public-key crypto (hundreds of microseconds to milliseconds):
         * only for measurements and single-connection tools.
         */
        public Builder delegatedTasksOnShard() {
            this.delegatedTasks = null;
            return this;
        }

        /**
         * The source of the handshakes' randomness. A generator seeded with a constant makes a
         * server's handshakes repeat byte for byte given the same client (with a signature scheme
         * that is deterministic, such as Ed25519): how the tests replay a recorded TLS conversation.
         * Never in production: TLS is only as secret as its randomness.
         */
        public Builder random(SecureRandom r) {
            this.random = Objects.requireNonNull(r);
            return this;
        }

        public TlsConfig build() {
            return new TlsConfig(credentials, trusted, trustSystemDefaults, protocols, cipherSuites, applicationProtocols,
                    clientAuth, hostnameVerification, handshakeTimeout, closeTimeout, delegatedTasks, random);
        }
    }
}
