/**
 * Wire formats of the internet and transport layers: {@link io.panamax.ip.wire.Ipv4Header} with
 * {@link io.panamax.ip.wire.Ipv4Option} (RFC 791, RFC 1122), {@link io.panamax.ip.wire.IcmpMessage}
 * (RFC 792, RFC 1191), {@link io.panamax.ip.wire.UdpHeader} (RFC 768) and
 * {@link io.panamax.ip.wire.InternetChecksum} (RFC 1071, RFC 1624).
 *
 * <p>Static methods over {@code (MemorySegment seg, long off)} as in {@code io.panamax.ethernet.wire}
 * (the ethernet module, which ip does not depend on, so not a link): {@code validate} never throws
 * and names a {@code Problem}; the accessors assume it returned {@code NONE}. The headers must be contiguous in {@code seg}
 * (linearize them); the bytes after them may lie in later fragments of the packet, in which case
 * the ICMP and UDP checksums are verified over the {@link io.panamax.reactor.buffer.Packet}
 * ({@code checksumValid(Packet, ...)}) and {@code validate} is called with {@code verifyChecksum}
 * false. The same flag skips checksums a NIC has verified.
 *
 * <p>Receive order for a frame: {@code EthernetHeader.validate}, then by
 * {@code EthernetHeader.innerEtherType}: {@code ArpMessage.validate} or {@code Ipv4Header.validate}
 * (available = frame bytes after the Ethernet header; padding beyond the total length is normal
 * and is the layer's to trim); then, for an unfragmented datagram, by {@code Ipv4Header.protocol}:
 * {@code IcmpMessage.validate} or {@code UdpHeader.validate} with {@code Ipv4Header.payloadLength}.
 */
package io.panamax.ip.wire;
