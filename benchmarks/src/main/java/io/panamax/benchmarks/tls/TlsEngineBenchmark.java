package io.panamax.benchmarks.tls;

import io.panamax.tls.TlsConfig;
import io.panamax.tls.TlsContext;
import io.panamax.tls.TlsCredentials;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * The JDK's {@code SSLEngine} alone, no network: one operation encrypts a record of 16 000 bytes
 * and decrypts it on the other engine, as the stack does for each record. {@code record=heap}
 * encrypts into and decrypts from a heap array (what {@link io.panamax.tls.TlsConnection} does);
 * {@code direct} uses an off-heap buffer for the record, as a design that sends records from
 * off-heap memory without a copy would. The plaintext is off-heap in both (packet buffers). With
 * {@code -prof gc} this is the measurement behind the choice of a heap scratch array, and the
 * ceiling of TLS bulk throughput on one core with the JDK's crypto.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TlsEngineBenchmark {
    static final int PLAINTEXT = 16_000;

    @Param({"TLSv1.3", "TLSv1.2"})
    public String protocol;

    @Param({"heap", "direct"})
    public String record;

    private SSLEngine client;
    private SSLEngine server;
    private ByteBuffer[] plaintext;
    private ByteBuffer recordBuffer;
    private ByteBuffer[] out;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        TlsCredentials c = TlsCredentials.selfSigned(Files.createTempDirectory("pmx-tls-engine"), TlsBench.NAME);
        server = TlsContext.create(TlsConfig.builder().credentials(c).protocols(protocol).build()).sslContext().createSSLEngine();
        server.setUseClientMode(false);
        client = TlsContext.create(TlsConfig.builder().trust(c).protocols(protocol).build()).sslContext()
                .createSSLEngine(TlsBench.NAME, 443);
        client.setUseClientMode(true);
        handshake();
        plaintext = new ByteBuffer[] {ByteBuffer.allocateDirect(PLAINTEXT)};
        recordBuffer = record.equals("heap") ? ByteBuffer.allocate(40 * 1024) : ByteBuffer.allocateDirect(40 * 1024);
        out = new ByteBuffer[] {ByteBuffer.allocateDirect(8192), ByteBuffer.allocateDirect(8192)};
    }

    private void handshake() throws SSLException {
        ByteBuffer c2s = ByteBuffer.allocate(1 << 16);
        ByteBuffer s2c = ByteBuffer.allocate(1 << 16);
        ByteBuffer app = ByteBuffer.allocate(1 << 16);
        ByteBuffer none = ByteBuffer.allocate(0);
        client.beginHandshake();
        server.beginHandshake();
        for (int i = 0; i < 100 && !(done(client) && done(server)); i++) {
            client.wrap(none, c2s);
            c2s.flip();
            server.unwrap(c2s, app);
            c2s.compact();
            runTasks(server);
            server.wrap(none, s2c);
            s2c.flip();
            client.unwrap(s2c, app);
            s2c.compact();
            runTasks(client);
        }
        if (!done(client) || !done(server)) {
            throw new IllegalStateException("the in-memory handshake did not finish");
        }
    }

    private static boolean done(SSLEngine e) {
        return e.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING;
    }

    private static void runTasks(SSLEngine e) {
        for (Runnable t = e.getDelegatedTask(); t != null; t = e.getDelegatedTask()) {
            t.run();
        }
    }

    @Benchmark
    public int wrapAndUnwrap() throws SSLException {
        plaintext[0].clear();
        recordBuffer.clear();
        SSLEngineResult w = client.wrap(plaintext, recordBuffer);
        recordBuffer.flip();
        out[0].clear();
        out[1].clear();
        SSLEngineResult u = server.unwrap(recordBuffer, out);
        if (u.bytesProduced() != w.bytesConsumed()) {
            throw new IllegalStateException("lost bytes: " + w + " / " + u);
        }
        return u.bytesProduced();
    }
}
