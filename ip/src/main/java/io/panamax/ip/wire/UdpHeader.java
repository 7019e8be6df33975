package io.panamax.ip.wire;

import io.panamax.reactor.buffer.NetworkBytes;
import io.panamax.ip.IpProtocol;
import io.panamax.reactor.buffer.Packet;

import java.lang.foreign.MemorySegment;

/**
 * The UDP header (RFC 768; host requirements RFC 1122 §4.1).
 *
 * <pre>
 *  0                 2                 4                 6                 8
 *  | source port     | destination port| length          | checksum        | data ...
 * </pre>
 *
 * <p>The length counts header and data. It may be less than the IP payload (the rest is trailing
 * garbage to trim: RFC 768 defines the datagram by this field) but never more. The checksum
 * covers a pseudo header (source and destination address, zero, protocol 17, UDP length), the
 * header and the data; over IPv4 a received checksum of 0 means "not computed", so a computed 0
 * is sent as 0xffff, its other ones' complement form.
 *
 * <p>Static methods over {@code (seg, off)}, {@code off} being the UDP header's first byte.
 * {@link #validate} never throws; the accessors assume it returned {@link Problem#NONE}.
 */
public final class UdpHeader {
    public static final int OFFSET_SOURCE_PORT = 0;
    public static final int OFFSET_DESTINATION_PORT = 2;
    public static final int OFFSET_LENGTH = 4;
    public static final int OFFSET_CHECKSUM = 6;
    public static final int HEADER_LENGTH = 8;
    /** A received checksum field of 0: the sender computed none (RFC 768). */
    public static final int CHECKSUM_NONE = 0;
    /** A computed checksum of 0 goes on the wire as all ones (RFC 768). */
    public static final int CHECKSUM_ZERO_SENT_AS = 0xffff;
    /** The most data one IPv4 datagram can carry: 65535 − 20 (IP) − 8 (UDP). */
    public static final int MAX_PAYLOAD_LENGTH = Ipv4Header.MAX_TOTAL_LENGTH - Ipv4Header.MIN_HEADER_LENGTH - HEADER_LENGTH;

    /** Why a received datagram cannot be used; names read as metric labels. */
    public enum Problem {
        NONE,
        /** Fewer than 8 bytes of IP payload. */
        TRUNCATED,
        /** The length field is below 8, or above the IP payload length. */
        BAD_LENGTH,
        /** A non-zero checksum that does not verify (RFC 1122 §4.1.3.4: silently discard). */
        BAD_CHECKSUM,
    }

    private UdpHeader() {
    }

    // ---- validation -------------------------------------------------------------------------------------

    /** {@link #validate(MemorySegment, long, int, int, int, boolean)} with the checksum verified. */
    public static Problem validate(MemorySegment seg, long off, int ipPayloadLength, int sourceIp, int destinationIp) {
        return validate(seg, off, ipPayloadLength, sourceIp, destinationIp, true);
    }

    /**
     * Checks the UDP datagram at {@code off} inside an IP payload of {@code ipPayloadLength} bytes
     * (IP total length minus header length). With {@code verifyChecksum} the whole datagram (its
     * length field's worth) must be in {@code seg}; pass false when the NIC verified it, or when the
     * datagram spans packet fragments and {@link #checksumValid(Packet, int, int, int, int)}
     * checks it. Never throws.
     */
    public static Problem validate(MemorySegment seg, long off, int ipPayloadLength, int sourceIp, int destinationIp,
                                   boolean verifyChecksum) {
        int readable = NetworkBytes.readable(seg, off, ipPayloadLength);
        if (ipPayloadLength < HEADER_LENGTH || readable < HEADER_LENGTH) {
            return Problem.TRUNCATED;
        }
        int length = length(seg, off);
        if (length < HEADER_LENGTH || length > ipPayloadLength) {
            return Problem.BAD_LENGTH;
        }
        if (verifyChecksum) {
            if (readable < length) {
                return Problem.TRUNCATED;
            }
            if (!checksumValid(seg, off, length, sourceIp, destinationIp)) {
                return Problem.BAD_CHECKSUM;
            }
        }
        return Problem.NONE;
    }

    // ---- fields -------------------------------------------------------------------------------------------

