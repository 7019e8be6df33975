package io.panamax.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transport against the Linux kernel: a Netty echo server on the stack answering JDK sockets of
 * the kernel, and a Netty client on the stack against a kernel server; bytes checked by SHA-256,
 * channels checked to run on the shard that owns their connection. Each subclass puts the stack on
 * one NIC in its own {@code @BeforeAll} ({@link EchoOverTapTest}, {@link EchoOverAfXdpTest}).
 *
 * <p>The set-up is not a static method here that a subclass hides: JUnit 5.11 runs a superclass's
 * static {@code @BeforeAll} even when a subclass declares one of the same name, and a second stack
 * started that way was never stopped (its namespace outlived the test run).
 */
abstract class EchoTests {
    static final int PORT = 7007;
    /** The echo that answers with ByteBufs of the transport's allocator (packet buffers). */
    static final int ZERO_COPY_PORT = 7008;
    static final int BYTES = 4 << 20;

    static TapStack tap;
    static Channel server;
    static Channel zeroCopyServer;
    /** Writes (and releases) from a thread that is no shard's, as gRPC's executors do. */
    static ExecutorService foreign;
    /** Answers whose ByteBuf was a packet buffer when the handler allocated it. */
    static final AtomicLong packetBacked = new AtomicLong();
    /** Each accepted child: the shard whose thread ran its channelActive. */
    static final ConcurrentHashMap<String, Integer> childShards = new ConcurrentHashMap<>();

    /** The echo servers on {@code stack}: each subclass's {@code @BeforeAll} calls this once. */
    static void startOn(TapStack stack) throws Exception {
        if (tap != null) {
            TapStack running = tap;
            stack.stop();
            throw new IllegalStateException("a stack from an earlier set-up is still running in " + running.ns.name()
                    + ": two set-ups ran for one test class");
        }
        tap = stack;
        packetBacked.set(0);
        childShards.clear();
        server = new ServerBootstrap().group(tap.group).channel(PanamaxServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                PanamaxEventLoop loop = (PanamaxEventLoop) ctx.channel().eventLoop();
                                assertTrue(loop.inEventLoop(), "channelActive on the channel's loop");
                                childShards.put(ctx.channel().remoteAddress().toString(), loop.shard().id());
                            }

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ctx.write(msg);
                            }

