package io.panamax.ip;

import io.panamax.reactor.ReadBuffer;

/** Receives the datagrams of a bound UDP socket, as they arrive, on the socket's shard. */
@FunctionalInterface
public interface UdpHandler {
    /** {@code payload} (the UDP data) is the handler's to release or pass on (to {@link UdpSocket#send}, without a copy). */
    void onDatagram(UdpSocket socket, int srcIp, int srcPort, ReadBuffer payload);

    /**
     * A datagram over IPv6, from {@code [srcHigh:srcLow]:srcPort} (the address as two 64-bit
     * halves, network order; {@link UdpSocket#send6} answers to them). A handler that serves IPv6
     * overrides this; the default releases the datagram, so that handlers written for IPv4 alone
     * (lambdas) keep working and simply do not serve IPv6.
     */
    default void onDatagram6(UdpSocket socket, long srcHigh, long srcLow, int srcPort, ReadBuffer payload) {
        payload.release();
    }
}
