package io.panamax.benchmarks.tls;

import io.panamax.tls.TlsConfig;
import io.panamax.tls.TlsContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * The kernel peer of the TLS benchmarks: the same JDK TLS (the SSLContexts of the same
 * {@link TlsContext}s, same certificate, same versions) over the Linux kernel's TCP on loopback,
 * with blocking {@link SSLSocket}s, the server on its own threads. {@code bulk} moves 16 MiB
 * client to server per operation, as {@link TlsBulkBenchmark}; {@code connections} opens,
 * handshakes and closes (close_notify, FIN) one connection per operation, as
 * {@link TlsHandshakeBenchmark} with full handshakes. The kernel and the JDK spread the work over
 * several threads (client, server, kernel softirq); the stack runs both ends on one core.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class KernelTlsBenchmark {
    static final int CHUNK = 16 << 20;
    static final int WRITE = 64 * 1024;
    static final int BATCH = 16;

    @Param({"TLSv1.3", "TLSv1.2"})
    public String transport;

    private TlsBench certificates;
    private TlsContext client;
    private SSLServerSocket bulkServer;
    private SSLServerSocket connectServer;
    private SSLSocket bulkClient;
    private OutputStream bulkOut;
    private final AtomicLong sunk = new AtomicLong();
    private final byte[] data = new byte[WRITE];
    private long sent;
    private ExecutorService handlers;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        certificates = new TlsBench(); // only for its certificate; its reactor idles
        TlsContext server = certificates.serverContext(TlsConfig.builder().protocols(transport));
        client = certificates.clientContext(TlsConfig.builder().protocols(transport));
        InetAddress lo = InetAddress.getLoopbackAddress();
        bulkServer = (SSLServerSocket) server.sslContext().getServerSocketFactory().createServerSocket(0, 50, lo);
        connectServer = (SSLServerSocket) server.sslContext().getServerSocketFactory().createServerSocket(0, 512, lo);
        for (SSLServerSocket s : new SSLServerSocket[] {bulkServer, connectServer}) {
            s.setEnabledProtocols(new String[] {transport});
        }
        handlers = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "kernel-tls-server");
            t.setDaemon(true);
            return t;
        });
        Thread.ofPlatform().daemon().start(this::sink);
        Thread.ofPlatform().daemon().start(this::acceptLoop);
        bulkClient = clientSocket(bulkServer.getLocalPort());
        bulkClient.startHandshake();
        bulkOut = bulkClient.getOutputStream();
    }

    private SSLSocket clientSocket(int port) throws IOException {
        SSLSocket s = (SSLSocket) client.sslContext().getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
        // TCP_NODELAY on every socket, as the stack's benchmark connections: a handshake's flights are
        // several small writes, which Nagle would hold for the peer's delayed ACK (40 ms on Linux).
        s.setTcpNoDelay(true);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(new String[] {transport});
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName(TlsBench.NAME)));
        s.setSSLParameters(p);
        return s;
    }

    private void sink() {
        try (SSLSocket c = (SSLSocket) bulkServer.accept(); InputStream in = c.getInputStream()) {
            c.setTcpNoDelay(true);
            byte[] b = new byte[256 * 1024];
            int n;
            while ((n = in.read(b)) > 0) {
                sunk.addAndGet(n);
            }
        } catch (IOException e) {
            // closed by tearDown
        }
    }

    private void acceptLoop() {
        while (!connectServer.isClosed()) {
            try {
                SSLSocket c = (SSLSocket) connectServer.accept();
                c.setTcpNoDelay(true);
                handlers.execute(() -> closeAfterEnd(c));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** The server side of one connection: handshake, read to the end (close_notify), close. */
    private static void closeAfterEnd(SSLSocket c) {
        try (c; InputStream in = c.getInputStream()) {
            while (in.read() >= 0) {
                // nothing is sent
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    @Benchmark
    public long bulk() throws IOException {
        for (int done = 0; done < CHUNK; done += WRITE) {
            bulkOut.write(data);
        }
        bulkOut.flush();
        sent += CHUNK;
        while (sunk.get() < sent) {
            Thread.onSpinWait();
        }
        return sent;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void connections() throws IOException {
        for (int i = 0; i < BATCH; i++) {
            SSLSocket s = clientSocket(connectServer.getLocalPort());
            s.startHandshake();
            s.getSession().invalidate(); // full handshakes, as TlsHandshakeBenchmark session=full
            s.close(); // close_notify; the server answers and closes
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        bulkClient.close();
        bulkServer.close();
        connectServer.close();
        handlers.shutdownNow();
        certificates.close();
    }
}
