package io.panamax.nic.wire;

/**
 * The sums of the {@link WireCounters} of one direction of a wire, read at one moment.
 *
 * @param sent        frames the sending NIC accepted (its {@code txPackets}), impaired or not
 * @param lost        dropped at random
 * @param duplicated  delivered twice
 * @param reordered   overtaken by later frames
 * @param corrupted   with flipped bits
 * @param delayed     given a delay
 * @param rateLimited dropped by the rate limiter
 * @param oversize    dropped: longer than the MTU
 * @param runt        dropped: shorter than an Ethernet header
 * @param ringFull    dropped: the receiving ring was full
 * @param steeringFailed dropped: the receive steering threw on the frame
 */
public record WireStats(long sent, long lost, long duplicated, long reordered, long corrupted, long delayed,
                        long rateLimited, long oversize, long runt, long ringFull, long steeringFailed) {

    /** Frames the wire dropped, for every reason. */
    public long dropped() {
        return lost + rateLimited + oversize + runt + ringFull + steeringFailed;
    }
}
