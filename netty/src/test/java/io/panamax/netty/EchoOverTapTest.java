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
import org.junit.jupiter.api.BeforeAll;
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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transport against the Linux kernel over TAP: a Netty echo server on the stack answering JDK
 * sockets of the kernel, and a Netty client on the stack against a kernel server; bytes checked
 * by SHA-256, channels checked to run on the shard that owns their connection.
 */
class EchoOverTapTest {
    static final int PORT = 7007;
    static final int BYTES = 4 << 20;

    static TapStack tap;
    static Channel server;
    /** Each accepted child: the shard whose thread ran its channelActive. */
    static final ConcurrentHashMap<String, Integer> childShards = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        tap = TapStack.start("pmx-netty", 2);
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
    }

    @AfterAll
    static void stop() throws Exception {
        if (tap != null) {
            if (server != null) {
                server.close().sync();
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
        Socket s = tap.inside(() -> new Socket(TapStack.STACK_IP, PORT));
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
