package io.panamax.ip.wire;

import io.panamax.reactor.buffer.NetworkBytes;
import io.panamax.reactor.buffer.Packet;

import java.lang.foreign.MemorySegment;

/**
 * An ICMP message (RFC 792; host requirements RFC 1122 §3.2.2): type, code, checksum over the
 * whole message, a 4-byte "rest of header" whose meaning depends on the type, then data.
 *
 * <pre>
 *  0        1        2                 4                                 8
 *  | type   | code   | checksum        | rest of header                  | data ...
 *  echo (0, 8):                        | identifier      | sequence      | echoed data
 *  unreachable (3):                    | unused          | next-hop MTU  | quoted datagram
 *  time exceeded (11):                 | unused                          | quoted datagram
 *  parameter problem (12):             |pointer| unused                  | quoted datagram
 *  redirect (5):                       | gateway address                 | quoted datagram
 * </pre>
 *
 * <p>The error messages (3, 4, 5, 11, 12) quote the datagram that caused them: its IP header and
 * at least the first 8 bytes of its data (RFC 792; RFC 1812 §4.3.2.3 lets routers quote more).
 * The quote starts at {@link #OFFSET_DATA}; read it with {@link Ipv4Header} at
 * {@code off + OFFSET_DATA}.
 *
 * <p>Static methods over {@code (seg, off)}, {@code off} being the ICMP message's first byte and
 * {@code length} its length (the IP payload length). {@link #validate} never throws.
 */
public final class IcmpMessage {
    public static final int OFFSET_TYPE = 0;
    public static final int OFFSET_CODE = 1;
    public static final int OFFSET_CHECKSUM = 2;
    /** The type-specific 32 bits. */
    public static final int OFFSET_REST_OF_HEADER = 4;
    public static final int OFFSET_IDENTIFIER = 4;
    public static final int OFFSET_SEQUENCE = 6;
    /** Fragmentation needed: the MTU of the next hop in the low 16 bits of the rest (RFC 1191 §4). */
    public static final int OFFSET_NEXT_HOP_MTU = 6;
    /** Parameter problem: the octet of the quoted header in error (RFC 792). */
    public static final int OFFSET_POINTER = 4;
    /** Redirect: the gateway to use (RFC 792). */
    public static final int OFFSET_GATEWAY = 4;
    /** Where echo data, or an error's quoted datagram, starts. */
    public static final int OFFSET_DATA = 8;
    public static final int HEADER_LENGTH = 8;
    /** Timestamp and timestamp reply: three 32-bit timestamps after the identifier and sequence. */
    public static final int TIMESTAMP_LENGTH = 20;
    /** Address mask request and reply: the mask after the identifier and sequence (RFC 950). */
    public static final int ADDRESS_MASK_LENGTH = 12;
    /** Data bytes of the original datagram an error quotes at least, after its header (RFC 792). */
    public static final int QUOTED_DATA_MIN = 8;
    /**
     * An error datagram, IP header included, stays within the 576 bytes every host accepts
     * (RFC 1812 §4.3.2.3, the rule Linux follows as a host too).
     */
    public static final int MAX_ERROR_DATAGRAM = 576;

    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    /** Deprecated (RFC 6633): hosts ignore it. */
    public static final int TYPE_SOURCE_QUENCH = 4;
    public static final int TYPE_REDIRECT = 5;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_ROUTER_ADVERTISEMENT = 9;
    public static final int TYPE_ROUTER_SOLICITATION = 10;
    public static final int TYPE_TIME_EXCEEDED = 11;
    public static final int TYPE_PARAMETER_PROBLEM = 12;
    public static final int TYPE_TIMESTAMP_REQUEST = 13;
    public static final int TYPE_TIMESTAMP_REPLY = 14;
    /** Obsolete (RFC 6918). */
    public static final int TYPE_INFORMATION_REQUEST = 15;
    public static final int TYPE_INFORMATION_REPLY = 16;
    /** Address mask request and reply (RFC 950, obsolete: RFC 6918). */
    public static final int TYPE_ADDRESS_MASK_REQUEST = 17;
    public static final int TYPE_ADDRESS_MASK_REPLY = 18;

