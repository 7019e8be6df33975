package io.panamax.reactor;

/**
 * What an iteration of {@link ShardFuture#repeat} asks for: run the action again, or stop the loop.
 * {@link ShardFuture#next()} and {@link ShardFuture#stop()} are the two outcomes as shared, already resolved
 * futures (no allocation); {@code .map(v -> Loop.CONTINUE)} after an asynchronous step.
 */
public enum Loop {
    /** Run the action again. */
    CONTINUE,
    /** Stop: the loop's future completes. */
    STOP
}
