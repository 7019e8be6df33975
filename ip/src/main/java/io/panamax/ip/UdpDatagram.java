package io.panamax.ip;

import io.panamax.reactor.ReadBuffer;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A datagram returned by {@link UdpSocket#receive()}: its source and its data (the receiver
 * releases it). Over IPv4 the source is {@code srcIp}; over IPv6 it is {@code srcIpv6} (and
 * {@code srcIp} is 0). {@link #sender()} gives either as an {@link InetSocketAddress}.
 */
public record UdpDatagram(int srcIp, int srcPort, ReadBuffer payload, Inet6Address srcIpv6) {

    /** An IPv4 datagram. */
    public UdpDatagram(int srcIp, int srcPort, ReadBuffer payload) {
        this(srcIp, srcPort, payload, null);
    }

    /** The source address and port, for either family. */
    public InetSocketAddress sender() {
        InetAddress a = srcIpv6 != null ? srcIpv6 : Ipv4Address.toInetAddress(srcIp);
        return new InetSocketAddress(a, srcPort);
    }
}
