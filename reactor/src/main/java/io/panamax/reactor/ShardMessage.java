package io.panamax.reactor;

/**
 * Something sent from one shard to another over their queue: a task, a forwarded packet, a buffer
 * going home to its pool. {@link #deliver} runs on the receiving shard's thread.
 */
@FunctionalInterface
public interface ShardMessage {
    void deliver(Shard shard);
}
