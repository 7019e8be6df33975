package io.panamax.stack;

import io.panamax.ethernet.wire.EtherType;
import io.panamax.ethernet.wire.EthernetHeader;
import io.panamax.ip.IpProtocol;
import io.panamax.ip.wire.Ipv4Header;
import io.panamax.reactor.buffer.Packet;
import io.panamax.rss.Toeplitz;

import java.lang.foreign.MemorySegment;

/**
 * The flow of a received Ethernet frame, as a NIC's RSS sees it: the Toeplitz hash of the IPv4
 * 4-tuple for TCP and UDP (unfragmented), of the address pair for everything else IPv4 (fragments
 * included: later fragments carry no ports). Frames without an IPv4 flow (ARP, malformed) have none.
 * The software steering and the wire's RSS emulation use this one definition, so they agree.
 */
final class FrameFlow {
    /** What {@link #hash} returns for a frame without an IPv4 flow. */
    static final long NO_FLOW = -1;

    private FrameFlow() {
    }

    /** The frame's RSS hash as an unsigned value, or {@link #NO_FLOW}. Does not allocate. */
    static long hash(Packet frame, Toeplitz toeplitz) {
        if (frame.length() < EthernetHeader.HEADER_LENGTH
                || !frame.linearize(Math.min(frame.length(), EthernetHeader.MAX_HEADER_LENGTH + Ipv4Header.MIN_HEADER_LENGTH + 4))) {
            return NO_FLOW;
        }
        MemorySegment seg = frame.head();
        long off = frame.headOffset();
        int available = frame.headLength();
        if (EthernetHeader.validate(seg, off, available) != EthernetHeader.Problem.NONE
                || EthernetHeader.innerEtherType(seg, off) != EtherType.IPV4) {
            return NO_FLOW;
        }
        int l2 = EthernetHeader.headerLength(seg, off);
        long ip = off + l2;
        if (available - l2 < Ipv4Header.MIN_HEADER_LENGTH || Ipv4Header.version(seg, ip) != Ipv4Header.VERSION) {
            return NO_FLOW;
        }
        int src = Ipv4Header.source(seg, ip);
        int dst = Ipv4Header.destination(seg, ip);
        int protocol = Ipv4Header.protocol(seg, ip);
        int ihl = Ipv4Header.headerLength(seg, ip);
        boolean ported = (protocol == IpProtocol.TCP || protocol == IpProtocol.UDP) && !Ipv4Header.isFragment(seg, ip);
        if (ported && frame.length() >= l2 + ihl + 4) {
            int ports = frame.getI32(l2 + ihl);
            return toeplitz.hashIpv4Tcp(src, dst, ports >>> 16, ports & 0xffff) & 0xffff_ffffL;
        }
        return toeplitz.hashIpv4(src, dst) & 0xffff_ffffL;
    }
}
