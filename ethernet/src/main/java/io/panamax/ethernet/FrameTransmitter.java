package io.panamax.ethernet;

import io.panamax.reactor.buffer.Packet;

/** Where the Ethernet layer hands complete frames: the shard's NIC queue (its TX burst). */
@FunctionalInterface
public interface FrameTransmitter {
    /** Takes ownership of {@code frame}. */
    void transmit(Packet frame);
}
