package io.panamax.netty.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.panamax.netty.PanamaxServerSocketChannel;
import io.panamax.netty.PanamaxSocketChannel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The bootstraps Netty's socket test suite runs with, as the epoll module's permutation class
 * gives its own: every combination has the Panamax transport on one side, over TAP, and NIO
 * sockets of the kernel on the other, opened inside the test's namespace (the stack cannot
 * reach itself: its own address is not routed back to it by the kernel).
 *
 * <ul>
 *   <li>server on Panamax ({@code 10.7.0.2}) answering an NIO client in the namespace;
 *   <li>server on NIO in the namespace ({@code 10.7.0.1}) answering a Panamax client.
 * </ul>
 * Netty's tests bind their server to {@code NetUtil.LOCALHOST}, which the stack does not have: the
 * server bootstraps given here bind the address of their own side instead ({@link SideAddressed}),
 * so that a test class needs no address override. The few tests that ask for an address
 * themselves ({@code newSocketAddress()} in their own code) take {@link #serverAddress()}.
 */
public final class PanamaxSocketTestPermutation {
    static final EventLoopGroup NIO_GROUP = new MultiThreadIoEventLoopGroup(2,
            new DefaultThreadFactory("testsuite-nio", true), NioIoHandler.newFactory());

    /** The server side of the combination being run: its address is what the test binds. */
    private static volatile String serverIp = SharedTap.STACK_IP;

    private PanamaxSocketTestPermutation() {
    }

    static SocketAddress serverAddress() {
        return new InetSocketAddress(serverIp, 0);
    }

    /** The address of the other side than the server: where the client of the combination binds. */
    static SocketAddress clientAddress() {
        return new InetSocketAddress(SharedTap.STACK_IP.equals(serverIp) ? SharedTap.HOST_IP : SharedTap.STACK_IP, 0);
    }

    static List<BootstrapFactory<ServerBootstrap>> serverSocket() {
        return List.of(PanamaxSocketTestPermutation::panamaxServer);
    }

    static List<BootstrapFactory<Bootstrap>> clientSocket() {
        return List.of(PanamaxSocketTestPermutation::panamaxClient);
    }

    static List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> socket() {
        return List.of(
                combo(PanamaxSocketTestPermutation::panamaxServer, PanamaxSocketTestPermutation::kernelClient),
                combo(PanamaxSocketTestPermutation::kernelServer, PanamaxSocketTestPermutation::panamaxClient));
    }

    private static BootstrapComboFactory<ServerBootstrap, Bootstrap> combo(BootstrapFactory<ServerBootstrap> s,
                                                                           BootstrapFactory<Bootstrap> c) {
        return new BootstrapComboFactory<>() {
            @Override
            public ServerBootstrap newServerInstance() {
                return s.newInstance();
            }

            @Override
            public Bootstrap newClientInstance() {
                return c.newInstance();
            }
        };
    }

    static ServerBootstrap panamaxServer() {
        serverIp = SharedTap.STACK_IP;
        var g = SharedTap.get().group();
        return new SideAddressed(SharedTap.STACK_IP).group(g).channel(PanamaxServerSocketChannel.class);
    }

    static Bootstrap panamaxClient() {
        serverIp = SharedTap.HOST_IP; // the peer of a Panamax client is a kernel server
        return new Bootstrap().group(SharedTap.get().group()).channel(PanamaxSocketChannel.class);
    }

    static ServerBootstrap kernelServer() {
        serverIp = SharedTap.HOST_IP;
        return new SideAddressed(SharedTap.HOST_IP).group(NIO_GROUP)
                .channelFactory((ChannelFactory<ServerChannel>) () -> inside(NioServerSocketChannel::new));
    }

    static Bootstrap kernelClient() {
        return new Bootstrap().group(NIO_GROUP).channelFactory((ChannelFactory<Channel>) () -> inside(NioSocketChannel::new));
    }

    /** Opens a kernel socket inside the test's namespace. */
    static <T> T inside(Callable<T> open) {
        try {
            return SharedTap.get().ns().callInside(open);
        } catch (Exception e) {
            throw new IllegalStateException("could not open a socket in the test namespace", e);
        }
    }

    /**
     * A server bootstrap that binds its side's address where a test gives the loopback one (the
     * suite's {@code AbstractSocketTest.configure} does): the stack has no loopback address, and a
     * kernel server must be on the TAP link to be reached by the stack.
     */
    static final class SideAddressed extends ServerBootstrap {
        private final String ip;

        SideAddressed(String ip) {
            this.ip = ip;
        }

        @Override
        public ServerBootstrap localAddress(SocketAddress address) {
            return super.localAddress(side(address));
        }

        /** Some tests bind the loopback address directly ({@code sb.bind(NetUtil.LOCALHOST, 0)}). */
        @Override
        public ChannelFuture bind(InetAddress address, int port) {
            return bind(new InetSocketAddress(address, port));
        }

        @Override
        public ChannelFuture bind(SocketAddress address) {
            return super.bind(side(address));
        }

        private SocketAddress side(SocketAddress address) {
            if (address instanceof InetSocketAddress a && a.getAddress() != null && a.getAddress().isLoopbackAddress()) {
                return new InetSocketAddress(ip, a.getPort());
            }
            return address;
        }
    }
}