    /** Destination unreachable codes: RFC 792 (0-5), RFC 1122 §3.2.2.1 (6-12), RFC 1812 §5.2.7.1 (13-15). */
    public static final int CODE_NET_UNREACHABLE = 0;
    public static final int CODE_HOST_UNREACHABLE = 1;
    public static final int CODE_PROTOCOL_UNREACHABLE = 2;
    public static final int CODE_PORT_UNREACHABLE = 3;
    /** Fragmentation needed and DF set; carries the next-hop MTU (RFC 1191). */
    public static final int CODE_FRAGMENTATION_NEEDED = 4;
    public static final int CODE_SOURCE_ROUTE_FAILED = 5;
    public static final int CODE_DESTINATION_NETWORK_UNKNOWN = 6;
    public static final int CODE_DESTINATION_HOST_UNKNOWN = 7;
    public static final int CODE_SOURCE_HOST_ISOLATED = 8;
    public static final int CODE_NETWORK_ADMINISTRATIVELY_PROHIBITED = 9;
    public static final int CODE_HOST_ADMINISTRATIVELY_PROHIBITED = 10;
    public static final int CODE_NETWORK_UNREACHABLE_FOR_TOS = 11;
    public static final int CODE_HOST_UNREACHABLE_FOR_TOS = 12;
    public static final int CODE_COMMUNICATION_ADMINISTRATIVELY_PROHIBITED = 13;
    public static final int CODE_HOST_PRECEDENCE_VIOLATION = 14;
    public static final int CODE_PRECEDENCE_CUTOFF_IN_EFFECT = 15;
    public static final int MAX_UNREACHABLE_CODE = 15;

    /** Time exceeded codes (RFC 792). */
    public static final int CODE_TTL_EXCEEDED_IN_TRANSIT = 0;
    public static final int CODE_FRAGMENT_REASSEMBLY_TIME_EXCEEDED = 1;
    public static final int MAX_TIME_EXCEEDED_CODE = 1;

    /** Redirect codes (RFC 792): for the network, the host, TOS and network, TOS and host. */
    public static final int CODE_REDIRECT_NETWORK = 0;
    public static final int CODE_REDIRECT_HOST = 1;
    public static final int CODE_REDIRECT_TOS_NETWORK = 2;
    public static final int CODE_REDIRECT_TOS_HOST = 3;
    public static final int MAX_REDIRECT_CODE = 3;

    /** Parameter problem codes: RFC 792 (0), RFC 1122 §3.2.2.5 (1), the IANA ICMP registry (2). */
    public static final int CODE_POINTER_INDICATES_ERROR = 0;
    public static final int CODE_MISSING_REQUIRED_OPTION = 1;
    public static final int CODE_BAD_LENGTH = 2;
    public static final int MAX_PARAMETER_PROBLEM_CODE = 2;

    /** Why a received ICMP message cannot be used; names read as metric labels. */
    public enum Problem {
        NONE,
        /** Fewer than 8 bytes, or fewer than the type's fixed size (timestamp 20, address mask 12). */
        TRUNCATED,
        /** The checksum over the whole message is wrong (RFC 792). */
        BAD_CHECKSUM,
        /** An error message with a code its RFC does not define: its handling would be guesswork. */
        BAD_CODE,
        /** An error message whose quote cannot hold the original IP header (20 bytes, or its IHL × 4). */
        TRUNCATED_QUOTED_HEADER,
        /** An error message whose quote is not an IPv4 header (version not 4, IHL below 5). */
        BAD_QUOTED_HEADER,
    }

    private IcmpMessage() {
    }

    // ---- validation -------------------------------------------------------------------------------------

    /** {@link #validate(MemorySegment, long, int, boolean)} with the checksum verified. */
    public static Problem validate(MemorySegment seg, long off, int length) {
        return validate(seg, off, length, true);
    }

    /**
     * Checks the ICMP message of {@code length} bytes at {@code off}, all of which must be in
     * {@code seg} when {@code verifyChecksum} (a message split over packet fragments is verified
     * with {@link #checksumValid(Packet, int, int)} and validated here with
     * {@code verifyChecksum = false}, the first 8 bytes and the quoted header being contiguous).
     * Checks, in order: the 8-byte header, the checksum, the type's fixed size, and for errors
     * the code and the quoted IP header. Unknown types pass (RFC 1122 §3.2.2: the layer discards
     * them). Never throws.
     */
    public static Problem validate(MemorySegment seg, long off, int length, boolean verifyChecksum) {
        int readable = NetworkBytes.readable(seg, off, length);
        if (length < HEADER_LENGTH || readable < HEADER_LENGTH) {
            return Problem.TRUNCATED;
        }
        if (verifyChecksum) {
            if (readable < length) {
                return Problem.TRUNCATED;
            }
            if (!checksumValid(seg, off, length)) {
                return Problem.BAD_CHECKSUM;
            }
        }
        int type = type(seg, off);
        int code = code(seg, off);
        int maxCode;
        switch (type) {
            case TYPE_TIMESTAMP_REQUEST, TYPE_TIMESTAMP_REPLY -> {
                return length < TIMESTAMP_LENGTH ? Problem.TRUNCATED : Problem.NONE;
            }
            case TYPE_ADDRESS_MASK_REQUEST, TYPE_ADDRESS_MASK_REPLY -> {
                return length < ADDRESS_MASK_LENGTH ? Problem.TRUNCATED : Problem.NONE;
            }
            case TYPE_DESTINATION_UNREACHABLE -> maxCode = MAX_UNREACHABLE_CODE;
            case TYPE_TIME_EXCEEDED -> maxCode = MAX_TIME_EXCEEDED_CODE;
            case TYPE_PARAMETER_PROBLEM -> maxCode = MAX_PARAMETER_PROBLEM_CODE;
            case TYPE_REDIRECT -> maxCode = MAX_REDIRECT_CODE;
            case TYPE_SOURCE_QUENCH -> maxCode = 0;
            default -> {
                return Problem.NONE;
            }
        }
        if (code > maxCode) {
            return Problem.BAD_CODE;
        }
        return checkQuote(seg, off, Math.min(length, readable));
    }

