package io.panamax.nic.wire;

import io.panamax.reactor.buffer.Packet;

/**
 * Chooses the receive queue of a frame crossing the wire: the receiving NIC's flow steering (its
 * RSS). It runs on the sending shard, once per frame, and must not allocate or block.
 *
 * <p>A steering that hashes (Toeplitz RSS, say) reports it with {@link #setsHash()} and sets the
 * hash on the frame with {@link Packet#setRssHash(int)} inside {@link #queueFor}: the wire clears
 * the frame's {@link Packet#RSS_HASH_VALID} flag before the call and hands the hash it finds
 * afterwards to the receiver, whose packet carries it, as a NIC's would; the receiving NIC then
 * advertises {@code rssHash} in its capabilities. A steering that also implements
 * {@link io.panamax.nic.RssControl} is returned by the receiving NIC's {@code rss()}.
 */
@FunctionalInterface
public interface WireSteering {

    /**
     * The receive queue for {@code frame}, in {@code [0, queueCount)}; a value outside is reduced
     * modulo {@code queueCount}. The frame is read-only here except for its RSS hash.
     *
     * @param frame      the frame as sent (owned by the wire during the call)
     * @param txQueue    the queue of the sending NIC it was transmitted on
     * @param queueCount receive queues of the receiving NIC
     */
    int queueFor(Packet frame, int txQueue, int queueCount);

    /** Whether {@link #queueFor} sets the frame's RSS hash. */
    default boolean setsHash() {
        return false;
    }

    /** The default: a frame sent on queue {@code i} arrives on queue {@code i} of the peer. */
    static WireSteering sameQueue() {
        return SameQueue.INSTANCE;
    }

    /** {@link #sameQueue()}'s implementation; an enum so it is a singleton that prints its name. */
    enum SameQueue implements WireSteering {
        INSTANCE;

        @Override
        public int queueFor(Packet frame, int txQueue, int queueCount) {
            return txQueue;
        }
    }
}
