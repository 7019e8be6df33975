package io.panamax.ip;

import io.panamax.reactor.buffer.Packet;

/**
 * What IPv4 needs from the link below it: the next hop's link address resolved and the datagram
 * framed for it (RFC 826 ARP on Ethernet). Defined here so that {@code ip} depends on
 * {@code reactor} only; the stack hands {@link Ipv4} an adapter over the ethernet module's ARP.
 */
public interface Ipv4NextHop {
    /** The cached link address of {@code nextHop}, or -1 while unknown. */
    long lookup(int nextHop);

    /**
     * Sends {@code datagram} to the neighbour {@code nextHop}, at once when its link address is
     * known or after resolution (RFC 1122 2.3.2.2: the datagram waits in a bounded queue). Takes
     * ownership.
     */
    void sendIpv4(int nextHop, Packet datagram);

    /** Sends {@code datagram} as a link-layer broadcast (limited or directed broadcast). Takes ownership. */
    void sendIpv4Broadcast(Packet datagram);
}
