package io.panamax.nic.wire;

import io.panamax.nic.QueueStats;
import io.panamax.nic.offload.SoftwareChecksum;
import io.panamax.reactor.buffer.Packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The sending half of one queue pair: applies the direction's {@link Impairments} to each frame,
 * steers it to a receiving queue and copies it into that queue's {@link FrameRing}. Runs on the
 * sending shard only.
 *
 * <p>Every random decision for a frame is drawn when the frame is offered, in a fixed order and
 * whether or not it ends up mattering, so the decisions depend on the seed and the sequence of
 * frames on this queue only, never on timing or on other queues.
 */
final class LinkImpairer {
    private static final System.Logger LOG = System.getLogger("io.panamax.nic.wire");
    static final int ETHERNET_HEADER = 14;
    private static final int TPID_8021Q = 0x8100;
    private static final int TPID_8021AD = 0x88a8;
    /** A frame may carry two VLAN tags (QinQ) on top of the MTU; ring slots are this much larger. */
    static final int MAX_TAGS_BYTES = 8;
    /** The checksums a sender may leave to a wire built with checksum offload. */
    private static final int TX_CHECKSUMS = Packet.TX_IP_CHECKSUM | Packet.TX_TCP_CHECKSUM | Packet.TX_UDP_CHECKSUM;
    /** Frames held back for reordering at once; beyond this a frame chosen for reordering goes straight on. */
    private static final int MAX_HELD = 16;

    private final Impairments impairments;
    private final SplitMix64 random;
    private final WireCounters counters;
    private final QueueStats stats;
    private final FrameRing[] rings;
    private final WireSteering steering;
    private final boolean steeringHashes;
    private final int txQueue;
    private final int mtu;
    /** The TX checksum flags this wire takes on (all of them with checksum offload, else none). */
    private final int offloadedChecksums;
    private final TokenBucket bucket;
    private final boolean drawLoss;
    private final boolean drawReorder;
    private final boolean drawDuplicate;
    private final boolean drawCorrupt;
    private final boolean drawJitter;

    private final HeldFrame[] held = new HeldFrame[MAX_HELD];
    private int heldCount;
    private boolean steeringFailureLogged;

    /** A frame held back for reordering, with the decisions drawn for it when it was offered. */
    private static final class HeldFrame {
        Packet packet;
        boolean duplicate;
        boolean corrupt;
        long corruptSeed;
        long jitter;
        long releaseAt;
        int overtaken;
    }

    LinkImpairer(Impairments impairments, SplitMix64 random, WireCounters counters, QueueStats stats,
                 FrameRing[] rings, WireSteering steering, int txQueue, int mtu, boolean checksumOffload) {
        this.impairments = impairments;
        this.random = random;
        this.counters = counters;
        this.stats = stats;
        this.rings = rings;
        this.steering = steering;
        this.steeringHashes = steering.setsHash();
        this.txQueue = txQueue;
        this.mtu = mtu;
        this.offloadedChecksums = checksumOffload ? TX_CHECKSUMS : 0;
        this.bucket = impairments.rateBitsPerSecond() > 0
                ? new TokenBucket(impairments.rateBitsPerSecond(), impairments.rateBurstBytes(), impairments.rateQueueBytes())
                : null;
        this.drawLoss = impairments.lossRate() > 0;
        this.drawReorder = impairments.reorderRate() > 0;
        this.drawDuplicate = impairments.duplicateRate() > 0;
        this.drawCorrupt = impairments.corruptRate() > 0;
        this.drawJitter = impairments.jitterNanos() > 0;
        for (int i = 0; i < MAX_HELD; i++) {
            held[i] = new HeldFrame();
        }
    }

    /** Takes {@code frame} (the wire owns it from here) and sends it on, or drops it and counts why. */
    void submit(Packet frame, long now) {
        int length = frame.length();
        if (length < ETHERNET_HEADER) {
            counters.runt.increment();
            stats.txErrors.increment();
            frame.release();
            return;
        }
        if (length > maxFrameLength(frame, length)) {
            counters.oversize.increment();
            stats.txErrors.increment();
            frame.release();
            return;
        }
        boolean lose = drawLoss && random.nextDouble() < impairments.lossRate();
        boolean holdBack = drawReorder && random.nextDouble() < impairments.reorderRate();
        boolean duplicate = drawDuplicate && random.nextDouble() < impairments.duplicateRate();
        boolean corrupt = drawCorrupt && random.nextDouble() < impairments.corruptRate();
        long corruptSeed = drawCorrupt ? random.nextLong() : 0;
        long jitter = drawJitter ? random.nextLong(impairments.jitterNanos() + 1) : 0;

        stats.txPackets.increment();
        stats.txBytes.add(length);
        if (lose) {
            counters.lost.increment();
            frame.release();
            return;
        }
        if (holdBack && heldCount < MAX_HELD) {
            HeldFrame h = held[heldCount++];
            h.packet = frame;
            h.duplicate = duplicate;
            h.corrupt = corrupt;
            h.corruptSeed = corruptSeed;
            h.jitter = jitter;
            h.releaseAt = now + impairments.reorderMaxHoldNanos();
            h.overtaken = 0;
            return;
        }
        emit(frame, duplicate, corrupt, corruptSeed, jitter, now);
        frame.release();
        if (heldCount > 0) {
            releaseHeld(now, true);
        }
    }

    /** The longest frame the MTU allows: the IP datagram, the Ethernet header and up to two VLAN tags. */
    private int maxFrameLength(Packet frame, int length) {
        int max = mtu + ETHERNET_HEADER;
        int type = frame.getU16(12);
        if (type == TPID_8021Q || type == TPID_8021AD) {
            max += 4;
            if (length >= 18 && frame.getU16(16) == TPID_8021Q) {
                max += 4;
            }
        }
        return max;
    }

