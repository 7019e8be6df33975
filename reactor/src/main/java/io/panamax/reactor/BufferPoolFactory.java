package io.panamax.reactor;

import io.panamax.reactor.buffer.BufferPool;

/** Makes the packet buffer pool of one shard (see {@link Reactor.Builder#bufferPools}). */
@FunctionalInterface
public interface BufferPoolFactory {
    /** Called while the reactor is built, once per shard; the pool must be owned by {@code shard}. */
    BufferPool create(Shard shard, ReactorConfig config);
}
