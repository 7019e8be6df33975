package io.panamax.netty;

import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ServerSocketChannelConfig;

import java.util.Map;

import static io.netty.channel.ChannelOption.SO_BACKLOG;

/**
 * The options of a {@link PanamaxServerSocketChannel}. {@code SO_BACKLOG} is each shard's backlog
 * (0 or unset: the stack's configured one); {@code SO_RCVBUF} is given to every accepted
 * connection; {@code SO_REUSEADDR} is accepted (the stack's listeners never wait for TIME-WAIT).
 * The options both channels have are in {@link PanamaxChannelConfig}.
 */
public final class PanamaxServerSocketChannelConfig extends PanamaxChannelConfig<PanamaxServerSocketChannelConfig>
        implements ServerSocketChannelConfig {
    private volatile int backlog;

    PanamaxServerSocketChannelConfig(PanamaxServerSocketChannel channel) {
        super(channel, true);
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), SO_BACKLOG);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == SO_BACKLOG) {
            return (T) Integer.valueOf(getBacklog());
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        if (option == SO_BACKLOG) {
            validate(option, value);
            setBacklog((Integer) value);
            return true;
        }
        return super.setOption(option, value);
    }

    @Override
    public int getBacklog() {
        return backlog;
    }

    @Override
    public PanamaxServerSocketChannelConfig setBacklog(int backlog) {
        if (backlog < 0) {
            throw new IllegalArgumentException("backlog: " + backlog);
        }
        this.backlog = backlog;
        return this;
    }
}
