package io.panamax.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.concurrent.DefaultPromise;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import io.panamax.reactor.Poller;
import io.panamax.reactor.Shard;
import io.panamax.reactor.metrics.Counter;
import io.panamax.stack.ShardStack;
import org.jctools.queues.MpscUnboundedArrayQueue;

import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A Netty event loop that is one of the stack's shards: no thread of its own. The shard's poll
 * loop runs it as a {@link Poller}, once per iteration: the tasks queued for it, the scheduled
 * tasks that are due, then its {@link PanamaxIoHandler}. {@code inEventLoop()} is true on the
 * shard's thread and nowhere else; a task from another thread wakes the shard if it is parked.
 *
 * <p>Tasks queued on the shard's own thread go to a plain deque (no atomic operation); tasks from
 * other threads (gRPC's executors, Reactor Netty's schedulers, other shards) go to a
 * multi-producer queue that only this shard consumes.
 */
public final class PanamaxEventLoop extends AbstractScheduledEventExecutor implements IoEventLoop, Poller {
    private static final int ST_STARTED = 1;
    private static final int ST_SHUTTING_DOWN = 2;
    private static final int ST_TERMINATED = 3;
    /** Tasks run per shard iteration before the shard goes back to its NIC (fairness with I/O). */
    private static final int TASK_BUDGET = 1024;

    private final PanamaxEventLoopGroup parent;
    private final ShardStack shardStack;
    private final Shard shard;
    private final PanamaxIoHandler ioHandler;
    private final ArrayDeque<Runnable> localTasks = new ArrayDeque<>(256);
    private final MpscUnboundedArrayQueue<Runnable> externalTasks = new MpscUnboundedArrayQueue<>(256);
    private final Promise<Void> terminationFuture = new DefaultPromise<>(GlobalEventExecutor.INSTANCE);
    private final IoHandlerContext context = new IoHandlerContext() {
        @Override
        public boolean canBlock() {
            return false; // the shard decides when to park, never the handler
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            long next = nextScheduledTaskDeadlineNanos();
            return next == -1 ? TimeUnit.SECONDS.toNanos(1) : Math.max(0, next - currentTimeNanos);
        }

        @Override
        public long deadlineNanos() {
            return nextScheduledTaskDeadlineNanos();
        }
    };
    /** The shard's thread, known from the first iteration on (for inEventLoop(Thread) asked elsewhere). */
    private volatile Thread thread;
    private volatile int state = ST_STARTED;
    /** When shutting down must end even if channels are still registered (Netty's shutdown timeout). */
    private volatile long shutdownDeadline;
    private Counter tasksRun;
    private Counter externalTasksRun;
    private final TransportCounters counters;
    /** The longest the shard's idle wait may last when every poller wakes it (its idle policy's). */
    private final long maxWaitNanos;
    /** The shard's pool of ByteBuf objects over packet memory (received and outbound), set on the shard. */
    private PacketByteBuf.Pool byteBufs;

    PanamaxEventLoop(PanamaxEventLoopGroup parent, ShardStack shardStack) {
        super(parent);
        this.parent = parent;
        this.shardStack = shardStack;
        this.shard = shardStack.shard();
        this.ioHandler = new PanamaxIoHandler(this);
        this.counters = new TransportCounters();
        this.maxWaitNanos = shard.reactor().config().idlePolicy().maxWaitNanos();
        // Pollers and metrics belong to the shard: they are set up on its thread.
        shard.execute(this::attach);
    }

