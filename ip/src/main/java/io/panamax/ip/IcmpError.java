package io.panamax.ip;

import io.panamax.ip.wire.Ipv4Header;
import io.panamax.ip.wire.Ipv6Extensions;
import io.panamax.ip.wire.Ipv6Header;
import io.panamax.reactor.buffer.Packet;

/**
 * An ICMP (RFC 792) or ICMPv6 (RFC 4443) error about a datagram this host sent, parsed by the IP
 * layer before the transport sees it: the error's type, code and MTU, and what the quote tells
 * about the offending datagram (its addresses, transport protocol, and the first 8 bytes of its
 * transport header, which RFC 792 and RFC 1122 3.2.2 guarantee: the ports and, for TCP, the
 * sequence number). A transport finds its connection from these fields and never reads the quote.
 *
 * <p>One instance per shard and family, refilled for every error ({@link #fromIpv4},
 * {@link #fromIpv6}): delivering an error allocates nothing. Borrowed by the handler for the call:
 * not to be kept after it returns.
 */
public final class IcmpError {
    /** About an IPv6 datagram: the quoted addresses are in the longs, else in the ints. */
    public boolean ipv6;
    /** ICMP or ICMPv6 type. */
    public int type;
    /** ICMP or ICMPv6 code. */
    public int code;
    /**
     * The MTU the error reports: IPv4 fragmentation needed's next-hop MTU (RFC 1191, 0 when the
     * router gave none), ICMPv6 packet too big's MTU (RFC 8201; the path MTU is already lowered),
     * otherwise 0.
     */
    public long mtu;
    /** The IPv4 address of the node that sent the error (0 over IPv6). */
    public int reporterIp;
    /** The quoted datagram's transport protocol (IPv4 protocol, IPv6 upper-layer next header). */
    public int protocol;
    /** The quoted datagram's IPv4 source (this host) and destination. */
    public int srcIp;
    public int dstIp;
    /** The quoted datagram's IPv6 source (this host) and destination, high and low halves. */
    public long srcHigh;
    public long srcLow;
    public long dstHigh;
    public long dstLow;
    /**
     * Whether the quote holds the first 8 bytes of the transport header, so that the ports and
     * {@link #transportWord} mean something; false when the quote is cut short or quotes a
     * fragment other than the first.
     */
    public boolean hasTransportHeader;
    /** The quoted transport header's source port (this host's). */
    public int srcPort;
    /** The quoted transport header's destination port. */
    public int dstPort;
    /** Bytes 4 to 7 of the quoted transport header: TCP's sequence number (SEG.SEQ). */
    public int transportWord;

    /**
     * Fills this value from an ICMP error whose {@code quoted} part starts at the quoted IPv4
     * header (already checked to be a whole header by {@link Icmp}). Never throws.
     */
    public IcmpError fromIpv4(int type, int code, int nextHopMtu, int reporterIp, Packet quoted) {
        this.ipv6 = false;
        this.type = type;
        this.code = code;
        this.mtu = nextHopMtu;
        this.reporterIp = reporterIp;
        srcHigh = srcLow = dstHigh = dstLow = 0;
        int length = quoted.length();
        if (length < Ipv4Header.MIN_HEADER_LENGTH) {
            protocol = srcIp = dstIp = 0;
            return noTransport();
        }
        int ihl = (quoted.getU8(Ipv4Header.OFFSET_VERSION_IHL) & 0x0f) * 4;
        protocol = quoted.getU8(Ipv4Header.OFFSET_PROTOCOL);
        srcIp = quoted.getI32(Ipv4Header.OFFSET_SOURCE);
        dstIp = quoted.getI32(Ipv4Header.OFFSET_DESTINATION);
        boolean firstFragment = (quoted.getU16(Ipv4Header.OFFSET_FLAGS_FRAGMENT_OFFSET) & Ipv4Header.FRAGMENT_OFFSET_MASK) == 0;
        if (ihl < Ipv4Header.MIN_HEADER_LENGTH || length < ihl + 8 || !firstFragment) {
            return noTransport();
        }
        return transport(quoted, ihl);
    }

    /**
     * Fills this value from an ICMPv6 error whose {@code quoted} part starts at the quoted IPv6
     * header. The transport header follows the IPv6 header, or a fragment header when the
     * datagram was fragmented (then only the first fragment quotes it). Never throws.
     */
    public IcmpError fromIpv6(int type, int code, long mtu, Packet quoted) {
        this.ipv6 = true;
        this.type = type;
        this.code = code;
        this.mtu = mtu;
        this.reporterIp = 0;
        srcIp = dstIp = 0;
        int length = quoted.length();
        if (length < Ipv6Header.HEADER_LENGTH) {
            protocol = 0;
            srcHigh = srcLow = dstHigh = dstLow = 0;
            return noTransport();
        }
        srcHigh = quotedLong(quoted, Ipv6Header.OFFSET_SOURCE);
        srcLow = quotedLong(quoted, Ipv6Header.OFFSET_SOURCE + 8);
        dstHigh = quotedLong(quoted, Ipv6Header.OFFSET_DESTINATION);
        dstLow = quotedLong(quoted, Ipv6Header.OFFSET_DESTINATION + 8);
        int next = quoted.getU8(Ipv6Header.OFFSET_NEXT_HEADER);
        int at = Ipv6Header.HEADER_LENGTH;
        if (next == Ipv6Extensions.FRAGMENT) {
            // RFC 8200 4.5: next header (1 byte), reserved, then the offset (13 bits) and flags.
            if (length < at + Ipv6Extensions.FRAGMENT_HEADER_LENGTH) {
                protocol = next;
                return noTransport();
            }
            boolean first = (quoted.getU16(at + 2) & 0xfff8) == 0;
            next = quoted.getU8(at);
            at += Ipv6Extensions.FRAGMENT_HEADER_LENGTH;
            if (!first) {
                protocol = next;
                return noTransport();
            }
        }
        protocol = next;
        if (length < at + 8) {
            return noTransport();
        }
        return transport(quoted, at);
    }

    private IcmpError transport(Packet quoted, int at) {
        hasTransportHeader = true;
        srcPort = quoted.getU16(at);
        dstPort = quoted.getU16(at + 2);
        transportWord = quoted.getI32(at + 4);
        return this;
    }

    private IcmpError noTransport() {
        hasTransportHeader = false;
        srcPort = dstPort = transportWord = 0;
        return this;
    }

    private static long quotedLong(Packet p, int index) {
        return (long) p.getI32(index) << 32 | (p.getI32(index + 4) & 0xffffffffL);
    }

    @Override
    public String toString() {
        return (ipv6 ? "ICMPv6" : "ICMP") + " type " + type + " code " + code + (mtu != 0 ? " mtu " + mtu : "")
                + " about protocol " + protocol + (hasTransportHeader ? " ports " + srcPort + "->" + dstPort
                + " word " + Integer.toUnsignedString(transportWord) : " (no transport header quoted)");
    }
}
