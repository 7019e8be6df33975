package io.panamax.reactor.buffer;

/** Receives packets: the next layer up, or the shard a packet was forwarded to. */
@FunctionalInterface
public interface PacketHandler {
    /** Takes ownership of {@code packet}: the handler releases it or passes it on. */
    void handle(Packet packet);
}
