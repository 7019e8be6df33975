package io.panamax.stack;

import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketHandler;
import io.panamax.reactor.metrics.Counter;
import io.panamax.rss.FlowSteering;


/**
 * The first stage of a shard's receive path: finds the shard that owns each frame's flow — Toeplitz
 * over the IPv4 4-tuple (TCP and UDP) or the address pair (fragments, other protocols), through the
 * stack's redirection table — and forwards the frame there over the shard queues unless it is this
 * shard. An ICMP or ICMPv6 error goes to the shard of the flow it quotes ({@link FrameFlow#steeringHash}),
 * where the connection or socket it is about lives. Frames without a flow (ARP, malformed ones) stay here: ARP state reaches every shard by
 * itself, and the local layers count malformed frames under their drop reasons.
 *
 * <p>Under hardware RSS the NIC should already have delivered every frame to its owner; a frame that
 * arrives elsewhere is counted as mis-steered (the NIC's key, hash types or table differ from the
 * stack's) and forwarded to the owner all the same, so connections stay on their shard.
 */
public final class RxSteering implements PacketHandler {
    private static final System.Logger LOG = System.getLogger("io.panamax.stack");
    /** Frames whose NIC hash is compared with the stack's own, at start. */
    private static final int HASH_CHECKS = 64;

    private final Shard shard;
    private final FlowSteering steering;
    private final PacketHandler local;
    private final PacketHandler[] owners;
    private final Counter forwarded;
    private final Counter misSteered;
    private final Counter hashMismatches;
    private int hashChecksLeft = HASH_CHECKS;

    /**
     * @param shard    the receiving shard (this stage runs on it)
     * @param steering this shard's copy of the stack's steering
     * @param local    where frames this shard owns go (its Ethernet layer)
     * @param owners   where frames go on each shard, by shard id (every shard's Ethernet layer)
     */
    public RxSteering(Shard shard, FlowSteering steering, PacketHandler local, PacketHandler[] owners) {
        this.shard = shard;
        this.steering = steering;
        this.local = local;
        this.owners = owners;
        var m = shard.metrics();
        this.forwarded = m.counter("steering_forwarded_total", "Received frames forwarded to the shard that owns their flow");
        this.misSteered = m.counter("steering_missteered_total",
                "Frames the NIC delivered to another shard than the stack's hash predicts (hardware RSS disagrees)");
        this.hashMismatches = m.counter("steering_hash_mismatches_total",
                "Frames (among the first checked on each shard) whose NIC-computed RSS hash differs from the stack's");
    }

    @Override
    public void handle(Packet frame) {
        long h = FrameFlow.steeringHash(frame, steering.toeplitz());
        if (h == FrameFlow.NO_FLOW) {
            local.handle(frame);
            return;
        }
        boolean quoted = (h & FrameFlow.QUOTED) != 0;
        if (!quoted && hashChecksLeft > 0 && frame.hasFlag(Packet.RSS_HASH_VALID)) {
            checkNicHash(frame.rssHash(), (int) h);
        }
        int owner = steering.shardOf((int) h);
        if (owner == shard.id()) {
            local.handle(frame);
            return;
        }
        // An ICMP error follows the flow it quotes, which no NIC's hash does: not a mis-steering.
        if (!quoted && !steering.forwardsInSoftware()) {
            misSteered.increment();
        }
        forwarded.increment();
        frame.forward(shard, owner, owners[owner]);
    }

    /** Warns once when the NIC's hash of a frame differs from the stack's: its key or hash types differ. */
    private void checkNicHash(int nicHash, int ours) {
        hashChecksLeft--;
        if (nicHash != ours) {
            hashChecksLeft = 0;
            hashMismatches.increment();
            LOG.log(System.Logger.Level.WARNING, "shard " + shard.id() + ": the NIC's RSS hash 0x"
                    + Integer.toHexString(nicHash) + " differs from the stack's 0x" + Integer.toHexString(ours)
                    + " for the same packet: its key or hash types are not the stack's, so flows may land on"
                    + " the wrong shard and be forwarded (see steering_missteered_total)");
        }
    }
}
