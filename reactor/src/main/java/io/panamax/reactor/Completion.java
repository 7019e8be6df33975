package io.panamax.reactor;

/**
 * The receiving end of one asynchronous result, without a future: what an operation completes
 * when the caller passed it one instead of asking for a {@link ShardFuture}. {@link Promise} is one;
 * {@link ReadLoop} is another, used again for every read of its loop, which is how a
 * request/response loop runs without allocating per request.
 *
 * <p>Exactly one of the two methods is called, once per operation, on the shard that started the
 * operation. An implementation that is called back later (not from within the call that started
 * the operation) must not run application code inline: it schedules it, as a promise schedules its
 * continuation, so that completing never re-enters the code that completed it.
 */
public interface Completion<T> {

    /** The operation succeeded with {@code value}. */
    void complete(T value);

    /** The operation failed with {@code cause}. */
    void fail(Throwable cause);
}