    /**
     * The quoted datagram must begin with a whole IPv4 header: the layer reads its protocol and
     * addresses to find the connection the error is about. Fewer than 8 bytes of its data after
     * that header is tolerated here (real routers send that, see zeek's icmp-destunreach-ip
     * capture); the transport that needs its ports checks {@link #quotedDataLength}.
     */
    private static Problem checkQuote(MemorySegment seg, long off, int length) {
        int quoted = length - OFFSET_DATA;
        if (quoted < Ipv4Header.MIN_HEADER_LENGTH) {
            return Problem.TRUNCATED_QUOTED_HEADER;
        }
        long q = off + OFFSET_DATA;
        if (Ipv4Header.version(seg, q) != Ipv4Header.VERSION || Ipv4Header.ihl(seg, q) < Ipv4Header.IHL_MIN_WORDS) {
            return Problem.BAD_QUOTED_HEADER;
        }
        if (quoted < Ipv4Header.headerLength(seg, q)) {
            return Problem.TRUNCATED_QUOTED_HEADER;
        }
        return Problem.NONE;
    }

    /** Whether {@code type} is an error message, which quotes the datagram that caused it. */
    public static boolean isError(int type) {
        return type == TYPE_DESTINATION_UNREACHABLE || type == TYPE_SOURCE_QUENCH || type == TYPE_REDIRECT
                || type == TYPE_TIME_EXCEEDED || type == TYPE_PARAMETER_PROBLEM;
    }

    // ---- fields -------------------------------------------------------------------------------------------