    /** Sends the held frames whose hold time is over; the queue's poll calls this every iteration. */
    void releaseExpired(long now) {
        if (heldCount > 0) {
            releaseHeld(now, false);
        }
    }

    /**
     * Sends, oldest first, the held frames that later frames have overtaken often enough (a frame
     * has just gone ahead of them when {@code overtaking}) or whose hold time is over.
     */
    private void releaseHeld(long now, boolean overtaking) {
        int kept = 0;
        for (int i = 0; i < heldCount; i++) {
            HeldFrame h = held[i];
            if (overtaking) {
                h.overtaken++;
            }
            if (h.overtaken >= impairments.reorderDistance() || h.releaseAt <= now) {
                release(h, now);
            } else {
                keep(i, kept++);
            }
        }
        heldCount = kept;
    }

    /** Moves held[from] to held[to], keeping the spare wrapper objects in the array. */
    private void keep(int from, int to) {
        if (from != to) {
            HeldFrame h = held[to];
            held[to] = held[from];
            held[from] = h;
        }
    }

    private void release(HeldFrame h, long now) {
        if (h.overtaken > 0) {
            counters.reordered.increment();
        }
        emit(h.packet, h.duplicate, h.corrupt, h.corruptSeed, h.jitter, now);
        h.packet.release();
        h.packet = null;
    }

    /** When the next held frame must go at the latest; {@link Long#MAX_VALUE} when none is held. */
    long nextRelease() {
        long next = Long.MAX_VALUE;
        for (int i = 0; i < heldCount; i++) {
            next = Math.min(next, held[i].releaseAt);
        }
        return next;
    }

    /** Drops the held frames without sending them (the shard is stopping). */
    void dropHeld() {
        for (int i = 0; i < heldCount; i++) {
            held[i].packet.release();
            held[i].packet = null;
        }
        heldCount = 0;
    }

    private void emit(Packet frame, boolean duplicate, boolean corrupt, long corruptSeed, long jitter, long now) {
        frame.clearFlags(Packet.RSS_HASH_VALID);
        int rx;
        try {
            rx = steering.queueFor(frame, txQueue, rings.length);
        } catch (RuntimeException e) {
            // A steering that cannot handle a frame (a malformed header, say) costs that frame, not the shard.
            counters.steeringFailed.increment();
            stats.txErrors.increment();
            if (!steeringFailureLogged) {
                steeringFailureLogged = true;
                LOG.log(System.Logger.Level.ERROR, "wire steering " + steering + " failed on a frame of "
                        + frame.length() + " bytes; such frames are dropped and counted", e);
            }
            return;
        }
        if (rx < 0 || rx >= rings.length) {
            rx = Math.floorMod(rx, rings.length);
        }
        int flags = 0;
        int hash = 0;
        if (steeringHashes && frame.hasFlag(Packet.RSS_HASH_VALID)) {
            flags = FrameRing.HASH_VALID;
            hash = frame.rssHash();
        }
        int length = frame.length();
        long due = now;
        if (bucket != null) {
            due = bucket.departure(now, length);
            if (due < 0) {
                counters.rateLimited.increment();
                return;
            }
        }
        long added = impairments.delayNanos() + jitter;
        if (added > 0) {
            due += added;
            counters.delayed.increment();
        }
        int offloaded = frame.flags() & offloadedChecksums;
        if (offloaded != 0) {
            if (corrupt) {
                // As a NIC would: the checksums are computed before the bits flip on the way, so the
                // receiver's own check (no verdict from us) finds the damage.
                SoftwareChecksum.fill(frame, offloaded);
            } else {
                flags |= ((offloaded & Packet.TX_IP_CHECKSUM) != 0 ? FrameRing.IP_CHECKSUM_VOUCHED : 0)
                        | ((offloaded & (Packet.TX_TCP_CHECKSUM | Packet.TX_UDP_CHECKSUM)) != 0 ? FrameRing.L4_CHECKSUM_VOUCHED : 0);
            }
        }
        FrameRing ring = rings[rx];
        if (!enqueue(ring, frame, length, due, hash, flags, corrupt, corruptSeed)) {
            return;
        }
        if (corrupt) {
            counters.corrupted.increment();
        }
        if (duplicate && enqueue(ring, frame, length, due, hash, flags, false, 0)) {
            counters.duplicated.increment();
        }
    }

    private boolean enqueue(FrameRing ring, Packet frame, int length, long due, int hash, int flags,
                            boolean corrupt, long corruptSeed) {
        long at = ring.claim();
        if (at < 0) {
            counters.ringFull.increment();
            stats.txDrops.increment();
            return false;
        }
        MemorySegment memory = ring.memory();
        frame.copyTo(0, memory, at, length);
        if (corrupt) {
            flipBits(memory, at, length, corruptSeed);
        }
        ring.publish(length, due, hash, flags);
        return true;
    }

    /** Flips {@code corruptBits} bits at positions drawn from the frame's own seed (they may coincide). */
    private void flipBits(MemorySegment memory, long at, int length, long seed) {
        long bits = (long) length * 8;
        for (int i = 0; i < impairments.corruptBits(); i++) {
            long bit = Math.unsignedMultiplyHigh(SplitMix64.output(seed, i), bits);
            long offset = at + (bit >>> 3);
            byte b = memory.get(ValueLayout.JAVA_BYTE, offset);
            memory.set(ValueLayout.JAVA_BYTE, offset, (byte) (b ^ (1 << (bit & 7))));
        }
    }
}
