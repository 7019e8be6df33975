package io.panamax.reactor;

import java.util.function.Supplier;

/**
 * A {@link Shard#submitTo} in flight. One object is the request (delivered on the target), the
 * reply (delivered back on the origin) and the origin's future: the target writes only the
 * {@code remote*} fields, the origin only the future's own state, and the shard queue between them
 * orders the hand-over.
 */
final class CrossShardCall<T> extends ShardFuture<T> implements ShardMessage, Runnable {
    private final Shard origin;
    private Supplier<? extends ShardFuture<T>> task;
    private ShardFuture<T> remote;
    private byte remoteState;
    private Object remoteResult;
    private boolean replied;

    CrossShardCall(Shard origin, Supplier<? extends ShardFuture<T>> task) {
        super(origin);
        this.origin = origin;
        this.task = task;
    }

    @Override
    public void deliver(Shard shard) {
        if (replied) {
            complete(remoteState, remoteResult);
            return;
        }
        ShardFuture<T> f;
        try {
            f = task.get();
            if (f == null) {
                f = ShardFuture.succeeded(null);
            }
        } catch (Throwable t) {
            f = ShardFuture.failed(t);
        }
        task = null;
        if (f.state != PENDING) {
            reply(shard, f);
        } else {
            remote = f;
            f.setContinuation(this);
        }
    }

    /** The target's future has completed (runs on the target). */
    @Override
    public void run() {
        ShardFuture<T> f = remote;
        remote = null;
        reply(f.owner != null ? f.owner : Shard.currentOrThrow(), f);
    }

    private void reply(Shard target, ShardFuture<T> f) {
        remoteState = f.state;
        remoteResult = f.result;
        replied = true;
        target.send(origin.id(), this);
    }
}
