package io.panamax.nic.wire;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The impairments: reproducible from the seed, and at their configured rates within statistical
 * bounds (five standard deviations of a binomial count, so a correct wire fails about once in
 * 1.7 million runs; every run here is deterministic anyway, seeds fixed).
 */
class WireImpairmentTest {
    private static final int N = 20_000;
    private static final int LENGTH = 128;
    /** The timer wheel's tick: a delayed frame arrives at most one tick after it is due. */
    private static final long TICK_NANOS = 16_384;

    /** What one run observed at side B's queue 0. */
    record Run(List<byte[]> frames, List<Long> arrivals, WireStats stats) {
    }

    private static Run run(long seed, Impairments impairments, int frames) {
        try (WireHarness h = new WireHarness(WireConfig.builder().seed(seed).aToB(impairments))) {
            for (int i = 0; i < frames; i++) {
                h.sendFromA(0, TestFrames.numbered(i, LENGTH));
                if (i % 128 == 127) {
                    h.pump();
                    h.advance(Duration.ofMillis(1));
                }
            }
            h.advance(Duration.ofSeconds(1));
            List<byte[]> got = new ArrayList<>();
            List<Long> at = new ArrayList<>();
            for (WireHarness.Received r : h.receivedAtB(0)) {
                got.add(r.bytes());
                at.add(r.atNanos());
            }
            return new Run(got, at, h.wire.a().outboundStats());
        }
    }

    private static void assertBinomial(String what, long observed, long n, double p) {
        double mean = n * p;
        double sd = Math.sqrt(n * p * (1 - p));
        assertTrue(Math.abs(observed - mean) <= 5 * sd,
                what + ": " + observed + " of " + n + ", expected " + mean + " ± " + 5 * sd);
    }

    private static long[] sequences(List<byte[]> frames) {
        return frames.stream().mapToLong(TestFrames::sequence).toArray();
    }

    @Test
    void theSameSeedGivesTheSameDecisions() {
        Impairments all = Impairments.builder().loss(0.05).duplicate(0.05).reorder(0.05).corrupt(0.05)
                .delay(Duration.ofMillis(1), Duration.ofNanos(500_000)).build();
        Run first = run(42, all, 3000);
        Run second = run(42, all, 3000);
        Run other = run(43, all, 3000);
        assertEquals(first.stats(), second.stats());
        assertEquals(first.frames().size(), second.frames().size());
        for (int i = 0; i < first.frames().size(); i++) {
            assertArrayEquals(first.frames().get(i), second.frames().get(i), "frame " + i);
        }
        assertEquals(first.arrivals(), second.arrivals());
        assertNotEquals(first.stats(), other.stats());
        assertTrue(first.stats().lost() > 0 && first.stats().duplicated() > 0 && first.stats().reordered() > 0
                && first.stats().corrupted() > 0 && first.stats().delayed() > 0, first.stats().toString());
    }

    @Test
    void aQueuesDecisionsDoNotDependOnTheOtherQueues() {
        Impairments loss = Impairments.builder().loss(0.2).build();
        List<Long> alone;
        List<Long> together;
        try (WireHarness h = new WireHarness(WireConfig.builder().queues(2).seed(5).aToB(loss))) {
            for (int i = 0; i < 2000; i++) {
                h.sendFromA(0, TestFrames.numbered(i, LENGTH));
                if (i % 100 == 99) {
                    h.pump();
                }
            }
            h.pump();
            alone = h.receivedAtB(0).stream().map(r -> TestFrames.sequence(r.bytes())).toList();
        }
        try (WireHarness h = new WireHarness(WireConfig.builder().queues(2).seed(5).aToB(loss))) {
            for (int i = 0; i < 2000; i++) {
                h.sendFromA(0, TestFrames.numbered(i, LENGTH));
                h.sendFromA(1, TestFrames.numbered(100_000 + i, LENGTH));
                if (i % 100 == 99) {
                    h.pump();
                }
            }
            h.pump();
            together = h.receivedAtB(0).stream().map(r -> TestFrames.sequence(r.bytes())).toList();
            assertFalse(h.receivedAtB(1).isEmpty());
        }
        assertEquals(alone, together);
    }

    @Test
    void lossHitsItsRate() {
        Run r = run(1, Impairments.builder().loss(0.1).build(), N);
        assertBinomial("lost", r.stats().lost(), N, 0.1);
        assertEquals(N - r.stats().lost(), r.frames().size());
        long[] seq = sequences(r.frames());
        for (int i = 1; i < seq.length; i++) {
            assertTrue(seq[i] > seq[i - 1], "in order");
        }
        for (byte[] f : r.frames()) {
            assertArrayEquals(TestFrames.numbered(TestFrames.sequence(f), LENGTH), f, "unchanged");
        }
        assertEquals(N, r.stats().sent());
    }

