/**
 * Wire formats of the link layer: {@link io.panamax.ethernet.wire.EthernetHeader} (Ethernet II,
 * IEEE 802.3 length frames, 802.1Q and 802.1ad tags), {@link io.panamax.ethernet.wire.EtherType},
 * {@link io.panamax.ethernet.wire.EthernetAddress} (48-bit MACs as {@code long}),
 * {@link io.panamax.ethernet.wire.VlanTag} and {@link io.panamax.ethernet.wire.ArpMessage}
 * (RFC 826); the big-endian reads and writes every format uses are
 * {@link io.panamax.reactor.buffer.NetworkBytes} in reactor.
 *
 * <p>Everything is a static method over {@code (MemorySegment seg, long off)}: no objects, no
 * allocation, no locks. A received frame is first checked by the format's {@code validate(seg,
 * off, available)}, which never throws and returns a {@code Problem} enum ({@code NONE} or the
 * reason to count and drop the frame); the accessors then read without further checks.
 *
 * <p>With a {@link io.panamax.reactor.buffer.Packet}: make the header contiguous with
 * {@code p.linearize(n)}, then pass {@code p.head()}, {@code p.headOffset()} and the packet's byte
 * count from there ({@code p.length()}). The validators read no more than {@code available} bytes,
 * nor past the segment; the segment is the whole buffer, so {@code available} is what keeps them
 * inside the packet.
 */
package io.panamax.ethernet.wire;
