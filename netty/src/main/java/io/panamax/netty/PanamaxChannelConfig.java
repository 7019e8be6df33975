package io.panamax.netty;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;

import java.util.Map;

import static io.netty.channel.ChannelOption.SO_RCVBUF;
import static io.netty.channel.ChannelOption.SO_REUSEADDR;

/**
 * What the configs of both channels share: {@code SO_RCVBUF} and {@code SO_REUSEADDR} (kept; the
 * stack's ports never wait for TIME-WAIT), and Netty's own options, each setter answering with
 * the channel's own config type ({@code C}) as {@code SocketChannelConfig} and
 * {@code ServerSocketChannelConfig} declare.
 *
 * @param <C> the concrete config
 */
public abstract sealed class PanamaxChannelConfig<C extends PanamaxChannelConfig<C>> extends DefaultChannelConfig
        permits PanamaxSocketChannelConfig, PanamaxServerSocketChannelConfig {
    /** Unset (-1): the stack's default size stays. */
    private volatile int receiveBufferSize = -1;
    private volatile boolean reuseAddress;

    PanamaxChannelConfig(Channel channel, boolean reuseAddress) {
        super(channel);
        this.reuseAddress = reuseAddress;
    }

    @SuppressWarnings("unchecked")
    final C self() {
        return (C) this;
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), SO_RCVBUF, SO_REUSEADDR);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        if (option == SO_REUSEADDR) {
            return (T) Boolean.valueOf(isReuseAddress());
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == SO_REUSEADDR) {
            setReuseAddress((Boolean) value);
        } else {
            return super.setOption(option, value); // false for options this transport does not know
        }
        return true;
    }

    /** The value set, -1 if none. */
    int receiveBufferSizeSet() {
        return receiveBufferSize;
    }

    public int getReceiveBufferSize() {
        return receiveBufferSize;
    }

    public C setReceiveBufferSize(int receiveBufferSize) {
        this.receiveBufferSize = receiveBufferSize;
        return self();
    }

    public boolean isReuseAddress() {
        return reuseAddress;
    }

    public C setReuseAddress(boolean reuseAddress) {
        this.reuseAddress = reuseAddress;
        return self();
    }

    /** Accepted and ignored, as by the JDK's sockets. */
    public C setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        return self();
    }

    @Override
    public C setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return self();
    }

    @Override
    @Deprecated
    public C setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return self();
    }

    @Override
    public C setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return self();
    }

    @Override
    public C setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return self();
    }

    @Override
    public C setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return self();
    }

    @Override
    public C setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return self();
    }

    @Override
    public C setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return self();
    }

    @Override
    public C setWriteBufferHighWaterMark(int writeBufferHighWaterMark) {
        super.setWriteBufferHighWaterMark(writeBufferHighWaterMark);
        return self();
    }

    @Override
    public C setWriteBufferLowWaterMark(int writeBufferLowWaterMark) {
        super.setWriteBufferLowWaterMark(writeBufferLowWaterMark);
        return self();
    }

    @Override
    public C setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return self();
    }

    @Override
    public C setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return self();
    }
}
