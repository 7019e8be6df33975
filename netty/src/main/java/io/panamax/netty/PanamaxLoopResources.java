package io.panamax.netty;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

import java.time.Duration;

/**
 * Reactor Netty's loop resources on a {@link PanamaxEventLoopGroup}: servers, their selectors and
 * clients all run on the shards, and TCP channels are this transport's.
 *
 * <pre>{@code
 * HttpServer.create().runOn(new PanamaxLoopResources(group)).port(8080).handle(...).bindNow();
 * }</pre>
 *
 * Datagram channels (UDP, and so Reactor Netty's own DNS resolver) are not offered: clients give
 * IP addresses, or a resolver that needs no channel (see docs/netty.md).
 */
public final class PanamaxLoopResources implements LoopResources {
    private final PanamaxEventLoopGroup group;

    public PanamaxLoopResources(PanamaxEventLoopGroup group) {
        this.group = group;
    }

    @Override
    public EventLoopGroup onServer(boolean useNative) {
        return group;
    }

    @Override
    public EventLoopGroup onServerSelect(boolean useNative) {
        return group;
    }

    @Override
    public EventLoopGroup onClient(boolean useNative) {
        return group;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <CHANNEL extends Channel> CHANNEL onChannel(Class<CHANNEL> channelType, EventLoopGroup g) {
        if (channelType == ServerSocketChannel.class) {
            return (CHANNEL) new PanamaxServerSocketChannel();
        }
        if (channelType == SocketChannel.class) {
            return (CHANNEL) new PanamaxSocketChannel();
        }
        throw unsupported(channelType);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <CHANNEL extends Channel> Class<? extends CHANNEL> onChannelClass(Class<CHANNEL> channelType, EventLoopGroup g) {
        if (channelType == ServerSocketChannel.class) {
            return (Class<? extends CHANNEL>) PanamaxServerSocketChannel.class;
        }
        if (channelType == SocketChannel.class) {
            return (Class<? extends CHANNEL>) PanamaxSocketChannel.class;
        }
        throw unsupported(channelType);
    }

    private static UnsupportedOperationException unsupported(Class<?> channelType) {
        return new UnsupportedOperationException("the Panamax transport offers TCP channels only, not "
                + channelType.getName());
    }

    /** The group belongs to the application (as its stack does): disposing these resources leaves it running. */
    @Override
    public Mono<Void> disposeLater(Duration quietPeriod, Duration timeout) {
        return Mono.empty();
    }

    @Override
    public boolean isDisposed() {
        return false;
    }
}