    public static int sourcePort(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_SOURCE_PORT);
    }

    public static void setSourcePort(MemorySegment seg, long off, int port) {
        NetworkBytes.setU16(seg, off + OFFSET_SOURCE_PORT, port);
    }

    public static int destinationPort(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_DESTINATION_PORT);
    }

    public static void setDestinationPort(MemorySegment seg, long off, int port) {
        NetworkBytes.setU16(seg, off + OFFSET_DESTINATION_PORT, port);
    }

    /** Header plus data, in bytes. */
    public static int length(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_LENGTH);
    }

    public static void setLength(MemorySegment seg, long off, int value) {
        NetworkBytes.setU16(seg, off + OFFSET_LENGTH, value);
    }

    /** The data bytes: length minus 8. */
    public static int payloadLength(MemorySegment seg, long off) {
        return length(seg, off) - HEADER_LENGTH;
    }

    public static int checksum(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_CHECKSUM);
    }

    public static void setChecksum(MemorySegment seg, long off, int value) {
        NetworkBytes.setU16(seg, off + OFFSET_CHECKSUM, value);
    }

    // ---- checksum -------------------------------------------------------------------------------------------

    /** The unfolded pseudo-header sum for a UDP datagram of {@code udpLength} bytes. */
    public static long pseudoHeaderSum(int sourceIp, int destinationIp, int udpLength) {
        return InternetChecksum.pseudoHeaderSum(sourceIp, destinationIp, IpProtocol.UDP, udpLength);
    }

    /**
     * Whether the datagram of {@code udpLength} bytes at {@code off} is intact: a checksum field of
     * 0 means the sender computed none and is accepted (RFC 768, RFC 1122 §4.1.3.4).
     */
    public static boolean checksumValid(MemorySegment seg, long off, int udpLength, int sourceIp, int destinationIp) {
        if (checksum(seg, off) == CHECKSUM_NONE) {
            return true;
        }
        return InternetChecksum.verifies(pseudoHeaderSum(sourceIp, destinationIp, udpLength)
                + InternetChecksum.sum(seg, off, udpLength));
    }

    /** The same over a packet whose datagram starts at byte {@code index} and may span fragments. */
    public static boolean checksumValid(Packet p, int index, int udpLength, int sourceIp, int destinationIp) {
        if (p.getU16(index + OFFSET_CHECKSUM) == CHECKSUM_NONE) {
            return true;
        }
        return InternetChecksum.verifies(pseudoHeaderSum(sourceIp, destinationIp, udpLength)
                + InternetChecksum.sum(p, index, udpLength));
    }

    /**
     * The checksum field for a datagram whose bytes (checksum field taken as zero) sum to
     * {@code datagramSum}: 0 becomes 0xffff, since 0 would mean "no checksum".
     */
    public static int checksumFor(long datagramSum, int sourceIp, int destinationIp, int udpLength) {
        int c = InternetChecksum.finish(pseudoHeaderSum(sourceIp, destinationIp, udpLength) + datagramSum);
        return c == 0 ? CHECKSUM_ZERO_SENT_AS : c;
    }

    /** Computes the checksum of the {@code udpLength} bytes at {@code off} and stores it. */
    public static void fillChecksum(MemorySegment seg, long off, int udpLength, int sourceIp, int destinationIp) {
        setChecksum(seg, off, 0);
        setChecksum(seg, off, checksumFor(InternetChecksum.sum(seg, off, udpLength), sourceIp, destinationIp, udpLength));
    }

    /**
     * For checksum offload: stores the folded pseudo-header sum in the checksum field, which is
     * what NICs (DPDK's {@code RTE_MBUF_F_TX_UDP_CKSUM}, {@link Packet#TX_UDP_CHECKSUM}) expect to
     * find there before they add the header and data.
     */
    public static void fillPseudoHeaderChecksum(MemorySegment seg, long off, int udpLength, int sourceIp, int destinationIp) {
        setChecksum(seg, off, InternetChecksum.fold(pseudoHeaderSum(sourceIp, destinationIp, udpLength)));
    }

    // ---- transmit --------------------------------------------------------------------------------------------

    /** Writes the header with a zero checksum and returns {@link #HEADER_LENGTH}; then {@link #fillChecksum}. */
    public static int write(MemorySegment seg, long off, int sourcePort, int destinationPort, int length) {
        setSourcePort(seg, off, sourcePort);
        setDestinationPort(seg, off, destinationPort);
        setLength(seg, off, length);
        setChecksum(seg, off, 0);
        return HEADER_LENGTH;
    }
}
