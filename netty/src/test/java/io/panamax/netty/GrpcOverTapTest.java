package io.panamax.netty;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocalThread;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gRPC-java (grpc-netty, HTTP/2 over Netty) on the transport over TAP: a Greeter server on the
 * stack answering a gRPC client of the kernel (unary, and a server-streaming call of 100 MB whose
 * messages are written from gRPC's executor threads, not the shard's), and a gRPC client on the
 * stack calling a Greeter server of the kernel. The service is made without generated code
 * (byte[] messages), the gRPC runtime is the real one.
 */
class GrpcOverTapTest {
    static final int PORT = 50051;
    static final long STREAM_BYTES = 100L << 20;
    static final int CHUNK = 64 * 1024;
    static final byte[] CHUNK_BYTES = new byte[CHUNK];


    static TapStack tap;
    static EventLoopGroup nio;

    @BeforeAll
    static void start() throws Exception {
        new Random(7).nextBytes(CHUNK_BYTES);
        tap = TapStack.start("pmx-grpc", 2);
        nio = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() throws Exception {
        if (nio != null) {
            nio.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (tap != null) {
            String leaks = tap.stop();
            tap = null;
            assertNull(leaks, "every buffer and packet returned");
        }
    }

    /** The hello-world Greeter, plus a stream of 100 MB that honours HTTP/2 flow control (isReady). */
    static ServerServiceDefinition greeter() {
        return Greeter.service(CHUNK_BYTES, STREAM_BYTES);
    }

    static String expectedStreamDigest() throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        for (long n = 0; n < STREAM_BYTES; n += CHUNK) {
            d.update(CHUNK_BYTES);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    static void callGreeter(ManagedChannel ch, boolean stream) throws Exception {
        byte[] reply = ClientCalls.blockingUnaryCall(ch, Greeter.SAY_HELLO, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                "Panamax".getBytes(StandardCharsets.UTF_8));
        assertEquals("Hello Panamax", new String(reply, StandardCharsets.UTF_8));
        if (!stream) {
            return;
        }
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        long total = 0;
        Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(ch, Greeter.DOWNLOAD,
                CallOptions.DEFAULT.withDeadlineAfter(120, TimeUnit.SECONDS), new byte[0]);
        while (it.hasNext()) {
            byte[] m = it.next();
            total += m.length;
            d.update(m);
        }
        assertEquals(STREAM_BYTES, total);
        assertEquals(expectedStreamDigest(), HexFormat.of().formatHex(d.digest()));
    }

    @Test
    void greeterOnTheStackAnswersAKernelClient() throws Exception {
        // The transport line: channel type, boss and worker groups.
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(TapStack.STACK_IP, PORT))
                .channelType(PanamaxServerSocketChannel.class)
                .bossEventLoopGroup(tap.group).workerEventLoopGroup(tap.group)
                .addService(greeter()).build().start();
        ManagedChannel ch = NettyChannelBuilder.forAddress(TapStack.STACK_IP, PORT).usePlaintext()
                .eventLoopGroup(nio)
                .channelFactory((ChannelFactory<Channel>) () -> inside(NioSocketChannel::new))
                .build();
        try {
            callGreeter(ch, true);
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void clientOnTheStackCallsAKernelServer() throws Exception {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(TapStack.HOST_IP, PORT + 1))
                .channelFactory((ChannelFactory<ServerChannel>) () -> inside(NioServerSocketChannel::new))
                .bossEventLoopGroup(nio).workerEventLoopGroup(nio)
                .addService(greeter()).build().start();
        // The transport line of a client: group and channel type.
        ManagedChannel ch = NettyChannelBuilder.forAddress(TapStack.HOST_IP, PORT + 1).usePlaintext()
                .eventLoopGroup(tap.group).channelType(PanamaxSocketChannel.class)
                .build();
        try {
            callGreeter(ch, false);
            for (int i = 0; i < 100; i++) {
                byte[] reply = ClientCalls.blockingUnaryCall(ch, Greeter.SAY_HELLO, CallOptions.DEFAULT, ("n" + i).getBytes(StandardCharsets.UTF_8));
                assertEquals("Hello n" + i, new String(reply, StandardCharsets.UTF_8));
            }
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * On shard threads started with {@link PanamaxEventLoopGroup#SHARD_THREADS} (as {@link TapStack}
     * starts them) Netty keeps its per-thread pools, as on its own event-loop threads: a pooled
     * allocator made after the loops started (gRPC makes its own) gives the shard a thread cache,
     * and a released {@code ByteBuf}'s object is handed out again by the next allocation. Without
     * it Netty's {@code Recycler} makes a new object every time on a shard thread and the
     * allocator takes every buffer from its shared arena.
     */
    @Test
    void nettyKeepsItsPerThreadPoolsOnTheShards() throws Exception {
        PooledByteBufAllocator grpcLike = new PooledByteBufAllocator(true);
        for (EventExecutor loop : tap.group) {
            boolean[] seen = loop.submit(() -> {
                ByteBuf first = grpcLike.directBuffer(64);
                first.release();
                ByteBuf second = grpcLike.directBuffer(64);
                boolean recycled = second == first;
                second.release();
                return new boolean[] {FastThreadLocalThread.currentThreadHasFastThreadLocal(), recycled};
            }).get(10, TimeUnit.SECONDS);
            assertTrue(seen[0], "the shard thread runs with Netty's fast thread-locals");
            assertTrue(seen[1], "the released ByteBuf object is recycled on the shard");
        }
        assertEquals(tap.group.executorCount(), grpcLike.metric().numThreadLocalCaches(), "one thread cache per shard");
    }

    static <T> T inside(java.util.concurrent.Callable<T> open) {
        try {
            return tap.inside(open);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
