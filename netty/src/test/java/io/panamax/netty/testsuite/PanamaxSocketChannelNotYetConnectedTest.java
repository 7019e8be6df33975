package io.panamax.netty.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketChannelNotYetConnectedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Netty's {@code SocketChannelNotYetConnectedTest} on the Panamax transport over TAP (see {@link PanamaxSocketTestPermutation}). */
@ExtendWith(SharedTap.class)
class PanamaxSocketChannelNotYetConnectedTest extends SocketChannelNotYetConnectedTest {
    @Override
    protected List<BootstrapFactory<Bootstrap>> newFactories() {
        return PanamaxSocketTestPermutation.clientSocket();
    }

    @Override
    protected List<io.netty.buffer.ByteBufAllocator> newAllocators() {
        return AllocatorBudget.allocators();
    }

    /** The test binds a kernel server of its own there. */
    @Override
    protected SocketAddress newSocketAddress() {
        return PanamaxSocketTestPermutation.serverAddress();
    }

    /**
     * Netty's test binds its NIO server to the wildcard address and connects to what that server
     * reports as its local address ({@code 0.0.0.0} or {@code ::}), which Linux reads as "this
     * host". The stack is another host than the kernel and has no loopback (see
     * {@link #connectToTheWildcardAddressFailsAtOnce}). The same scenario here, with the server
     * bound to the kernel's address on the TAP link: {@code read()} asked for in
     * {@code handlerAdded}, before the channel is active, stays pending and is served once it is,
     * and the decoder never sees more than the four bytes the server writes.
     */
    @Override
    @Test
    @Timeout(30)
    public void readMustBePendingUntilChannelIsActive(TestInfo info) throws Throwable {
        run(info, bootstrap -> {
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            try {
                Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                        .childHandler(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ctx.writeAndFlush(Unpooled.copyInt(42));
                            }
                        }).bind(SharedTap.HOST_IP, 0).sync().channel();
                CountDownLatch read = new CountDownLatch(1);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Channel client = bootstrap.handler(new ByteToMessageDecoder() {
                    @Override
                    public void handlerAdded(ChannelHandlerContext ctx) {
                        if (ctx.channel().isActive()) {
                            failure.set(new AssertionError("active before connect"));
                        }
                        ctx.read();
                    }

                    @Override
                    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
                        if (in.readableBytes() > Integer.BYTES) {
                            failure.set(new AssertionError("more than the server wrote: " + in.readableBytes()));
                        } else if (in.readableBytes() == Integer.BYTES) {
                            if (in.readInt() != 42) {
                                failure.set(new AssertionError("wrong value"));
                            }
                            read.countDown();
                        }
                    }
                }).connect(server.localAddress()).sync().channel();
                read.await();
                client.close().sync();
                server.close().sync();
                if (failure.get() != null) {
                    throw failure.get();
                }
            } finally {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await();
            }
        });
    }

    /**
     * The transport's answer to the address Netty's own version of the test connects to: the
     * wildcard means "this host" to Linux, which the stack cannot reach (no loopback): the connect
     * fails at once with a {@code ConnectException} that says so, no SYN sent.
     */
    @Test
    @Timeout(30)
    public void connectToTheWildcardAddressFailsAtOnce(TestInfo info) throws Throwable {
        run(info, bootstrap -> {
            for (InetSocketAddress wildcard : List.of(new InetSocketAddress("0.0.0.0", 9), new InetSocketAddress("::", 9))) {
                ChannelFuture f = bootstrap.handler(new ChannelInboundHandlerAdapter()).connect(wildcard).await();
                assertInstanceOf(ConnectException.class, f.cause(), wildcard.toString());
                assertTrue(f.cause().getMessage().contains("unspecified address"), f.cause().getMessage());
                f.channel().closeFuture().await(5, TimeUnit.SECONDS);
                assertFalse(f.channel().isOpen());
            }
        });
    }

    /**
     * A loopback address (127.0.0.1, ::1; Netty's tests connect to {@code NetUtil.LOCALHOST}) is
     * the host's, not the stack's: refused at once, as Linux refuses a loopback port nobody listens
     * on, with a message that says why; no SYN sent.
     */
    @Test
    @Timeout(30)
    public void connectToALoopbackAddressIsRefusedAtOnce(TestInfo info) throws Throwable {
        run(info, bootstrap -> {
            for (InetSocketAddress loopback : List.of(new InetSocketAddress("127.0.0.1", 9), new InetSocketAddress("::1", 9))) {
                ChannelFuture f = bootstrap.handler(new ChannelInboundHandlerAdapter()).connect(loopback).await();
                assertInstanceOf(ConnectException.class, f.cause(), loopback.toString());
                assertTrue(f.cause().getMessage().contains("no loopback"), f.cause().getMessage());
                f.channel().closeFuture().await(5, TimeUnit.SECONDS);
                assertFalse(f.channel().isOpen());
            }
        });
    }
}
