package io.panamax.ip.wire;

import io.panamax.reactor.buffer.NetworkBytes;
import io.panamax.ip.IpProtocol;

import java.lang.foreign.MemorySegment;

/**
 * ICMPv6 messages (RFC 4443): the 4-byte header (type, code, checksum) and the fields of the error
 * and echo messages; the Neighbor Discovery messages are {@link NdpMessage}'s.
 *
 * <pre>
 *  0      1      2             4
 *  | type | code | checksum    | message body: MTU (packet too big), pointer (parameter problem),
 *                                identifier and sequence (echo), unused (other errors); then data
 * </pre>
 *
 * <p>The checksum covers the IPv6 pseudo-header (RFC 8200 §8.1, next header 58) and the whole
 * message: unlike ICMP for IPv4 it is never optional. Error messages (types 0-127) quote as much of
 * the invoking packet as fits in the minimum MTU of 1280 bytes (RFC 4443 §2.4 (c)).
 *
 * <p>Static methods over {@code (seg, off)}, {@code off} being the type byte. {@link #validate}
 * never throws; the accessors assume it returned {@link Problem#NONE}.
 */
public final class Icmpv6Message {
    public static final int OFFSET_TYPE = 0;
    public static final int OFFSET_CODE = 1;
    public static final int OFFSET_CHECKSUM = 2;
    public static final int OFFSET_BODY = 4;
    public static final int OFFSET_IDENTIFIER = 4;
    public static final int OFFSET_SEQUENCE = 6;
    public static final int OFFSET_MTU = 4;
    public static final int OFFSET_POINTER = 4;
    public static final int OFFSET_DATA = 8;
    public static final int HEADER_LENGTH = 8;
    /** RFC 4443 §2.4 (c): an error message fits in the IPv6 minimum MTU. */
    public static final int MAX_ERROR_PACKET = Ipv6Header.MIN_MTU;

    public static final int TYPE_DESTINATION_UNREACHABLE = 1;
    public static final int TYPE_PACKET_TOO_BIG = 2;
    public static final int TYPE_TIME_EXCEEDED = 3;
    public static final int TYPE_PARAMETER_PROBLEM = 4;
    public static final int TYPE_ECHO_REQUEST = 128;
    public static final int TYPE_ECHO_REPLY = 129;
    /** RFC 4861 §4. */
    public static final int TYPE_ROUTER_SOLICITATION = 133;
    public static final int TYPE_ROUTER_ADVERTISEMENT = 134;
    public static final int TYPE_NEIGHBOR_SOLICITATION = 135;
    public static final int TYPE_NEIGHBOR_ADVERTISEMENT = 136;
    public static final int TYPE_REDIRECT = 137;

    // Destination unreachable codes (RFC 4443 §3.1).
    public static final int CODE_NO_ROUTE = 0;
    public static final int CODE_ADMINISTRATIVELY_PROHIBITED = 1;
    public static final int CODE_BEYOND_SCOPE = 2;
    public static final int CODE_ADDRESS_UNREACHABLE = 3;
    public static final int CODE_PORT_UNREACHABLE = 4;
    // Time exceeded codes (§3.3).
    public static final int CODE_HOP_LIMIT_EXCEEDED = 0;
    public static final int CODE_FRAGMENT_REASSEMBLY_TIME_EXCEEDED = 1;
    // Parameter problem codes (§3.4).
    public static final int CODE_ERRONEOUS_HEADER_FIELD = 0;
    public static final int CODE_UNRECOGNIZED_NEXT_HEADER = 1;
    public static final int CODE_UNRECOGNIZED_OPTION = 2;
    /** RFC 7112 §5: IPv6 First Fragment has incomplete IPv6 Header Chain (the pointer is 0). */
    public static final int CODE_INCOMPLETE_HEADER_CHAIN = 3;

    /** Why a received message cannot be used; names read as metric labels. */
    public enum Problem {
        NONE,
        /** Fewer than 8 bytes (every RFC 4443 message has at least type, code, checksum and 4 more). */
        TRUNCATED,
        /** The checksum does not verify (RFC 4443 §2.3: discard). */
        BAD_CHECKSUM,
    }

