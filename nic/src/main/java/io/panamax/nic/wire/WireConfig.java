package io.panamax.nic.wire;

import io.panamax.nic.MacAddress;
import io.panamax.reactor.Clock;

import java.util.Objects;

/**
 * The settings of a {@link Wire}: two NICs with {@code queues} queue pairs each.
 *
 * @param name        prefix of the NICs' names ({@code "wire"} gives {@code "wire:a"} and {@code "wire:b"})
 * @param queues      queue pairs on each side
 * @param mtu         the largest IP datagram a frame may carry; longer frames are dropped and counted
 * @param ringSize    frames in flight from one sending queue to one receiving queue (a power of
 *                    two); a frame that finds its ring full is dropped and counted, as on a NIC
 * @param macA        side A's address
 * @param macB        side B's address
 * @param steeringToA side A's receive steering (chooses A's queue for frames from B)
 * @param steeringToB side B's receive steering
 * @param aToB        impairments of frames from A to B
 * @param bToA        impairments of frames from B to A
 * @param seed        seeds every impairment decision: the same seed and the same frames give the
 *                    same decisions
 * @param clock       the time of delays and rate limits; the shards that poll the wire must use
 *                    the same clock (pass the reactor's {@code ManualClock} in tests)
 * @param checksumOffload whether both NICs offer IPv4, TCP and UDP checksum offload (off unless
 *                    set). The wire then vouches for the checksums a sender leaves to it, as Linux's
 *                    veth and loopback do ({@code CHECKSUM_PARTIAL} in, {@code CHECKSUM_UNNECESSARY}
 *                    out): the frame crosses with the field as the stack left it (the pseudo-header
 *                    sum) and arrives marked {@code RX_IP_CHECKSUM_GOOD} / {@code RX_L4_CHECKSUM_GOOD},
 *                    so neither end sums the payload. Memory to memory nothing can corrupt it; a
 *                    frame the wire's own corruption impairment chose has its checksums filled in
 *                    software before its bits flip and arrives with no verdict, so the receiver
 *                    catches it. Frames that asked for no offload arrive with no verdict either.
 *                    A capture of such frames shows the unfinished checksums, as one on {@code lo} does.
 */
public record WireConfig(
        String name,
        int queues,
        int mtu,
        int ringSize,
        MacAddress macA,
        MacAddress macB,
        WireSteering steeringToA,
        WireSteering steeringToB,
        Impairments aToB,
        Impairments bToA,
        long seed,
        Clock clock,
        boolean checksumOffload) {

    public static final int DEFAULT_MTU = 1500;
    public static final int DEFAULT_RING_SIZE = 512;
    /** Side A's address unless set: locally administered, easy to spot in a capture. */
    public static final MacAddress DEFAULT_MAC_A = MacAddress.parse("02:00:00:00:00:0a");
    public static final MacAddress DEFAULT_MAC_B = MacAddress.parse("02:00:00:00:00:0b");
    /** Large enough for any MTU the stack supports (jumbo frames and TSO-sized test frames). */
    public static final int MAX_MTU = 65_535;

    public WireConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(macA, "macA");
        Objects.requireNonNull(macB, "macB");
        Objects.requireNonNull(steeringToA, "steeringToA");
        Objects.requireNonNull(steeringToB, "steeringToB");
        Objects.requireNonNull(aToB, "aToB");
        Objects.requireNonNull(bToA, "bToA");
        Objects.requireNonNull(clock, "clock");
        if (queues < 1) {
            throw new IllegalArgumentException("a wire needs at least one queue pair, got " + queues);
        }
        if (mtu < 68 || mtu > MAX_MTU) {
            throw new IllegalArgumentException("mtu must be in [68, " + MAX_MTU + "], got " + mtu);
        }
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ringSize must be a power of two of at least 2, got " + ringSize);
        }
    }

    /** A builder with the defaults: one queue, MTU 1500, no impairments, the system clock. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link WireConfig}; every setting has a default (one queue, MTU 1500, no impairments). */
    public static final class Builder {
        private String name = "wire";
        private int queues = 1;
        private int mtu = DEFAULT_MTU;
        private boolean checksumOffload;
        private int ringSize = DEFAULT_RING_SIZE;
        private MacAddress macA = DEFAULT_MAC_A;
        private MacAddress macB = DEFAULT_MAC_B;
        private WireSteering steeringToA = WireSteering.sameQueue();
        private WireSteering steeringToB = WireSteering.sameQueue();
        private Impairments aToB = Impairments.none();
        private Impairments bToA = Impairments.none();
        private long seed = 1;
        private Clock clock = Clock.system();

        private Builder() {
        }

        /** Prefix of the NICs' names. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Queue pairs on each side. */
        public Builder queues(int n) {
            this.queues = n;
            return this;
        }

        /** The largest IP datagram a frame may carry. */
        public Builder mtu(int mtu) {
            this.mtu = mtu;
            return this;
        }

        /** Frames in flight per (sending queue, receiving queue) pair; a power of two. */
        public Builder ringSize(int frames) {
            this.ringSize = frames;
            return this;
        }

        /** The addresses of side A and side B. */
        public Builder macs(MacAddress a, MacAddress b) {
            this.macA = a;
            this.macB = b;
            return this;
        }

        /** The receive steering of both sides. */
        public Builder steering(WireSteering s) {
            this.steeringToA = s;
            this.steeringToB = s;
            return this;
        }

        /** Side A's receive steering. */
        public Builder steeringToA(WireSteering s) {
            this.steeringToA = s;
            return this;
        }

        /** Side B's receive steering. */
        public Builder steeringToB(WireSteering s) {
            this.steeringToB = s;
            return this;
        }

        /** The same impairments in both directions (each direction draws its own decisions). */
        public Builder impairments(Impairments both) {
            this.aToB = both;
            this.bToA = both;
            return this;
        }

        /** What happens to frames from A to B. */
        public Builder aToB(Impairments i) {
            this.aToB = i;
            return this;
        }

        /** What happens to frames from B to A. */
        public Builder bToA(Impairments i) {
            this.bToA = i;
            return this;
        }

        /** Seeds every impairment decision. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The clock of delays and rate limits: the reactor's. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * IPv4, TCP and UDP checksum offload on both NICs: the wire vouches for the checksums the
         * senders leave to it instead of anyone summing the payload (see {@link WireConfig}).
         */
        public Builder checksumOffload(boolean on) {
            this.checksumOffload = on;
            return this;
        }

        /** The configuration; throws on a setting out of range. */
        public WireConfig build() {
            return new WireConfig(name, queues, mtu, ringSize, macA, macB, steeringToA, steeringToB, aToB, bToA,
                    seed, clock, checksumOffload);
        }
    }
}
