package io.panamax.ip;

import io.panamax.reactor.ReadBuffer;

/** Receives the datagrams of a bound UDP socket, as they arrive, on the socket's shard. */
@FunctionalInterface
public interface UdpHandler {
    /** {@code payload} (the UDP data) is the handler's to release or pass on (to {@link UdpSocket#send}, without a copy). */
    void onDatagram(UdpSocket socket, int srcIp, int srcPort, ReadBuffer payload);
}