    private void attach() {
        thread = Thread.currentThread();
        var m = shard.metrics();
        tasksRun = m.counter("netty_tasks_total", "Netty tasks run on the shard's event loop");
        externalTasksRun = m.counter("netty_external_tasks_total",
                "Netty tasks submitted from threads outside the shard (other shards, application threads)");
        counters.register(m);
        byteBufs().countInto(counters);
        m.gauge("netty_channels", "Netty channels registered on the shard's event loop", ioHandler::registrations);
        shard.addPoller(this);
        // The stack stops before (or without) the group: the loop ends with it, its channels closed.
        shard.onStop(this::terminateNow);
        ioHandler.initialize();
        if (shard.id() == 0 && !FastThreadLocalThread.currentThreadWillCleanupFastThreadLocals()) {
            // Works without, but Netty then pools nothing on the shards (docs/netty.md): say how to fix it.
            System.getLogger("io.panamax.netty").log(System.Logger.Level.WARNING, "the stack's shards were started"
                    + " without PanamaxEventLoopGroup.SHARD_THREADS, so Netty's Recycler and pooled allocators keep no"
                    + " per-thread pools on them (an allocation and an arena lock per buffer); build the stack with"
                    + " .reactorSettings(PanamaxEventLoopGroup.SHARD_THREADS)");
        }
    }

    /** The stack's layers on this loop's shard. */
    public ShardStack shardStack() {
        return shardStack;
    }

    /** The shard this loop runs on. */
    public Shard shard() {
        return shard;
    }

    TransportCounters counters() {
        return counters;
    }

    /** On the shard. */
    PacketByteBuf.Pool byteBufs() {
        PacketByteBuf.Pool p = byteBufs;
        if (p == null) {
            p = byteBufs = PacketByteBuf.Pool.of(shard);
        }
        return p;
    }

    PanamaxIoHandler ioHandler() {
        return ioHandler;
    }

    // ---- the shard's side ---------------------------------------------------------------------

    @Override
    public int poll() {
        int n = 0;
        Runnable task;
        while (n < TASK_BUDGET && (task = localTasks.pollFirst()) != null) {
            safeExecute(task);
            n++;
        }
        int external = 0;
        while (n < TASK_BUDGET && (task = externalTasks.relaxedPoll()) != null) {
            safeExecute(task);
            n++;
            external++;
        }
        if (hasScheduledTasks()) {
            long now = getCurrentTimeNanos();
            while (n < TASK_BUDGET && (task = pollScheduledTask(now)) != null) {
                safeExecute(task);
                n++;
            }
        }
        if (n > 0) {
            tasksRun.add(n);
            if (external > 0) {
                externalTasksRun.add(external);
            }
        }
        n += ioHandler.run(context);
        if (state == ST_SHUTTING_DOWN) {
            continueShutdown();
        }
        return n;
    }

    /**
     * Dekker with {@link #execute}: a producer enqueues, then reads whether the shard is parked;
     * the shard announces its park, then asks this. One of the two sees the other.
     */
    @Override
    public boolean hasPendingWork() {
        return !externalTasks.isEmpty() || !localTasks.isEmpty();
    }

    /**
     * Tasks from other threads wake the shard ({@link #execute}), tasks from the shard are seen
     * before it sleeps; only scheduled tasks are polled for. Without any due before the longest
     * wait the shard may take ({@link io.panamax.reactor.IdlePolicy#maxWaitNanos()}, 10 ms), a
     * shard sleeping on its NIC descriptors may sleep that long instead of waking every 100 µs
     * (Netty's {@code hasScheduledTasks()} means "one is due", not this). gRPC's server keeps a
     * keep-alive task two hours ahead on every connection's loop: counting any scheduled task made
     * its shard wake 10,000 times a second while idle, each wake a ppoll and its empty TAP reads.
     */
    @Override
    public boolean wakesIdleShard() {
        long delay = nextScheduledTaskNano();
        return delay == -1 || delay > maxWaitNanos;
    }

    // ---- EventExecutor ----------------------------------------------------------------------

    @Override
    public boolean inEventLoop() {
        return Shard.current() == shard;
    }

    @Override
    public boolean inEventLoop(Thread t) {
        if (t == Thread.currentThread()) {
            return inEventLoop();
        }
        return t == thread;
    }

    @Override
    public void execute(Runnable task) {
        if (state == ST_TERMINATED) {
            throw new RejectedExecutionException("event loop of shard " + shard.id() + " is terminated");
        }
        if (inEventLoop()) {
            localTasks.addLast(task);
        } else {
            externalTasks.offer(task);
            shard.wakeup();
        }
    }

    @Override
    public PanamaxEventLoopGroup parent() {
        return parent;
    }

