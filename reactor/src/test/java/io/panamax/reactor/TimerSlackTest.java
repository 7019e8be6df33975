package io.panamax.reactor;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Shard threads sleep with 1 ns of timer slack (not Linux's default 50 µs), read back from the
 * kernel's own file for the thread, {@code /proc/TID/timerslack_ns}; other threads keep theirs.
 */
class TimerSlackTest {

    /** The calling thread's timer slack as /proc shows it. */
    static long procTimerSlack() throws Exception {
        // /proc/thread-self is a link to PID/task/TID; /proc/TID/timerslack_ns is that thread's.
        String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
        return Long.parseLong(Files.readString(Path.of("/proc", tid, "timerslack_ns")).strip());
    }

    @Test
    void everyShardThreadHasTheLeastTimerSlack() throws Exception {
        long mine = procTimerSlack();
        assertNotEquals(TimerSlack.SHARD_NANOS, mine, "the test thread starts with the default slack");
        try (Reactor r = Reactor.builder().shards(2).stallThreshold(Duration.ZERO).build().start()) {
            for (int i = 0; i < 2; i++) {
                long[] seen = r.await(r.submit(i, () -> {
                    try {
                        return ShardFuture.succeeded(new long[] {procTimerSlack(), TimerSlack.currentThread()});
                    } catch (Exception e) {
                        return ShardFuture.failed(e);
                    }
                }), Duration.ofSeconds(10));
                assertEquals(TimerSlack.SHARD_NANOS, seen[0], "shard " + i + ": /proc/TID/timerslack_ns");
                assertEquals(TimerSlack.SHARD_NANOS, seen[1], "shard " + i + ": PR_GET_TIMERSLACK");
            }
        }
        assertEquals(mine, procTimerSlack(), "only the shard threads changed");
        assertEquals(mine, TimerSlack.currentThread());
    }
}
