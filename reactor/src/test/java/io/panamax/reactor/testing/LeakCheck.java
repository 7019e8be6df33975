package io.panamax.reactor.testing;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The end-of-test leak check: every shard's buffer pool is full again and no packet wrapper is
 * still out. Buffers on their way home (released on another shard) are waited for briefly.
 */
public final class LeakCheck {
    private LeakCheck() {
    }

    /** Asserts that nothing leaked on any shard of {@code reactor}. */
    public static void assertNoLeaks(Reactor reactor) {
        assertNoLeaks(reactor, Duration.ofSeconds(5));
    }

    /**
     * Asserts that nothing leaked on any shard of {@code reactor}, waiting up to {@code grace} for
     * buffers and packets that are on their way home.
     */
    public static void assertNoLeaks(Reactor reactor, Duration grace) {
        List<String> leaks = new ArrayList<>();
        long deadline = System.nanoTime() + grace.toNanos();
        while (true) {
            leaks.clear();
            for (int i = 0; i < reactor.shardCount(); i++) {
                String leak = reactor.isManual() ? check(reactor, i) : reactor.await(
                        reactor.submit(i, () -> ShardFuture.succeeded(describe(Shard.current()))), Duration.ofSeconds(5));
                if (leak != null) {
                    leaks.add(leak);
                }
            }
            if (leaks.isEmpty() || System.nanoTime() > deadline) {
                break;
            }
            if (reactor.isManual()) {
                reactor.runUntilIdle();
            } else {
                Thread.onSpinWait();
            }
        }
        if (!leaks.isEmpty()) {
            fail("leaked: " + String.join("; ", leaks));
        }
    }

    private static String check(Reactor reactor, int i) {
        String[] out = new String[1];
        reactor.runOn(i, () -> out[0] = describe(reactor.shard(i)));
        return out[0];
    }

    /** Null when shard {@code s} has all its buffers and packets back, else what is missing. */
    public static String describe(Shard s) {
        int missing = s.buffers().capacity() - s.buffers().available();
        long packets = s.packets().inUse();
        if (missing == 0 && packets == 0) {
            return null;
        }
        return "shard " + s.id() + ": " + missing + " buffer(s) and " + packets + " packet(s) not returned";
    }
}
