package io.panamax.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.vertx.core.transport.Transport;

import java.util.concurrent.ThreadFactory;

/**
 * Vert.x 5's transport on a {@link PanamaxEventLoopGroup}: Vert.x's event loops (and its acceptor
 * loop) are the stack's shards, its TCP channels this transport's.
 *
 * <pre>{@code
 * Vertx vertx = Vertx.builder().withTransport(new PanamaxVertxTransport(group)).build();
 * vertx.deployVerticle(MyHttpVerticle::new, new DeploymentOptions().setInstances(stack.shardCount()));
 * }</pre>
 *
 * <p>The transport Vert.x's builder takes ({@code io.vertx.core.transport.Transport}) names its
 * implementation, Vert.x's service-provider interface {@code io.vertx.core.spi.transport.Transport}:
 * that is where the groups and channels come from. Vert.x asks its transport for two groups (event loops, acceptor) and would make them with
 * its own threads from {@code ioHandlerFactory()}; here both are the one group, whose loops run
 * on the shards, so the thread count and thread factory Vert.x passes are not used. Vert.x binds
 * each context to {@code group.next()}, and its server hands an accepted connection to a handler
 * of the loop the connection is registered on, which is the shard that accepted it: deploy a
 * server verticle with as many instances as there are shards, from a thread that is not a shard
 * (there {@code next()} goes round the shards), so that every shard has one. Vert.x closes the
 * group when it closes; the stack stays the application's.
 *
 * <p>Not offered: domain sockets, and datagram channels (UDP; so also Vert.x's own DNS resolver:
 * give IP addresses, or run with {@code -Dvertx.disableDnsResolver=true} for the JDK's).
 */
public final class PanamaxVertxTransport implements Transport {
    private final PanamaxEventLoopGroup group;
    private final Spi spi;

    public PanamaxVertxTransport(PanamaxEventLoopGroup group) {
        this.group = group;
        this.spi = new Spi(group);
    }

    public PanamaxEventLoopGroup group() {
        return group;
    }

    @Override
    public String name() {
        return "panamax";
    }

    @Override
    public boolean available() {
        return true;
    }

    @Override
    public Throwable unavailabilityCause() {
        return null;
    }

    @Override
    public io.vertx.core.spi.transport.Transport implementation() {
        return spi;
    }

    private static final class Spi implements io.vertx.core.spi.transport.Transport {
        private final PanamaxEventLoopGroup group;

        Spi(PanamaxEventLoopGroup group) {
            this.group = group;
        }

        /** Never used: the loops are not Netty's thread-owning ones (see {@link #eventLoopGroup}). */
        @Override
        public IoHandlerFactory ioHandlerFactory() {
            throw new UnsupportedOperationException("Panamax event loops run on the stack's shards: use eventLoopGroup(...)");
        }

        /** Both the event-loop and the acceptor group are the shards' group; Vert.x's thread settings do not apply. */
        @Override
        public EventLoopGroup eventLoopGroup(int type, int nThreads, ThreadFactory threadFactory, int ioRatio) {
            return group;
        }

        @Override
        public boolean supportsDomainSockets() {
            return false;
        }

        @Override
        public boolean supportFileRegion() {
            return true; // copied into packet buffers, as any other message
        }

        @Override
        public DatagramChannel datagramChannel() {
            throw new UnsupportedOperationException("UDP is not offered by the Panamax Netty transport");
        }

        @Override
        public DatagramChannel datagramChannel(InternetProtocolFamily family) {
            return datagramChannel();
        }

        @Override
        public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
            noDomainSockets(domainSocket);
            return PanamaxSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
            noDomainSockets(domainSocket);
            return PanamaxServerSocketChannel::new;
        }

        private static void noDomainSockets(boolean domainSocket) {
            if (domainSocket) {
                throw new IllegalArgumentException("domain sockets are not offered by the Panamax Netty transport");
            }
        }
    }
}