    public static int type(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_TYPE);
    }

    public static void setType(MemorySegment seg, long off, int value) {
        NetworkBytes.setU8(seg, off + OFFSET_TYPE, value);
    }

    public static int code(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_CODE);
    }

    public static void setCode(MemorySegment seg, long off, int value) {
        NetworkBytes.setU8(seg, off + OFFSET_CODE, value);
    }

    public static int checksum(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_CHECKSUM);
    }

    public static void setChecksum(MemorySegment seg, long off, int value) {
        NetworkBytes.setU16(seg, off + OFFSET_CHECKSUM, value);
    }

    /** The 32-bit type-specific word after the checksum. */
    public static int restOfHeader(MemorySegment seg, long off) {
        return NetworkBytes.getI32(seg, off + OFFSET_REST_OF_HEADER);
    }

    public static void setRestOfHeader(MemorySegment seg, long off, int value) {
        NetworkBytes.setI32(seg, off + OFFSET_REST_OF_HEADER, value);
    }

    /** Echo, timestamp, information and address mask messages: the identifier. */
    public static int identifier(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_IDENTIFIER);
    }

    public static void setIdentifier(MemorySegment seg, long off, int value) {
        NetworkBytes.setU16(seg, off + OFFSET_IDENTIFIER, value);
    }

    /** Echo, timestamp, information and address mask messages: the sequence number. */
    public static int sequence(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_SEQUENCE);
    }

    public static void setSequence(MemorySegment seg, long off, int value) {
        NetworkBytes.setU16(seg, off + OFFSET_SEQUENCE, value);
    }

    /**
     * Destination unreachable, fragmentation needed: the next hop's MTU (RFC 1191 §4), or 0 from a
     * router older than RFC 1191, which leaves the host to guess (RFC 1191 §5 plateaus).
     */
    public static int nextHopMtu(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_NEXT_HOP_MTU);
    }

    public static void setNextHopMtu(MemorySegment seg, long off, int value) {
        NetworkBytes.setU16(seg, off + OFFSET_NEXT_HOP_MTU, value);
    }

    /** Parameter problem: the offset of the offending octet in the quoted header. */
    public static int pointer(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_POINTER);
    }

    /** Redirect: the gateway address, network order in an {@code int}. */
    public static int gateway(MemorySegment seg, long off) {
        return NetworkBytes.getI32(seg, off + OFFSET_GATEWAY);
    }

    /**
     * Error messages: the bytes quoted after the original IP header (the transport header's
     * first bytes; 8 or more when the router followed RFC 792). Assumes {@link #validate} passed.
     */
    public static int quotedDataLength(MemorySegment seg, long off, int length) {
        return length - OFFSET_DATA - Ipv4Header.headerLength(seg, off + OFFSET_DATA);
    }

    // ---- checksum -------------------------------------------------------------------------------------------

    /** Whether the {@code length} bytes at {@code off}, checksum field included, sum to all ones. */
    public static boolean checksumValid(MemorySegment seg, long off, int length) {
        return InternetChecksum.verifies(InternetChecksum.sum(seg, off, length));
    }

    /** The same over a packet whose message starts at byte {@code index} and may span fragments. */
    public static boolean checksumValid(Packet p, int index, int length) {
        return InternetChecksum.verifies(InternetChecksum.sum(p, index, length));
    }

    /** Computes the checksum over the {@code length} bytes of the message and stores it. */
    public static void fillChecksum(MemorySegment seg, long off, int length) {
        setChecksum(seg, off, 0);
        setChecksum(seg, off, InternetChecksum.checksum(seg, off, length));
    }

    // ---- transmit --------------------------------------------------------------------------------------------

    /**
     * Writes the 8-byte header (checksum zero) and returns {@link #HEADER_LENGTH}; write the data
     * after it, then {@link #fillChecksum}.
     */
    public static int writeHeader(MemorySegment seg, long off, int type, int code, int restOfHeader) {
        setType(seg, off, type);
        setCode(seg, off, code);
        setChecksum(seg, off, 0);
        setRestOfHeader(seg, off, restOfHeader);
        return HEADER_LENGTH;
    }

    /** An echo request or reply header ({@link #TYPE_ECHO_REQUEST}, {@link #TYPE_ECHO_REPLY}). */
    public static int writeEcho(MemorySegment seg, long off, int type, int identifier, int sequence) {
        return writeHeader(seg, off, type, 0, identifier << 16 | sequence & 0xffff);
    }

    /** A destination unreachable header; {@code nextHopMtu} matters for fragmentation needed only (else 0). */
    public static int writeDestinationUnreachable(MemorySegment seg, long off, int code, int nextHopMtu) {
        return writeHeader(seg, off, TYPE_DESTINATION_UNREACHABLE, code, nextHopMtu & 0xffff);
    }

    public static int writeTimeExceeded(MemorySegment seg, long off, int code) {
        return writeHeader(seg, off, TYPE_TIME_EXCEEDED, code, 0);
    }

    /** A parameter problem header pointing at octet {@code pointer} of the quoted header. */
    public static int writeParameterProblem(MemorySegment seg, long off, int code, int pointer) {
        return writeHeader(seg, off, TYPE_PARAMETER_PROBLEM, code, (pointer & 0xff) << 24);
    }

    /**
     * How many bytes of an offending datagram of {@code originalLength} bytes an error message
     * quotes: as much as fits in {@link #MAX_ERROR_DATAGRAM} with a 20-byte IP header and the
     * 8-byte ICMP header (RFC 1812 §4.3.2.3; at least RFC 792's header plus 8 bytes whenever
     * the original has them).
     */
    public static int quoteLength(int originalLength) {
        return Math.min(originalLength, MAX_ERROR_DATAGRAM - Ipv4Header.MIN_HEADER_LENGTH - HEADER_LENGTH);
    }

    /**
     * Turns a received echo request into its reply where it lies: type 8 becomes 0, and the
     * checksum is patched for that one word (RFC 1624 eqn. 3) rather than summed again, so the
     * echoed data need not be touched. Addresses are the IP layer's to swap.
     */
    public static void turnEchoRequestIntoReply(MemorySegment seg, long off) {
        int oldWord = NetworkBytes.getU16(seg, off + OFFSET_TYPE);
        setType(seg, off, TYPE_ECHO_REPLY);
        int newWord = NetworkBytes.getU16(seg, off + OFFSET_TYPE);
        setChecksum(seg, off, InternetChecksum.update(checksum(seg, off), oldWord, newWord));
    }
}
