package io.panamax.tcp.testbed;

import java.time.Duration;

/**
 * What a {@link ImpairedLink} does to each packet, independently per direction, from a seeded
 * random generator so that every run is the same.
 *
 * @param loss       probability that a packet is dropped
 * @param duplicate  probability that a packet is delivered twice
 * @param reorder    probability that a packet is held back by an extra random delay (up to
 *                   {@code reorderDelay}), so later packets overtake it
 * @param corrupt    probability that one byte of a packet is flipped (the checksum must catch it)
 * @param delay      one-way propagation delay
 * @param reorderDelay the most extra delay a reordered packet gets
 * @param seed       seed of the random generator
 */
public record Impairments(double loss, double duplicate, double reorder, double corrupt, Duration delay,
                          Duration reorderDelay, long seed) {

    public static Impairments none() {
        return new Impairments(0, 0, 0, 0, Duration.ofMillis(1), Duration.ofMillis(3), 1);
    }

    public Impairments withLoss(double p) {
        return new Impairments(p, duplicate, reorder, corrupt, delay, reorderDelay, seed);
    }

    public Impairments withDuplicate(double p) {
        return new Impairments(loss, p, reorder, corrupt, delay, reorderDelay, seed);
    }

    public Impairments withReorder(double p) {
        return new Impairments(loss, duplicate, p, corrupt, delay, reorderDelay, seed);
    }

    public Impairments withCorrupt(double p) {
        return new Impairments(loss, duplicate, reorder, p, delay, reorderDelay, seed);
    }

    public Impairments withSeed(long s) {
        return new Impairments(loss, duplicate, reorder, corrupt, delay, reorderDelay, s);
    }

    public Impairments withDelay(Duration d) {
        return new Impairments(loss, duplicate, reorder, corrupt, d, reorderDelay, seed);
    }
}
