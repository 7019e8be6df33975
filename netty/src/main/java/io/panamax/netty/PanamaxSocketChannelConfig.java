package io.panamax.netty;

import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannelConfig;

import java.util.Map;

import static io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE;
import static io.netty.channel.ChannelOption.IP_TOS;
import static io.netty.channel.ChannelOption.SO_KEEPALIVE;
import static io.netty.channel.ChannelOption.SO_LINGER;
import static io.netty.channel.ChannelOption.SO_SNDBUF;
import static io.netty.channel.ChannelOption.TCP_NODELAY;

/**
 * The options of a {@link PanamaxSocketChannel}. Values set before the connection exists are kept
 * and applied when it does (accept or connect); later ones go to the connection at once, on its
 * shard. {@code IP_TOS} and {@code SO_REUSEADDR} are accepted and kept (the stack sets no TOS, and
 * has no TIME-WAIT port conflicts for an active open to bind around). The options both channels
 * have are in {@link PanamaxChannelConfig}.
 */
public final class PanamaxSocketChannelConfig extends PanamaxChannelConfig<PanamaxSocketChannelConfig>
        implements SocketChannelConfig {
    private volatile int sendBufferSize = -1;
    /** Netty's default, as on epoll: no Nagle delay. */
    private volatile boolean tcpNoDelay = true;
    private volatile boolean keepAlive;
    private volatile int soLinger = -1;
    private volatile int trafficClass;
    private volatile boolean allowHalfClosure;

    PanamaxSocketChannelConfig(PanamaxSocketChannel channel) {
        super(channel, false);
        // ByteBufs a handler allocates on its loop are packet buffers, written without a copy.
        super.setAllocator(PanamaxByteBufAllocator.DEFAULT);
    }

    private PanamaxSocketChannel ch() {
        return (PanamaxSocketChannel) channel;
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), SO_SNDBUF, TCP_NODELAY, SO_KEEPALIVE, SO_LINGER, IP_TOS,
                ALLOW_HALF_CLOSURE);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == SO_SNDBUF) {
            return (T) Integer.valueOf(getSendBufferSize());
        }
        if (option == TCP_NODELAY) {
            return (T) Boolean.valueOf(isTcpNoDelay());
        }
        if (option == SO_KEEPALIVE) {
            return (T) Boolean.valueOf(isKeepAlive());
        }
        if (option == SO_LINGER) {
            return (T) Integer.valueOf(getSoLinger());
        }
        if (option == IP_TOS) {
            return (T) Integer.valueOf(getTrafficClass());
        }
        if (option == ALLOW_HALF_CLOSURE) {
            return (T) Boolean.valueOf(isAllowHalfClosure());
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (option == TCP_NODELAY) {
            setTcpNoDelay((Boolean) value);
        } else if (option == SO_KEEPALIVE) {
            setKeepAlive((Boolean) value);
        } else if (option == SO_LINGER) {
            setSoLinger((Integer) value);
        } else if (option == IP_TOS) {
            setTrafficClass((Integer) value);
        } else if (option == ALLOW_HALF_CLOSURE) {
            setAllowHalfClosure((Boolean) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    /** Unset: the connection's own size (the stack's default). */
    @Override
    public int getReceiveBufferSize() {
        int v = receiveBufferSizeSet();
        return v >= 0 ? v : ch().connectionReceiveBufferSize();
    }

    @Override
    public PanamaxSocketChannelConfig setReceiveBufferSize(int receiveBufferSize) {
        super.setReceiveBufferSize(receiveBufferSize);
        ch().applyOptions();
        return this;
    }

    @Override
    public int getSendBufferSize() {
        int v = sendBufferSize;
        return v >= 0 ? v : ch().connectionSendBufferSize();
    }

    @Override
    public PanamaxSocketChannelConfig setSendBufferSize(int sendBufferSize) {
        this.sendBufferSize = sendBufferSize;
        ch().applyOptions();
        return this;
    }

    int sendBufferSizeSet() {
        return sendBufferSize;
    }

    @Override
    public boolean isTcpNoDelay() {
        return tcpNoDelay;
    }

    @Override
    public PanamaxSocketChannelConfig setTcpNoDelay(boolean tcpNoDelay) {
        this.tcpNoDelay = tcpNoDelay;
        ch().applyOptions();
        return this;
    }

    @Override
    public int getSoLinger() {
        return soLinger;
    }

    /** 0: close aborts (RST); any other value: close is graceful (the stack never blocks a close). */
    @Override
    public PanamaxSocketChannelConfig setSoLinger(int soLinger) {
        this.soLinger = soLinger;
        return this;
    }

    @Override
    public boolean isKeepAlive() {
        return keepAlive;
    }

    @Override
    public PanamaxSocketChannelConfig setKeepAlive(boolean keepAlive) {
        this.keepAlive = keepAlive;
        ch().applyOptions();
        return this;
    }

    @Override
    public int getTrafficClass() {
        return trafficClass;
    }

    @Override
    public PanamaxSocketChannelConfig setTrafficClass(int trafficClass) {
        this.trafficClass = trafficClass;
        return this;
    }

    @Override
    public boolean isAllowHalfClosure() {
        return allowHalfClosure;
    }

    @Override
    public PanamaxSocketChannelConfig setAllowHalfClosure(boolean allowHalfClosure) {
        this.allowHalfClosure = allowHalfClosure;
        return this;
    }

    /** Auto-read turned off: the read Netty had asked for is withdrawn, as epoll drops EPOLLIN. */
    @Override
    protected void autoReadCleared() {
        ch().clearReadPending();
    }
}
