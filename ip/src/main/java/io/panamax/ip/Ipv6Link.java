package io.panamax.ip;

import io.panamax.reactor.buffer.Packet;

/**
 * What IPv6 and neighbour discovery need from the link below them (Ethernet, RFC 2464): the
 * interface's own link address (the source of the interface identifier and of NDP's link-layer
 * address options), framing a datagram for a resolved link address, and the multicast groups
 * to accept (solicited-node, RFC 4291 2.7.1). Defined here so that {@code ip} depends on
 * {@code reactor} only; the stack hands {@link Ipv6} an adapter over the ethernet module.
 */
public interface Ipv6Link {
    /** This interface's 48-bit link address. */
    long mac();

    /** Frames {@code datagram} as IPv6 (EtherType 0x86DD) to {@code dstMac} and sends it. Takes ownership. */
    void sendIpv6(long dstMac, Packet datagram);

    /** Accepts frames sent to the multicast link address {@code group} from now on. */
    void join(long group);

    /** Stops accepting frames sent to {@code group}. */
    void leave(long group);
}
