package io.panamax.reactor;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * A one-shard (or n-shard) manual reactor on a {@link ManualClock} for tests that drive the loop
 * themselves: {@link #on} runs code as the shard, {@link #drain} runs the loop until it goes quiet.
 */
final class ManualShard implements AutoCloseable {
    final ManualClock clock = new ManualClock();
    final Reactor reactor;

    ManualShard() {
        this(1);
    }

    ManualShard(int shards) {
        reactor = Reactor.builder().shards(shards).manual().clock(clock).build().start();
    }

    Shard shard() {
        return reactor.shard(0);
    }

    /** Runs {@code body} on shard 0 (on the calling thread) and returns what it returns. */
    <T> T on(Supplier<T> body) {
        return on(0, body);
    }

    <T> T on(int shard, Supplier<T> body) {
        Object[] out = new Object[1];
        reactor.runOn(shard, () -> out[0] = body.get());
        @SuppressWarnings("unchecked")
        T t = (T) out[0];
        return t;
    }

    void run(Runnable body) {
        reactor.runOn(0, body);
    }

    /** Runs every shard's loop until none has work left (timers are not advanced). */
    void drain() {
        reactor.runUntilIdle();
    }

    void advance(Duration d) {
        reactor.advance(d);
    }

    @Override
    public void close() {
        reactor.close();
    }
}
