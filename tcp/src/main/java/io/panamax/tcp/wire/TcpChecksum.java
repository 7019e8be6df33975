package io.panamax.tcp.wire;

import io.panamax.ip.IpProtocol;
import io.panamax.ip.wire.InternetChecksum;
import io.panamax.ip.wire.Ipv6Header;
import io.panamax.reactor.buffer.Packet;

/**
 * The TCP checksum (RFC 9293 3.1): the Internet checksum over the IPv4 pseudo header, or over
 * IPv6 the RFC 8200 8.1 one (both 128-bit addresses, a 32-bit upper-layer length, next header 6),
 * the TCP header and the payload, summed across a packet's fragments without copying.
 */
public final class TcpChecksum {
    private TcpChecksum() {
    }

    /** The unfolded sum of the pseudo header and the whole segment in {@code segment}. */
    public static long sum(int srcIp, int dstIp, Packet segment) {
        return InternetChecksum.pseudoHeaderSum(srcIp, dstIp, IpProtocol.TCP, segment.length())
                + InternetChecksum.sum(segment, 0, segment.length());
    }

    /** Whether a received segment (checksum field included) is intact. */
    public static boolean verifies(int srcIp, int dstIp, Packet segment) {
        return InternetChecksum.verifies(sum(srcIp, dstIp, segment));
    }

    /**
     * Fills the checksum field of an outgoing segment whose header starts the packet's first
     * fragment: zeroes the field, sums, and writes the result.
     */
    public static void fill(int srcIp, int dstIp, Packet segment) {
        segment.setU16(TcpHeader.CHECKSUM, 0);
        segment.setU16(TcpHeader.CHECKSUM, InternetChecksum.finish(sum(srcIp, dstIp, segment)));
    }

    /**
     * For transmit checksum offload: writes the folded pseudo-header sum (not complemented) into
     * the checksum field, which is what a NIC that finishes TCP checksums expects to find there.
     */
    public static void fillPseudoHeader(int srcIp, int dstIp, Packet segment) {
        long pseudo = InternetChecksum.pseudoHeaderSum(srcIp, dstIp, IpProtocol.TCP, segment.length());
        segment.setU16(TcpHeader.CHECKSUM, InternetChecksum.fold(pseudo));
    }

    /** The unfolded sum of the IPv6 pseudo header (RFC 8200 8.1) and the whole segment. */
    public static long sum6(long srcHigh, long srcLow, long dstHigh, long dstLow, Packet segment) {
        return Ipv6Header.pseudoHeaderSum(srcHigh, srcLow, dstHigh, dstLow, segment.length(), IpProtocol.TCP)
                + InternetChecksum.sum(segment, 0, segment.length());
    }

    /** Whether a segment received over IPv6 (checksum field included) is intact. */
    public static boolean verifies6(long srcHigh, long srcLow, long dstHigh, long dstLow, Packet segment) {
        return InternetChecksum.verifies(sum6(srcHigh, srcLow, dstHigh, dstLow, segment));
    }

    /** {@link #fill} over the IPv6 pseudo header. */
    public static void fill6(long srcHigh, long srcLow, long dstHigh, long dstLow, Packet segment) {
        segment.setU16(TcpHeader.CHECKSUM, 0);
        segment.setU16(TcpHeader.CHECKSUM, InternetChecksum.finish(sum6(srcHigh, srcLow, dstHigh, dstLow, segment)));
    }

    /** {@link #fillPseudoHeader} over the IPv6 pseudo header (RFC 8200 8.1), for a NIC that finishes the sum. */
    public static void fillPseudoHeader6(long srcHigh, long srcLow, long dstHigh, long dstLow, Packet segment) {
        long pseudo = Ipv6Header.pseudoHeaderSum(srcHigh, srcLow, dstHigh, dstLow, segment.length(), IpProtocol.TCP);
        segment.setU16(TcpHeader.CHECKSUM, InternetChecksum.fold(pseudo));
    }
}