    @Test
    void duplicationHitsItsRate() {
        Run r = run(2, Impairments.builder().duplicate(0.1).build(), N);
        assertBinomial("duplicated", r.stats().duplicated(), N, 0.1);
        assertEquals(N + r.stats().duplicated(), r.frames().size());
        long[] seq = sequences(r.frames());
        long twice = 0;
        for (int i = 1; i < seq.length; i++) {
            assertTrue(seq[i] >= seq[i - 1], "in order");
            if (seq[i] == seq[i - 1]) {
                twice++;
            }
        }
        assertEquals(r.stats().duplicated(), twice, "each duplicate right behind its original");
    }

    @Test
    void corruptionFlipsTheConfiguredBitsAtItsRate() {
        for (int bits : new int[] {1, 3}) {
            Run r = run(3, Impairments.builder().corrupt(0.1, bits).build(), N);
            assertEquals(N, r.frames().size());
            long corrupted = 0;
            for (int i = 0; i < N; i++) {
                byte[] sent = TestFrames.numbered(i, LENGTH);
                byte[] got = r.frames().get(i);
                int distance = 0;
                for (int k = 0; k < LENGTH; k++) {
                    distance += Integer.bitCount((sent[k] ^ got[k]) & 0xff);
                }
                if (distance > 0) {
                    corrupted++;
                    assertTrue(distance == bits || distance == bits - 2, "frame " + i + " has " + distance
                            + " flipped bits, configured " + bits + " (two positions may coincide)");
                }
            }
            assertEquals(r.stats().corrupted(), corrupted, bits + " bit(s)");
            assertBinomial("corrupted", corrupted, N, 0.1);
        }
    }

