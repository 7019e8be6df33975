package io.panamax.ip;

import io.panamax.reactor.ReadBuffer;

/** A datagram returned by {@link UdpSocket#receive()}: its source and its data (the receiver releases it). */
public record UdpDatagram(int srcIp, int srcPort, ReadBuffer payload) {
}
