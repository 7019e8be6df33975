package io.panamax.reactor;

import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * The bridge for blocking work: a shard must never block (the stall detector reports a task that
 * holds it past the threshold), so a JDBC query, a file read or a call to a blocking client runs
 * on another thread, and its result comes back to the calling shard as a {@link ShardFuture} whose
 * continuations run there.
 *
 * <pre>{@code
 * conn.read().then(request -> Blocking.call(() -> database.lookup(key(request))))   // a virtual thread
 *            .then(row -> conn.write(render(row)));                                 // back on the shard
 * }</pre>
 *
 * <p>By default each call gets a virtual thread of its own ({@link #call(Callable)}); pass an
 * {@link Executor} to bound the concurrency or reuse a pool ({@link #call(Executor, Callable)}).
 * The work must not touch what the shard owns (connections, packets, timers): it runs on another
 * thread. Hand it plain values, and use the result in the continuation.
 */
public final class Blocking {
    /** One virtual thread per call: cheap to create, and blocking parks only the virtual thread. */
    private static final ExecutorService VIRTUAL =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("panamax-blocking-", 0).factory());

    private Blocking() {
    }

    /** Runs {@code work} on a virtual thread; the future completes on the calling shard. */
    public static <T> ShardFuture<T> call(Callable<T> work) {
        return call(VIRTUAL, work);
    }

    /**
     * Runs {@code work} on {@code executor}; the future completes on the calling shard with its
     * result, or fails with what it threw (or with the executor's {@link RejectedExecutionException}).
     * Must be called on a shard.
     */
    public static <T> ShardFuture<T> call(Executor executor, Callable<T> work) {
        Shard shard = Shard.current();
        if (shard == null) {
            throw new IllegalStateException("Blocking.call called from thread '" + Thread.currentThread().getName()
                    + "', which runs no shard: off a shard, call the blocking code directly");
        }
        Promise<T> promise = new Promise<>();
        try {
            executor.execute(() -> {
                T value;
                try {
                    value = work.call();
                } catch (Throwable e) {
                    shard.execute(() -> promise.fail(e));
                    return;
                }
                shard.execute(() -> promise.complete(value));
            });
        } catch (RejectedExecutionException e) {
            return ShardFuture.failed(e);
        }
        return promise;
    }
}