    private Icmpv6Message() {
    }

    /**
     * Checks the message of {@code length} bytes at {@code off} (the IPv6 upper-layer length). The
     * checksum needs the pseudo-header sum of the packet ({@link Ipv6Header#pseudoHeaderSum}, with
     * {@code length} and next header 58) and the whole message in {@code seg}. Never throws.
     */
    public static Problem validate(MemorySegment seg, long off, int length, long pseudoHeaderSum, boolean verifyChecksum) {
        int readable = NetworkBytes.readable(seg, off, length);
        if (length < HEADER_LENGTH || readable < HEADER_LENGTH) {
            return Problem.TRUNCATED;
        }
        if (verifyChecksum) {
            if (readable < length) {
                return Problem.TRUNCATED;
            }
            if (!InternetChecksum.verifies(pseudoHeaderSum + InternetChecksum.sum(seg, off, length))) {
                return Problem.BAD_CHECKSUM;
            }
        }
        return Problem.NONE;
    }

    /** The pseudo-header sum of an ICMPv6 message of {@code length} bytes in the packet whose IPv6 header is at {@code ipOff}. */
    public static long pseudoHeaderSum(MemorySegment seg, long ipOff, int length) {
        return Ipv6Header.pseudoHeaderSum(seg, ipOff, length, IpProtocol.ICMPV6);
    }

    /** Error messages are types 0-127, informational ones 128-255 (RFC 4443 §2.1). */
    public static boolean isError(int type) {
        return type < 128;
    }

    // ---- fields ---------------------------------------------------------------------------------------

    public static int type(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_TYPE);
    }

    public static int code(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_CODE);
    }

    public static int checksum(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_CHECKSUM);
    }

    public static void setChecksum(MemorySegment seg, long off, int value) {
        NetworkBytes.setU16(seg, off + OFFSET_CHECKSUM, value);
    }

    public static int identifier(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_IDENTIFIER);
    }

    public static int sequence(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_SEQUENCE);
    }

    /** The MTU of a packet too big (RFC 4443 §3.2). */
    public static long mtu(MemorySegment seg, long off) {
        return NetworkBytes.getU32(seg, off + OFFSET_MTU);
    }

    /** The pointer of a parameter problem: the offset of the error in the invoking packet (§3.4). */
    public static long pointer(MemorySegment seg, long off) {
        return NetworkBytes.getU32(seg, off + OFFSET_POINTER);
    }

    // ---- transmit ---------------------------------------------------------------------------------------

    /**
     * Writes type, code, a zero checksum and the 32-bit body ({@code rest}: MTU, pointer,
     * identifier and sequence, or 0) and returns {@link #HEADER_LENGTH}; the data follows, then
     * {@link #fillChecksum}.
     */
    public static int write(MemorySegment seg, long off, int type, int code, int rest) {
        NetworkBytes.setU8(seg, off + OFFSET_TYPE, type);
        NetworkBytes.setU8(seg, off + OFFSET_CODE, code);
        NetworkBytes.setU16(seg, off + OFFSET_CHECKSUM, 0);
        NetworkBytes.setI32(seg, off + OFFSET_BODY, rest);
        return HEADER_LENGTH;
    }

    /** Turns the echo request at {@code off} into its reply (RFC 4443 §4.2): type 129, checksum updated incrementally (RFC 1624). */
    public static void turnIntoEchoReply(MemorySegment seg, long off) {
        int old = NetworkBytes.getU16(seg, off);
        NetworkBytes.setU8(seg, off + OFFSET_TYPE, TYPE_ECHO_REPLY);
        setChecksum(seg, off, InternetChecksum.update(checksum(seg, off), old, NetworkBytes.getU16(seg, off)));
    }

    /** Computes and stores the checksum of the {@code length} bytes at {@code off}, given the pseudo-header sum. */
    public static void fillChecksum(MemorySegment seg, long off, int length, long pseudoHeaderSum) {
        setChecksum(seg, off, 0);
        setChecksum(seg, off, InternetChecksum.finish(pseudoHeaderSum + InternetChecksum.sum(seg, off, length)));
    }
}
