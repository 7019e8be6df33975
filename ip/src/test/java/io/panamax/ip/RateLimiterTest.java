package io.panamax.ip;

import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.ShardMetrics;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ICMP/ICMPv6 error token bucket: the burst, the refill rate, the cap on saving up, and the refusals counted. */
class RateLimiterTest {
    private static final long MS = 1_000_000L;

    @Test
    void aBurstThenOneTokenPerIntervalNeverMoreThanTheBurstSavedUp() {
        Counter refused = new ShardMetrics(0).counter("test_refused_total", "refusals");
        long t = 5_000 * MS;
        RateLimiter bucket = new RateLimiter(100, 3, t, refused); // a token every 10 ms
        assertTrue(bucket.tryAcquire(t));
        assertTrue(bucket.tryAcquire(t));
        assertTrue(bucket.tryAcquire(t));
        assertFalse(bucket.tryAcquire(t), "the burst is spent");
        assertFalse(bucket.tryAcquire(t + 9 * MS), "less than one interval later");
        assertTrue(bucket.tryAcquire(t + 10 * MS), "one token after one interval");
        assertFalse(bucket.tryAcquire(t + 10 * MS));
        assertEquals(3, refused.get(), "every refusal counted");

        // An hour idle saves up the burst, not an hour of tokens.
        long later = t + 3_600_000 * MS;
        int granted = 0;
        for (int i = 0; i < 10; i++) {
            granted += bucket.tryAcquire(later) ? 1 : 0;
        }
        assertEquals(3, granted);
        assertEquals(10, refused.get());
    }
}
