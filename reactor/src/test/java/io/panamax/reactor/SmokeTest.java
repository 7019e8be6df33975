package io.panamax.reactor;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SmokeTest {
    @Test
    void crossShardCallThreaded() {
        try (Reactor r = Reactor.builder().shards(2).build().start()) {
            int v = r.await(r.submit(0, () -> Shard.current().submitTo(1, () -> ShardFuture.succeeded(Shard.current().id() + 41))), Duration.ofSeconds(5));
            assertEquals(42, v);
        }
    }

    @Test
    void timerInManualMode() {
        ManualClock clock = new ManualClock();
        try (Reactor r = Reactor.builder().shards(1).manual().clock(clock).build().start()) {
            int[] fired = new int[1];
            r.runOn(0, () -> r.shard(0).timers().schedule(5_000_000_000L, () -> fired[0]++));
            r.advance(Duration.ofSeconds(4));
            assertEquals(0, fired[0]);
            r.advance(Duration.ofSeconds(2));
            assertEquals(1, fired[0]);
        }
    }
}