    @Override
    public boolean isShuttingDown() {
        return state >= ST_SHUTTING_DOWN;
    }

    /**
     * Starts shutting down: on the shard's next iteration every channel of this loop is closed,
     * queued tasks run, scheduled ones are cancelled. The quiet period is not waited for: the
     * shard (and the stack) keep running; only this loop ends, at the latest after
     * {@code timeout} even if a channel is still registered.
     */
    @Override
    public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
        if (state == ST_STARTED) {
            shutdownDeadline = System.nanoTime() + unit.toNanos(timeout);
            state = ST_SHUTTING_DOWN;
            shard.wakeup();
        }
        return terminationFuture;
    }

    @Override
    public Future<?> terminationFuture() {
        return terminationFuture;
    }

    @Override
    @Deprecated
    public void shutdown() {
        shutdownGracefully();
    }

    @Override
    public boolean isShutdown() {
        return state >= ST_SHUTTING_DOWN;
    }

    @Override
    public boolean isTerminated() {
        return state == ST_TERMINATED;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminationFuture.await(timeout, unit);
    }

    private void continueShutdown() {
        ioHandler.prepareToDestroy();
        boolean busy = !localTasks.isEmpty() || !externalTasks.isEmpty() || ioHandler.registrations() > 0;
        if (busy && System.nanoTime() - shutdownDeadline < 0) {
            return; // closing channels queued work: the next iteration runs it
        }
        terminateNow();
    }

    private void terminateNow() {
        if (state == ST_TERMINATED) {
            return;
        }
        ioHandler.prepareToDestroy();
        Runnable task;
        while ((task = localTasks.pollFirst()) != null || (task = externalTasks.relaxedPoll()) != null) {
            safeExecute(task);
        }
        cancelScheduledTasks();
        state = ST_TERMINATED;
        ioHandler.destroy();
        shard.removePoller(this);
        // Tasks that raced the state change are dropped: nothing will run them any more.
        externalTasks.clear();
        terminationFuture.trySuccess(null);
    }

    // ---- EventLoop / IoEventLoop ---------------------------------------------------------------

    @Override
    public PanamaxEventLoop next() {
        return this;
    }

    @Override
    public ChannelFuture register(Channel channel) {
        PanamaxEventLoop l = loopFor(channel);
        return l.register(new DefaultChannelPromise(channel, l));
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
        promise.channel().unsafe().register(loopFor(promise.channel()), promise);
        return promise;
    }

    @Override
    @Deprecated
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
        channel.unsafe().register(loopFor(channel), promise);
        return promise;
    }

    /**
     * The loop a channel is registered on: an accepted channel's own shard's, whichever loop of the
     * group it is offered to. A child group that is not this group (Vert.x's server gives one of
     * its own over the loops of its verticles, and picks them round-robin) would otherwise offer a
     * connection to a loop of another shard, where it cannot live.
     */
    private PanamaxEventLoop loopFor(Channel channel) {
        if (channel instanceof PanamaxSocketChannel c && c.homeShard() >= 0 && c.homeShard() != shard.id()
                && c.parent().eventLoop().parent() == parent) { // accepted on this group's stack
            return parent.loop(c.homeShard());
        }
        return this;
    }

    @Override
    public Future<IoRegistration> register(IoHandle handle) {
        Promise<IoRegistration> promise = newPromise();
        if (inEventLoop()) {
            registerNow(handle, promise);
        } else {
            execute(() -> registerNow(handle, promise));
        }
        return promise;
    }

    private void registerNow(IoHandle handle, Promise<IoRegistration> promise) {
        try {
            promise.setSuccess(ioHandler.register(handle));
        } catch (Throwable t) {
            promise.setFailure(t);
        }
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return ioHandler.isCompatible(handleType);
    }

    @Override
    public boolean isIoType(Class<? extends IoHandler> handlerType) {
        return PanamaxIoHandler.class.isAssignableFrom(handlerType);
    }

    @Override
    public String toString() {
        return "PanamaxEventLoop[shard " + shard.id() + "]";
    }
}
