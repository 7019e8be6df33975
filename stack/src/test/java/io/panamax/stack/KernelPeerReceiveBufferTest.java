package io.panamax.stack;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.testing.Environment;
import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.TcpConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Receive-buffer autotuning (docs/tcp.md, "Receive-buffer autotuning") against the Linux kernel as
 * the sender, over a TAP device with offloads (64 KB super-segments) in a namespace made for the
 * test: a connection whose application reads everything at once gets a larger buffer than the
 * default 256 KB, one whose application reads every 10 ms keeps it, and one whose application set
 * its buffer itself keeps that.
 */
class KernelPeerReceiveBufferTest {
    static final String HOST_IP = "10.7.0.1";
    static final String STACK_IP = "10.7.0.2";
    static final Duration T = Duration.ofSeconds(120);
    static final int KEEPS_UP = 5001;
    static final int SLOW = 5002;
    static final int SET_BY_APPLICATION = 5003;
    /** The slow reader's pause between reads: 100 round trips over TAP and more. */
    static final long SLOW_READ_INTERVAL_NANOS = 10_000_000L;
    static final int APPLICATION_BUFFER = 128 * 1024;

    static NetworkNamespace ns;
    static Stack stack;
    static final CompletableFuture<long[]> keepsUp = new CompletableFuture<>();
    static final CompletableFuture<long[]> slow = new CompletableFuture<>();
    static final CompletableFuture<long[]> setByApplication = new CompletableFuture<>();

    @BeforeAll
    static void start() throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device");
        Environment.requireCommands("ip", "python3");
        ns = NetworkNamespace.createUnique("pmx-rcvtune");
        String tap = "rcvtune" + (ProcessHandle.current().pid() % 100000);
        stack = Stack.builder()
                .nic(q -> TapNic.builder().name(tap).namespace(ns).queues(1).multiQueue(false)
                        .kernelAddress(HOST_IP + "/24").kernelIpv6(false).offloads(true).open())
                .ipv4(STACK_IP + "/24").shards(1).tcp(TcpConfig.defaults())
                .reactorSettings(r -> r.pinThreads(false))
                .start();
        stack.await(stack.onEveryShard(s -> {
            s.tcp().listen(KEEPS_UP, c -> readAll(c, keepsUp));
            s.tcp().listen(SLOW, c -> readSlowly(c, slow));
            s.tcp().listen(SET_BY_APPLICATION, c -> {
                c.setReceiveBufferSize(APPLICATION_BUFFER);
                readAll(c, setByApplication);
            });
        }), T);
    }

    @AfterAll
    static void stop() throws Exception {
        KernelPeerTcpTest.closeCheckingLeaks(stack, ns);
    }

    /** Reads whatever arrived, at once; completes with {bytes, receive buffer} at the end of stream. */
    private static void readAll(TcpConnection c, CompletableFuture<long[]> result) {
        long[] bytes = new long[1];
        c.readLoop(data -> {
            bytes[0] += data.length();
            boolean end = data.length() == 0;
            data.release();
            if (end) {
                result.complete(new long[] {bytes[0], c.receiveBufferSize()});
                return c.close().then(v -> io.panamax.reactor.ShardFuture.stop());
            }
            return io.panamax.reactor.ShardFuture.next();
        });
    }

    /** Reads once every {@link #SLOW_READ_INTERVAL_NANOS}, taking all that arrived meanwhile. */
    private static void readSlowly(TcpConnection c, CompletableFuture<long[]> result) {
        long[] bytes = new long[1];
        Runnable[] next = new Runnable[1];
        next[0] = () -> c.read().map(data -> {
            bytes[0] += data.length();
            boolean end = data.length() == 0;
            data.release();
            if (end) {
                result.complete(new long[] {bytes[0], c.receiveBufferSize()});
                c.close();
            } else {
                c.shard().timers().schedule(SLOW_READ_INTERVAL_NANOS, next[0]);
            }
            return null;
        });
        c.shard().timers().schedule(SLOW_READ_INTERVAL_NANOS, next[0]);
    }

    /** The kernel sends {@code megabytes} to {@code port} as fast as the window lets it. */
    private static void send(int port, int megabytes) throws Exception {
        String script = String.join("\n",
                "import socket",
                "s = socket.create_connection(('" + STACK_IP + "', " + port + "))",
                "block = bytes(1 << 20)",
                "for i in range(" + megabytes + "): s.sendall(block)",
                "s.shutdown(socket.SHUT_WR)",
                "s.recv(1)",
                "s.close()",
                "print('ok')");
        NetworkNamespace.Result r = ns.exec(T, "python3", "-c", script);
        assertTrue(r.ok() && r.stdout().contains("ok"), r.stdout() + r.stderr());
    }

    @Test
    void theBufferGrowsForAReaderThatKeepsUpOnlyAndNotWhenTheApplicationSetIt() throws Exception {
        int initial = TcpConfig.defaults().receiveBufferSize();
        send(KEEPS_UP, 512);
        long[] fast = keepsUp.get(T.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(512L << 20, fast[0], "every byte arrived");
        assertTrue(fast[1] > initial && fast[1] <= TcpConfig.defaults().maxReceiveBufferSize(),
                "a reader that keeps up gets a larger buffer than " + initial + ": " + fast[1]);
        assertTrue(stack.reactor().metrics().total("tcp_receive_buffer_growths_total") > 0);

        send(SLOW, 24);
        long[] slowly = slow.get(T.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(24L << 20, slowly[0], "every byte arrived");
        assertEquals(initial, slowly[1], "a reader that takes the whole buffer every 10 ms keeps the default");

        send(SET_BY_APPLICATION, 256);
        long[] set = setByApplication.get(T.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(256L << 20, set[0], "every byte arrived");
        assertEquals(APPLICATION_BUFFER, set[1], "the application's own buffer is not tuned");
    }
}
