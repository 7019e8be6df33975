package io.panamax.benchmarks.tcp;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The peer of the TCP benchmarks: the Linux kernel's TCP over loopback, driven from Java with
 * blocking NIO sockets, one connection, the server on its own thread. Same operations as
 * {@link TcpRequestResponseBenchmark} (64-byte echo) and {@link TcpBulkBenchmark} (16 MiB per
 * operation, client to server). The kernel runs the two ends on two threads; the user-space
 * stack runs both on one core.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class KernelLoopbackBenchmark {
    private ServerSocketChannel echoServer;
    private ServerSocketChannel sinkServer;
    private SocketChannel echoClient;
    private SocketChannel sinkClient;
    private Thread echoThread;
    private Thread sinkThread;
    private final ByteBuffer message = ByteBuffer.allocateDirect(64);
    private final ByteBuffer bulk = ByteBuffer.allocateDirect(64 * 1024);
    private final AtomicLong sunk = new AtomicLong();
    private long sent;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        echoServer = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        sinkServer = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        echoThread = Thread.ofPlatform().daemon().start(() -> serve(echoServer, true));
        sinkThread = Thread.ofPlatform().daemon().start(() -> serve(sinkServer, false));
        echoClient = SocketChannel.open(echoServer.getLocalAddress());
        echoClient.setOption(StandardSocketOptions.TCP_NODELAY, true);
        sinkClient = SocketChannel.open(sinkServer.getLocalAddress());
    }

    private void serve(ServerSocketChannel server, boolean echo) {
        try (SocketChannel c = server.accept()) {
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer b = ByteBuffer.allocateDirect(echo ? 64 : 256 * 1024);
            while (true) {
                b.clear();
                int n = c.read(b);
                if (n < 0) {
                    return;
                }
                if (echo) {
                    b.flip();
                    while (b.hasRemaining()) {
                        c.write(b);
                    }
                } else {
                    sunk.addAndGet(n);
                }
            }
        } catch (IOException e) {
            // The benchmark closed the connection.
        }
    }

    @Benchmark
    public void requestResponse() throws IOException {
        message.clear();
        while (message.hasRemaining()) {
            echoClient.write(message);
        }
        message.clear();
        while (message.hasRemaining()) {
            if (echoClient.read(message) < 0) {
                throw new IOException("echo server closed");
            }
        }
    }

    @Benchmark
    public long bulk() throws IOException {
        long target = sent + TcpBulkBenchmark.CHUNK;
        while (sent < target) {
            bulk.clear();
            sent += sinkClient.write(bulk);
        }
        while (sunk.get() < target) {
            Thread.onSpinWait();
        }
        return sent;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, InterruptedException {
        echoClient.close();
        sinkClient.close();
        echoThread.join(1000);
        sinkThread.join(1000);
        echoServer.close();
        sinkServer.close();
    }
}
