package io.panamax.pcaptests.golden;

import io.panamax.http.HttpConfig;
import io.panamax.http.HttpServer;
import io.panamax.http.HttpsEndpoint;
import io.panamax.stack.ShardStack;
import io.panamax.tls.TlsConfig;
import io.panamax.tls.TlsContext;
import io.panamax.tls.TlsCredentials;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * What a golden stack serves beyond the echo sample's services (which the recording installs with
 * {@code StackReplay.installEchoServices} and every replay installs itself): the sample's HTTP
 * echo on port 8080 and its HTTPS echo on 8443, as {@code bin/panamax echo} runs them. The live
 * recording and the replay must serve the same, so both install them from here.
 *
 * <p>HTTPS is made reproducible, so that replaying a client's recorded records into a fresh
 * stack decrypts them: the certificate and its key are committed (an Ed25519 key: its signatures
 * are deterministic, RFC 8032 §5.1.6), every stack's TLS draws its randomness from a generator
 * seeded with the same constant, and the handshake crypto runs on the shard (not on a thread
 * pool whose timing a virtual-time replay would not reproduce). Given the same ClientHello, the
 * server's whole first flight is then the same bytes. Test-only: a seeded TLS is no secret.
 */
final class GoldenServices {
    /** The HTTPS port, as the echo sample's default. */
    static final int HTTPS_PORT = 8443;
    /** The committed test certificate (golden.test and the stack's address) and its key. */
    static final Path CERTIFICATE = GoldenConversation.directory().resolve("tls/golden.test-cert.pem");
    static final Path KEY = GoldenConversation.directory().resolve("tls/golden.test-key.pem");
    private static final long SEED = 0x70616e616d6178L; // "panamax"

    private GoldenServices() {
    }

    /** The HTTP and HTTPS echo with their default settings, on one shard (call it on that shard). */
    static void httpEcho(ShardStack shard) {
        new HttpServer(shard, HttpConfig.defaults(), shard.shard().reactor().metrics(), new HttpsEndpoint(HTTPS_PORT, tls()));
    }

    /** A fresh context per stack: its generator starts from the seed, as the recording's did. */
    private static TlsContext tls() {
        try {
            SecureRandom seeded = SecureRandom.getInstance("SHA1PRNG");
            seeded.setSeed(SEED);
            return TlsContext.create(TlsConfig.builder().credentials(TlsCredentials.fromPem(CERTIFICATE, KEY))
                    .applicationProtocols(HttpsEndpoint.ALPN).random(seeded).delegatedTasksOnShard().build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