    @Test
    void reorderingHoldsFramesBackBehindLaterOnes() {
        Run r = run(4, Impairments.builder().reorder(0.05, 3, Duration.ofMillis(50)).build(), N);
        long[] seq = sequences(r.frames());
        long[] sorted = seq.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < N; i++) {
            assertEquals(i, sorted[i], "every frame arrives exactly once");
        }
        long late = 0;
        long max = -1;
        for (long s : seq) {
            if (s < max) {
                late++;
            }
            max = Math.max(max, s);
        }
        assertEquals(r.stats().reordered(), late, "each reordered frame arrives after a later one");
        assertBinomial("reordered", late, N, 0.05);
    }

    @Test
    void aHeldFrameGoesAfterItsMaximumHoldWhenNothingOvertakesIt() {
        Impairments always = Impairments.builder().reorder(1.0, 3, Duration.ofMillis(1)).build();
        try (WireHarness h = new WireHarness(WireConfig.builder().aToB(always))) {
            long sent = h.clock.nanoTime();
            h.sendFromA(0, TestFrames.numbered(0, LENGTH));
            h.pump();
            h.advance(Duration.ofNanos(900_000));
            assertTrue(h.receivedAtB(0).isEmpty(), "held");
            h.advance(Duration.ofNanos(200_000));
            assertEquals(1, h.receivedAtB(0).size(), "released by its timer");
            long waited = h.receivedAtB(0).getFirst().atNanos() - sent;
            assertTrue(waited >= 1_000_000 && waited <= 1_000_000 + TICK_NANOS, "held " + waited + " ns");
            assertEquals(0, h.wire.a().outboundStats().reordered(), "nothing overtook it");
        }
    }

    @Test
    void delayAndJitterAddTravelTime() {
        long delay = 10_000_000;
        long jitter = 2_000_000;
        Impairments imp = Impairments.builder().delay(Duration.ofNanos(delay), Duration.ofNanos(jitter)).build();
        // Frames 3 ms apart (more than the jitter) never wait for one another: each travels exactly
        // the delay plus its own jitter, rounded up to the timer tick.
        int n = 500;
        try (WireHarness h = new WireHarness(WireConfig.builder().aToB(imp).seed(9))) {
            long[] sentAt = new long[n];
            for (int i = 0; i < n; i++) {
                sentAt[i] = h.clock.nanoTime();
                h.sendFromA(0, TestFrames.numbered(i, LENGTH));
                h.pump();
                h.advance(Duration.ofMillis(3));
            }
            h.advance(Duration.ofMillis(20));
            List<WireHarness.Received> got = h.receivedAtB(0);
            assertEquals(n, got.size());
            long min = Long.MAX_VALUE;
            long max = 0;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                assertEquals(i, TestFrames.sequence(got.get(i).bytes()));
                long travel = got.get(i).atNanos() - sentAt[i];
                assertTrue(travel >= delay && travel <= delay + jitter + TICK_NANOS, "frame " + i + ": " + travel + " ns");
                min = Math.min(min, travel);
                max = Math.max(max, travel);
                sum += travel;
            }
            assertTrue(min < delay + jitter / 50 && max > delay + jitter * 49 / 50, "spread " + min + ".." + max);
            // Uniform jitter: mean delay + jitter/2, standard error jitter/sqrt(12 n); plus half a tick of rounding.
            double expected = delay + jitter / 2.0 + TICK_NANOS / 2.0;
            double bound = 5 * jitter / Math.sqrt(12.0 * n) + TICK_NANOS / 2.0;
            double mean = sum / n;
            assertTrue(Math.abs(mean - expected) <= bound, "mean travel " + mean + ", expected " + expected + " ± " + bound);
            assertEquals(n, h.wire.a().outboundStats().delayed());
        }
    }

    @Test
    void jitterNeverReordersBackToBackFrames() {
        long delay = 10_000_000;
        long jitter = 2_000_000;
        Impairments imp = Impairments.builder().delay(Duration.ofNanos(delay), Duration.ofNanos(jitter)).build();
        int n = 2000;
        // 12 ms of frames every 20 µs are in flight at once: the ring must hold them (see WireConfig.ringSize).
        try (WireHarness h = new WireHarness(WireConfig.builder().aToB(imp).seed(9).ringSize(1024))) {
            long[] sentAt = new long[n];
            for (int i = 0; i < n; i++) {
                sentAt[i] = h.clock.nanoTime();
                h.sendFromA(0, TestFrames.numbered(i, LENGTH));
                h.pump();
                h.advance(Duration.ofNanos(20_000));
            }
            h.advance(Duration.ofMillis(20));
            List<WireHarness.Received> got = h.receivedAtB(0);
            assertEquals(n, got.size());
            for (int i = 0; i < n; i++) {
                assertEquals(i, TestFrames.sequence(got.get(i).bytes()), "in order");
                // A frame may also wait for the jitter of the frames ahead of it, never longer.
                long travel = got.get(i).atNanos() - sentAt[i];
                assertTrue(travel >= delay && travel <= delay + jitter + TICK_NANOS, "frame " + i + ": " + travel + " ns");
            }
            assertEquals(0, h.wire.a().outboundStats().ringFull());
        }
    }

    @Test
    void theRateLimitSpacesFramesAndDropsBeyondItsQueue() {
        // 1 Mbit/s, 1000-byte frames: one every 8 ms. A 64 KiB queue holds 524.288 ms of them, so of
        // 100 frames offered at once, frames 0..65 are kept and 34 dropped.
        Impairments imp = Impairments.builder().rateLimit(1_000_000, 1000, 64 * 1024).build();
        try (WireHarness h = new WireHarness(WireConfig.builder().aToB(imp).ringSize(128))) {
            long start = h.clock.nanoTime();
            for (int i = 0; i < 100; i++) {
                h.sendFromA(0, TestFrames.numbered(i, 1000));
            }
            h.pump();
            h.advance(Duration.ofSeconds(1));
            List<WireHarness.Received> got = h.receivedAtB(0);
            assertEquals(66, got.size());
            assertEquals(34, h.wire.a().outboundStats().rateLimited());
            for (int i = 0; i < got.size(); i++) {
                assertEquals(i, TestFrames.sequence(got.get(i).bytes()));
                long due = start + i * 8_000_000L;
                long at = got.get(i).atNanos();
                assertTrue(at >= due && at <= due + TICK_NANOS, "frame " + i + " at +" + (at - start) + " ns");
            }
            // The bucket refilled while idle: the next frame goes at once.
            long now = h.clock.nanoTime();
            h.sendFromA(0, TestFrames.numbered(100, 1000));
            h.pump();
            assertEquals(now, h.receivedAtB(0).getLast().atNanos());
        }
    }

    @Test
    void aBurstAllowancePassesAtOnceThenTheRateHolds() {
        // 10 Mbit/s with a 10-frame bucket of 1000-byte frames: 10 go at once, then one per 0.8 ms.
        Impairments imp = Impairments.builder().rateLimit(10_000_000, 10_000, 1 << 20).build();
        try (WireHarness h = new WireHarness(WireConfig.builder().aToB(imp))) {
            long start = h.clock.nanoTime();
            for (int i = 0; i < 110; i++) {
                h.sendFromA(0, TestFrames.numbered(i, 1000));
            }
            h.pump();
            h.advance(Duration.ofSeconds(1));
            List<WireHarness.Received> got = h.receivedAtB(0);
            assertEquals(110, got.size());
            for (int i = 0; i < 10; i++) {
                assertEquals(start, got.get(i).atNanos(), "frame " + i + " in the burst");
            }
            long span = got.get(109).atNanos() - got.get(10).atNanos();
            assertTrue(Math.abs(span - 99 * 800_000L) <= TICK_NANOS, "100 frames after the burst took " + span + " ns");
        }
    }
}
