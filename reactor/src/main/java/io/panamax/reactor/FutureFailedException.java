package io.panamax.reactor;

/** Thrown by {@link ShardFuture#getNow()} for a failed future; the cause is the failure. */
public final class FutureFailedException extends RuntimeException {
    public FutureFailedException(Throwable cause) {
        super(cause == null ? null : cause.toString(), cause);
    }
}
