package io.panamax.reactor.buffer;

import io.panamax.reactor.Shard;

/** Which threads may touch a shard's pools (checked under assertions: pools are not thread-safe). */
final class PoolOwnership {
    private PoolOwnership() {
    }

    /**
     * True on the owner's thread, for an unowned pool, and on a thread that runs no shard when the
     * owner's reactor is a manual one (its driver, setting up a test: no shard thread exists).
     */
    static boolean mayUse(Shard owner) {
        if (owner == null) {
            return true;
        }
        Shard current = Shard.current();
        return current == owner || current == null && owner.reactor().isManual();
    }
}
