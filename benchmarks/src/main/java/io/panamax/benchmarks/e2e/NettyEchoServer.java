package io.panamax.benchmarks.e2e;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The kernel-stack peer of the echo benchmarks: Netty 4.1 on its native epoll transport, serving
 * the same services as the Panamax sample it is compared with.
 * <ul>
 *   <li>TCP echo (RFC 862) on {@code --echo-port} (default 7): every byte back;</li>
 *   <li>HTTP/1.1 echo on {@code --http-port} (default 8080): {@code 200 OK}, {@code text/plain},
 *       the body is the request as received: request-line, header fields, blank line, content.
 *       Keep-alive as HTTP/1.1 says.</li>
 * </ul>
 * {@code --threads N} event-loop threads (default 1, as one Panamax shard); the accepting loop is
 * the same group. Prints {@code ready} when listening; runs until killed.
 *
 * <pre>
 *   ip netns exec NS java -cp benchmarks.jar io.panamax.benchmarks.e2e.NettyEchoServer --threads 1
 * </pre>
 */
public final class NettyEchoServer {
    private NettyEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        int threads = 1;
        int echoPort = 7;
        int httpPort = 8080;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--echo-port" -> echoPort = Integer.parseInt(args[++i]);
                case "--http-port" -> httpPort = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (usage: [--threads N] [--echo-port P] [--http-port P])");
            }
        }
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("Netty's epoll transport is not available", Epoll.unavailabilityCause());
        }
        EpollEventLoopGroup group = new EpollEventLoopGroup(threads);
        try {
            Channel echo = bind(group, echoPort, new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new TcpEcho());
                }
            });
            Channel http = bind(group, httpPort, new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new HttpEcho());
                }
            });
            System.out.println("ready");
            System.out.flush();
            echo.closeFuture().sync();
            http.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    private static Channel bind(EpollEventLoopGroup group, int port, ChannelHandler init) throws InterruptedException {
        return new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(init).bind(port).sync().channel();
    }

    /** Every byte back. */
    @ChannelHandler.Sharable
    static final class TcpEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The request, as text, in the body of a 200. */
    static final class HttpEcho extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            ByteBuf body = ctx.alloc().buffer(256 + req.content().readableBytes());
            body.writeCharSequence(req.method().name(), StandardCharsets.US_ASCII);
            body.writeByte(' ');
            body.writeCharSequence(req.uri(), StandardCharsets.US_ASCII);
            body.writeByte(' ');
            body.writeCharSequence(req.protocolVersion().text(), StandardCharsets.US_ASCII);
            body.writeByte('\r').writeByte('\n');
            for (Map.Entry<String, String> h : req.headers()) {
                body.writeCharSequence(h.getKey(), StandardCharsets.US_ASCII);
                body.writeByte(':').writeByte(' ');
                body.writeCharSequence(h.getValue(), StandardCharsets.US_ASCII);
                body.writeByte('\r').writeByte('\n');
            }
            body.writeByte('\r').writeByte('\n');
            body.writeBytes(req.content(), req.content().readerIndex(), req.content().readableBytes());
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (keepAlive && req.protocolVersion() == HttpVersion.HTTP_1_0) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            var f = ctx.writeAndFlush(res);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
