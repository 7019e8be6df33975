package io.panamax.reactor;

/**
 * The producing side of a {@link ShardFuture} (Seastar's {@code promise<T>}). A promise is its own
 * future, so completing one costs no allocation beyond the promise itself. It belongs to the shard
 * that created it.
 */
public final class Promise<T> extends ShardFuture<T> implements Completion<T> {

    /** A pending promise owned by the current shard (or by no shard, off-shard). */
    public Promise() {
        super(Shard.current());
    }

    /** The future side, for callers that want to hand out only that. */
    public ShardFuture<T> future() {
        return this;
    }

    /** Resolves the future with {@code value}; throws if it was already completed. */
    @Override
    public void complete(T value) {
        complete(SUCCEEDED, value);
    }

    /** Fails the future with {@code cause}; throws if it was already completed. */
    @Override
    public void fail(Throwable cause) {
        if (cause == null) {
            throw new NullPointerException("cause");
        }
        complete(FAILED, cause);
    }

    /** Resolves the future unless it is already completed; returns whether it did. */
    public boolean tryComplete(T value) {
        if (state != PENDING) {
            return false;
        }
        complete(SUCCEEDED, value);
        return true;
    }

    /** Fails the future unless it is already completed; returns whether it did. */
    public boolean tryFail(Throwable cause) {
        if (state != PENDING) {
            return false;
        }
        fail(cause);
        return true;
    }
}
