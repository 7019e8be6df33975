package io.panamax.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.stack.Stack;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Netty's event-loop group over a running {@link Stack}: one {@link PanamaxEventLoop} per shard,
 * run by the shard's own thread. It starts no thread.
 *
 * <pre>{@code
 * EventLoopGroup group = new PanamaxEventLoopGroup(stack);
 * new ServerBootstrap().group(group).channel(PanamaxServerSocketChannel.class)...
 * }</pre>
 *
 * <p>{@link #next()} called on a shard's thread gives that shard's loop (a client connect made from
 * a loop stays on its shard); elsewhere it goes round the shards. An accepted channel is registered
 * on the loop of the shard that owns its connection, whatever {@code next()} would say.
 *
 * <p>Shutting the group down ends its loops and closes their channels; the stack keeps running
 * (it belongs to the application, which closes it after the group).
 */
public final class PanamaxEventLoopGroup extends MultiThreadIoEventLoopGroup {
    /** The thread source Netty asks for: never used, the loops run on the shards. */
    private static final Executor NO_THREADS = command -> {
        throw new RejectedExecutionException("Panamax event loops run on the stack's shard threads");
    };

    /**
     * The stack's reactor settings for Netty on its shards: {@code Stack.builder().reactorSettings(SHARD_THREADS)}
     * (or {@code .reactorSettings(r -> SHARD_THREADS.accept(r.pinThreads(false)))} with settings of
     * your own). Each shard thread then runs its loop inside Netty's
     * {@code FastThreadLocalThread.runWithFastThreadLocal}, which tells Netty that the thread will
     * clean up its thread-locals. Without it Netty 4.2 treats a shard thread as any foreign
     * thread: its {@code Recycler} pools nothing there (every {@code ChannelOutboundBuffer} entry,
     * pooled {@code ByteBuf} object and slice is a new object) and {@code PooledByteBufAllocator}s
     * created after the loop started (gRPC's own) take no thread cache there, so each allocation
     * and release goes to a shared arena under its lock. Measured with the benchmark's gRPC Greeter
     * (JFR allocation samples of the shard thread): 22 % of its allocated bytes were such objects.
     */
    public static final Consumer<Reactor.Builder> SHARD_THREADS =
            r -> r.shardThreadBody(loop -> () -> FastThreadLocalThread.runWithFastThreadLocal(loop));

    private final Stack stack;
    private final PanamaxEventLoop[] loops;

    public PanamaxEventLoopGroup(Stack stack) {
        super(stack.shardCount(), NO_THREADS, PanamaxEventLoopGroup::noFactory, new Creation(stack));
        this.stack = stack;
        this.loops = new PanamaxEventLoop[stack.shardCount()];
        int i = 0;
        for (var e : this) {
            loops[i++] = (PanamaxEventLoop) e;
        }
    }

    /** Netty's constructor wants a factory; the loops make their handlers themselves. */
    private static io.netty.channel.IoHandler noFactory(io.netty.util.concurrent.ThreadAwareExecutor e) {
        throw new UnsupportedOperationException("PanamaxEventLoop creates its own PanamaxIoHandler");
    }

    /** Hands each new child its shard, in order (Netty creates children inside super's constructor). */
    private static final class Creation {
        final Stack stack;
        int next;

        Creation(Stack stack) {
            this.stack = stack;
        }
    }

    @Override
    protected IoEventLoop newChild(Executor executor, IoHandlerFactory ioHandlerFactory, Object... args) {
        Creation c = (Creation) args[0];
        return new PanamaxEventLoop(this, c.stack.shard(c.next++));
    }

    public Stack stack() {
        return stack;
    }

    /** The loop on shard {@code i}. */
    public PanamaxEventLoop loop(int i) {
        return loops[i];
    }

    @Override
    public IoEventLoop next() {
        Shard s = Shard.current();
        if (s != null && s.reactor() == stack.reactor()) {
            return loops[s.id()];
        }
        return super.next();
    }

    /** A channel bound to a shard (an accepted connection) is registered on that shard's loop. */
    @Override
    public ChannelFuture register(Channel channel) {
        if (channel instanceof PanamaxSocketChannel c && c.homeShard() >= 0) {
            return loops[c.homeShard()].register(channel);
        }
        return next().register(channel);
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
        if (promise.channel() instanceof PanamaxSocketChannel c && c.homeShard() >= 0) {
            return loops[c.homeShard()].register(promise);
        }
        return next().register(promise);
    }
}
