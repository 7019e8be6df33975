package io.panamax.reactor;

/** The platform thread that runs one shard's poll loop. */
final class ShardThread extends Thread {
    final Shard shard;

    ShardThread(Shard shard, Runnable loop) {
        super(loop, "panamax-shard-" + shard.id());
        this.shard = shard;
        setDaemon(false);
    }
}