                            @Override
                            public void channelReadComplete(ChannelHandlerContext ctx) {
                                ctx.flush();
                            }
                        });
                    }
                }).bind(PORT).sync().channel();
        foreign = Executors.newSingleThreadExecutor();
        zeroCopyServer = new ServerBootstrap().group(tap.group).channel(PanamaxServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            /** Every other connection answers from the foreign thread (in order: one thread). */
                            final boolean fromForeignThread = (ch.remoteAddress().getPort() & 1) == 1;

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf in = (ByteBuf) msg;
                                // The answer is a new buffer from the channel's allocator, on the loop:
                                // a packet buffer while it fits one, else (a larger read) grown into
                                // ordinary memory and copied when written.
                                ByteBuf out = ctx.alloc().directBuffer(Math.min(in.readableBytes(), 512));
                                if (out instanceof PacketByteBuf && (packetBacked.incrementAndGet() & 15) == 0) {
                                    out.capacity(4096); // grown past its packet buffer: copied when written
                                }
                                out.writeBytes(in);
                                if (fromForeignThread) {
                                    foreign.execute(() -> {
                                        in.release(); // a received buffer released off its shard
                                        ctx.writeAndFlush(out);
                                    });
                                } else {
                                    in.release();
                                    ctx.writeAndFlush(out);
                                }
                            }
                        });
                    }
                }).bind(ZERO_COPY_PORT).sync().channel();
    }

    @AfterAll
    static void stop() throws Exception {
        if (tap != null) {
            if (server != null) {
                server.close().sync();
            }
            if (zeroCopyServer != null) {
                zeroCopyServer.close().sync();
            }
            if (foreign != null) {
                foreign.shutdown();
            }
            String leaks = tap.stop();
            tap = null;
            assertNull(leaks, "every buffer and packet returned");
        }
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** Sends {@code data} on a kernel socket and reads the echo back on another thread. */
    static byte[] echoThroughKernelSocket(byte[] data) throws Exception {
        return echoThroughKernelSocket(data, PORT);
    }

    static byte[] echoThroughKernelSocket(byte[] data, int port) throws Exception {
        Socket s = tap.inside(() -> new Socket(TapStack.STACK_IP, port));
        try (s) {
            s.setSoTimeout(30_000);
            CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                try {
                    InputStream in = s.getInputStream();
                    return in.readNBytes(data.length);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            OutputStream out = s.getOutputStream();
            out.write(data);
            out.flush();
            return back.get(60, TimeUnit.SECONDS);
        }
    }

    /**
     * gRPC's server keeps a keep-alive task two hours ahead on each connection's loop. A loop with
     * such a task must still let its idle shard sleep in ppoll for its longest wait (10 ms), not
     * poll every 100 µs as for a task due soon.
     */
    @Test
    void aTaskScheduledFarAheadLetsTheIdleShardSleep() throws Exception {
        var far = new java.util.ArrayList<io.netty.util.concurrent.ScheduledFuture<?>>();
        for (int i = 0; i < tap.stack.shardCount(); i++) {
            far.add(tap.group.loop(i).schedule(() -> { }, 2, TimeUnit.HOURS));
        }
        try {
            Thread.sleep(100); // past the shards' last work
            // Shard 0 polls the device's queue and sleeps in ppoll on its descriptor (the TAP
            // queue, or the AF_XDP socket on net_af_xdp); shard 1 has no device to watch: it
            // parks blind, 100 µs at most, whatever its loop holds.
            long before = parks(0);
            Thread.sleep(1000);
            long parks = parks(0) - before;
            // 10 ms waits: at most ~100 a second (74 measured); 100 µs polls: 5,334 measured.
            assertTrue(parks < 500, "the idle shard parked " + parks + " times in 1 s with a task 2 h ahead");
        } finally {
            far.forEach(f -> f.cancel(false));
        }
    }

    /** Times shard {@code i} parked (slept for lack of work) so far. */
    private static long parks(int i) {
        return tap.stack.shard(i).shard().metrics().all().stream().filter(m -> m.key().equals("reactor_parks_total"))
                .mapToLong(m -> m.value()).sum();
    }

    @Test
    void nettyEchoServerAnswersKernelClients() throws Exception {
        byte[] data = randomBytes(BYTES, 1);
        byte[] back = echoThroughKernelSocket(data);
        assertEquals(data.length, back.length);
        assertEquals(sha256(data), sha256(back));
        // More connections: flows spread over both shards, each served on its own.
        for (int i = 0; i < 8; i++) {
            byte[] small = randomBytes(64 * 1024 + i, 100 + i);
            assertEquals(sha256(small), sha256(echoThroughKernelSocket(small)));
        }
        assertTrue(childShards.containsValue(0) && childShards.containsValue(1),
                "children were served on both shards: " + childShards);
    }

    /**
     * The outbound zero-copy path: answers in ByteBufs of the transport's allocator, written on the
     * loop and from a foreign thread, reach the kernel intact (SHA-256); the transport counted them
     * as written without a copy; the leak check at the end finds every packet buffer back.
     */
    @Test
    void byteBufsOfTheTransportsAllocatorAreSentWithoutACopy() throws Exception {
        long zeroCopyBefore = zeroCopyWrites();
        for (int i = 0; i < 4; i++) {
            byte[] data = randomBytes(1 << 20, 300 + i);
            assertEquals(sha256(data), sha256(echoThroughKernelSocket(data, ZERO_COPY_PORT)), "connection " + i);
        }
        assertTrue(packetBacked.get() > 0, "the allocator gave packet buffers on the loop");
        assertTrue(zeroCopyWrites() - zeroCopyBefore > 0, "the transport wrote them without a copy");
    }

    /** The zero-copy writes counted on every loop of the group, read on each loop's own thread. */
    static long zeroCopyWrites() throws Exception {
        long n = 0;
        for (var e : tap.group) {
            PanamaxEventLoop loop = (PanamaxEventLoop) e;
            n += loop.submit(() -> loop.counters().zeroCopyWrites.get()).get(10, TimeUnit.SECONDS);
        }
        return n;
    }

    @Test
    void nettyClientOnTheStackTalksToAKernelServer() throws Exception {
        ServerSocket kernel = tap.inside(() -> new ServerSocket(0, 50,
                java.net.InetAddress.getByName(TapStack.HOST_IP)));
        try (kernel) {
            byte[] data = randomBytes(BYTES, 2);
            CompletableFuture<String> kernelSide = CompletableFuture.supplyAsync(() -> {
                try (Socket s = kernel.accept()) {
                    // An echo that reads everything, then answers with its digest and closes.
                    byte[] got = s.getInputStream().readNBytes(data.length);
                    s.getOutputStream().write(got);
                    s.shutdownOutput();
                    return sha256(got);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            CompletableFuture<Integer> done = new CompletableFuture<>();
            int[] count = new int[1];
            Channel ch = new Bootstrap().group(tap.group).channel(PanamaxSocketChannel.class)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, false)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf b = (ByteBuf) msg;
                            count[0] += b.readableBytes();
                            received.update(b.nioBuffer());
                            b.release();
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            done.complete(count[0]);
                        }
                    })
                    .connect(new InetSocketAddress(TapStack.HOST_IP, kernel.getLocalPort())).sync().channel();
            ch.writeAndFlush(Unpooled.wrappedBuffer(data)).sync();
            assertEquals(data.length, done.get(60, TimeUnit.SECONDS));
            assertEquals(sha256(data), kernelSide.get(60, TimeUnit.SECONDS));
            assertEquals(sha256(data), HexFormat.of().formatHex(received.digest()));
        }
    }
}
