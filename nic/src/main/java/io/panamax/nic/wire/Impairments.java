package io.panamax.nic.wire;

import java.time.Duration;

/**
 * What the wire does to the frames of one direction, decided per frame from a seeded generator so
 * that a test replays exactly (see {@link WireConfig#seed()}). Build with {@link #builder()};
 * {@link #none()} is a perfect wire.
 *
 * <p>Order of the stages a frame goes through: MTU check, loss, reordering (the frame is held
 * back), rate limit, delay, corruption and duplication as it enters the receive ring.
 *
 * @param lossRate             probability that a frame is lost
 * @param duplicateRate        probability that a frame arrives twice
 * @param reorderRate          probability that a frame is held back until {@code reorderDistance}
 *                             later frames of its queue have gone ahead of it
 * @param reorderDistance      later frames that overtake a held frame
 * @param reorderMaxHoldNanos  the longest a frame is held back when no later frames come
 * @param delayNanos           fixed one-way delay added to every frame
 * @param jitterNanos          extra delay, uniform in {@code [0, jitterNanos]}; it never reorders
 *                             (a frame does not leave a receive ring before the one ahead of it)
 * @param corruptRate          probability that bits of a frame are flipped
 * @param corruptBits          bits flipped in a corrupted frame, at uniformly random positions
 * @param rateBitsPerSecond    token-bucket rate of each sending queue; 0 for no limit
 * @param rateBurstBytes       bucket depth: bytes that may leave back to back at once
 * @param rateQueueBytes       bytes that may wait for tokens; frames beyond are dropped
 */
public record Impairments(
        double lossRate,
        double duplicateRate,
        double reorderRate,
        int reorderDistance,
        long reorderMaxHoldNanos,
        long delayNanos,
        long jitterNanos,
        double corruptRate,
        int corruptBits,
        long rateBitsPerSecond,
        int rateBurstBytes,
        int rateQueueBytes) {

    /** Later frames that overtake a held-back frame unless the builder says otherwise. */
    public static final int DEFAULT_REORDER_DISTANCE = 3;
    /** How long a held-back frame waits at most for later frames unless the builder says otherwise. */
    public static final Duration DEFAULT_REORDER_MAX_HOLD = Duration.ofMillis(1);
    /** One full-size Ethernet frame with a VLAN tag. */
    public static final int DEFAULT_RATE_BURST_BYTES = 1518;
    public static final int DEFAULT_RATE_QUEUE_BYTES = 128 * 1024;

    private static final Impairments NONE = builder().build();

    public Impairments {
        checkRate("lossRate", lossRate);
        checkRate("duplicateRate", duplicateRate);
        checkRate("reorderRate", reorderRate);
        checkRate("corruptRate", corruptRate);
        if (reorderDistance < 1) {
            throw new IllegalArgumentException("reorderDistance must be at least 1, got " + reorderDistance);
        }
        if (reorderMaxHoldNanos < 0 || delayNanos < 0 || jitterNanos < 0) {
            throw new IllegalArgumentException("negative time in impairments: hold " + reorderMaxHoldNanos
                    + " ns, delay " + delayNanos + " ns, jitter " + jitterNanos + " ns");
        }
        if (corruptBits < 1) {
            throw new IllegalArgumentException("corruptBits must be at least 1, got " + corruptBits);
        }
        if (rateBitsPerSecond < 0 || rateBurstBytes < 1 || rateQueueBytes < 0) {
            throw new IllegalArgumentException("bad rate limit: " + rateBitsPerSecond + " bit/s, burst "
                    + rateBurstBytes + " B, queue " + rateQueueBytes + " B");
        }
    }

    private static void checkRate(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be a probability in [0, 1], got " + p);
        }
    }

    /** A perfect wire: every frame arrives once, unchanged, in order, at once. */
    public static Impairments none() {
        return NONE;
    }

    /** A builder with every impairment off. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether no impairment is configured. */
    public boolean isNone() {
        return lossRate == 0 && duplicateRate == 0 && reorderRate == 0 && delayNanos == 0 && jitterNanos == 0
                && corruptRate == 0 && rateBitsPerSecond == 0;
    }

    /** Builds {@link Impairments}; everything is off until set. */
    public static final class Builder {
        private double loss;
        private double duplicate;
        private double reorder;
        private int reorderDistance = DEFAULT_REORDER_DISTANCE;
        private long reorderMaxHold = DEFAULT_REORDER_MAX_HOLD.toNanos();
        private long delay;
        private long jitter;
        private double corrupt;
        private int corruptBits = 1;
        private long rate;
        private int burst = DEFAULT_RATE_BURST_BYTES;
        private int queue = DEFAULT_RATE_QUEUE_BYTES;

        private Builder() {
        }

        /** Loses each frame with probability {@code rate}. */
        public Builder loss(double rate) {
            this.loss = rate;
            return this;
        }

        /** Delivers each frame twice with probability {@code rate}. */
        public Builder duplicate(double rate) {
            this.duplicate = rate;
            return this;
        }

        /** Holds back each frame with probability {@code rate} behind the default number of later frames. */
        public Builder reorder(double rate) {
            this.reorder = rate;
            return this;
        }

        /**
         * Holds back each frame with probability {@code rate} until {@code distance} later frames of
         * its queue have gone ahead, or {@code maxHold} has passed.
         */
        public Builder reorder(double rate, int distance, Duration maxHold) {
            this.reorder = rate;
            this.reorderDistance = distance;
            this.reorderMaxHold = maxHold.toNanos();
            return this;
        }

        /** Adds {@code fixed} to every frame's travel time. */
        public Builder delay(Duration fixed) {
            return delay(fixed, Duration.ZERO);
        }

        /** Adds {@code fixed} plus a uniform random share of {@code jitter} to every frame's travel time. */
        public Builder delay(Duration fixed, Duration jitter) {
            this.delay = fixed.toNanos();
            this.jitter = jitter.toNanos();
            return this;
        }

        /** Flips one random bit in each frame with probability {@code rate}. */
        public Builder corrupt(double rate) {
            return corrupt(rate, 1);
        }

        /** Flips {@code bits} random bits in each frame with probability {@code rate}. */
        public Builder corrupt(double rate, int bits) {
            this.corrupt = rate;
            this.corruptBits = bits;
            return this;
        }

        /** Lets frames leave each sending queue at no more than {@code bitsPerSecond}, with the default burst and queue. */
        public Builder rateLimit(long bitsPerSecond) {
            this.rate = bitsPerSecond;
            return this;
        }

        /**
         * Lets frames leave each sending queue at no more than {@code bitsPerSecond}: a token bucket
         * of {@code burstBytes}, in front of which up to {@code queueBytes} wait; frames that find
         * the queue full are dropped.
         */
        public Builder rateLimit(long bitsPerSecond, int burstBytes, int queueBytes) {
            this.rate = bitsPerSecond;
            this.burst = burstBytes;
            this.queue = queueBytes;
            return this;
        }

        /** The impairments; throws on a setting out of range. */
        public Impairments build() {
            return new Impairments(loss, duplicate, reorder, reorderDistance, reorderMaxHold, delay, jitter,
                    corrupt, corruptBits, rate, burst, queue);
        }
    }
}
