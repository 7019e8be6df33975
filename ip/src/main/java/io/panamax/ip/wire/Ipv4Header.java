package io.panamax.ip.wire;

import io.panamax.reactor.buffer.NetworkBytes;
import io.panamax.ip.IpProtocol;
import io.panamax.ip.Ipv4Address;

import java.lang.foreign.MemorySegment;

/**
 * The IPv4 header (RFC 791 §3.1, with the host requirements of RFC 1122 §3.2.1).
 *
 * <pre>
 *  0       4       8              16    19            24             32
 *  |version|  IHL  | DSCP     |ECN|       total length                  |
 *  |        identification         |flags|    fragment offset          |
 *  |   TTL         |   protocol    |       header checksum             |
 *  |                        source address                             |
 *  |                      destination address                          |
 *  |                 options (IHL > 5) ...                 | padding   |
 * </pre>
 *
 * <p>Static methods over {@code (seg, off)}, {@code off} being the header's first byte. The whole
 * header (IHL × 4 bytes, at most 60) must be contiguous in {@code seg}; the datagram's payload may
 * go on in later fragments of the packet. {@link #validate} never throws; the accessors assume it
 * returned {@link Problem#NONE}.
 */
public final class Ipv4Header {
    public static final int OFFSET_VERSION_IHL = 0;
    /** The former type-of-service octet: DSCP (RFC 2474) and ECN (RFC 3168). */
    public static final int OFFSET_DSCP_ECN = 1;
    public static final int OFFSET_TOTAL_LENGTH = 2;
    public static final int OFFSET_IDENTIFICATION = 4;
    public static final int OFFSET_FLAGS_FRAGMENT_OFFSET = 6;
    public static final int OFFSET_TTL = 8;
    public static final int OFFSET_PROTOCOL = 9;
    public static final int OFFSET_HEADER_CHECKSUM = 10;
    public static final int OFFSET_SOURCE = 12;
    public static final int OFFSET_DESTINATION = 16;
    public static final int OFFSET_OPTIONS = 20;

    public static final int VERSION = 4;
    /** IHL counts 32-bit words; 5 is a header without options. */
    public static final int IHL_MIN_WORDS = 5;
    public static final int IHL_MAX_WORDS = 15;
    public static final int MIN_HEADER_LENGTH = IHL_MIN_WORDS * 4;
    public static final int MAX_HEADER_LENGTH = IHL_MAX_WORDS * 4;
    /** The largest datagram the 16-bit total length can describe. */
    public static final int MAX_TOTAL_LENGTH = 0xffff;
    /** RFC 791 / RFC 1122 §3.3.3: every host must accept datagrams of 576 bytes. */
    public static final int MIN_REASSEMBLY_BUFFER = 576;

    /** Bit 0 of the flags: reserved, must be zero (RFC 791); not enforced on receive. */
    public static final int FLAG_RESERVED = 0x8000;
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1fff;
    /** The fragment offset counts 8-octet units. */
    public static final int FRAGMENT_OFFSET_UNIT = 8;

    public static final int DSCP_SHIFT = 2;
    public static final int ECN_MASK = 0x3;
    /** ECN codepoints (RFC 3168 §5). */
    public static final int ECN_NOT_ECT = 0;
    public static final int ECN_ECT1 = 1;
    public static final int ECN_ECT0 = 2;
    public static final int ECN_CE = 3;

    /** The TTL a host sends with (the IANA recommendation and what Linux uses; RFC 1122 §3.2.1.7). */
    public static final int DEFAULT_TTL = 64;

    /** Why a received datagram cannot be used; names read as metric labels. */
    public enum Problem {
        NONE,
        /** Fewer bytes than a header needs: 20, or IHL × 4. */
        TRUNCATED,
        /** The version field is not 4. */
        BAD_VERSION,
        /** IHL below 5 (a header shorter than its fixed fields). */
        BAD_IHL,
        /** Header checksum wrong (RFC 1122 §3.2.1.2: MUST be verified, silently discarded if bad). */
        BAD_CHECKSUM,
        /**
         * Total length below the header length, or above the bytes received (truncated datagram).
         * More bytes than the total length is normal: Ethernet padding.
         */
        BAD_TOTAL_LENGTH,
        /** An option whose length octet is missing, under 2, or runs past the header. */
        BAD_OPTION_LENGTH,
        /** A known option with contents its RFC forbids (route or timestamp pointer, ...). */
        BAD_OPTION,
        /** The fragment would end past byte 65535 (the "ping of death"). */
        BAD_FRAGMENT_OFFSET,
        /** A fragment with MF set whose data is empty or not a multiple of 8 octets (RFC 791). */
        BAD_FRAGMENT_LENGTH,
        /**
         * A source that no interface may have: a multicast group (RFC 1112 §4) or the limited
         * broadcast 255.255.255.255 (RFC 1122 §3.2.1.3: such datagrams are silently discarded).
         */
        BAD_SOURCE_ADDRESS,
    }

    private Ipv4Header() {
    }

    // ---- validation ---------------------------------------------------------------------------------

    /** {@link #validate(MemorySegment, long, int, boolean)} with the header checksum verified. */
    public static Problem validate(MemorySegment seg, long off, int available) {
        return validate(seg, off, available, true);
    }

    /**
     * Checks the datagram whose header is at {@code off}, {@code available} being the bytes the
     * packet holds from {@code off} on (the header must be contiguous in {@code seg}; the rest may
     * lie in later fragments). Checks, in order: the fixed header is there, version, IHL, total
     * length at least the header, the whole header is there, the checksum (unless
     * {@code verifyChecksum} is false, when the NIC has verified it), total length within the bytes
     * received, options, fragment bounds, source address. Never throws.
     */
    public static Problem validate(MemorySegment seg, long off, int available, boolean verifyChecksum) {
        if (available < MIN_HEADER_LENGTH || NetworkBytes.readable(seg, off, MIN_HEADER_LENGTH) < MIN_HEADER_LENGTH) {
            return Problem.TRUNCATED;
        }
        if (version(seg, off) != VERSION) {
            return Problem.BAD_VERSION;
        }
        int ihl = ihl(seg, off);
        if (ihl < IHL_MIN_WORDS) {
            return Problem.BAD_IHL;
        }
        int headerLength = ihl * 4;
        int totalLength = totalLength(seg, off);
        // Checked before the header's own bytes: the field is in the fixed part, and a total
        // length that cannot hold the header is the datagram's fault, not the capture's.
        if (totalLength < headerLength) {
            return Problem.BAD_TOTAL_LENGTH;
        }
        if (available < headerLength || NetworkBytes.readable(seg, off, headerLength) < headerLength) {
            return Problem.TRUNCATED;
        }
        if (verifyChecksum && !checksumValid(seg, off)) {
            return Problem.BAD_CHECKSUM;
        }
        if (totalLength > available) {
            return Problem.BAD_TOTAL_LENGTH;
        }
        if (headerLength > MIN_HEADER_LENGTH) {
            Problem p = checkOptions(seg, off, headerLength);
            if (p != Problem.NONE) {
                return p;
            }
        }
        int flagsOffset = NetworkBytes.getU16(seg, off + OFFSET_FLAGS_FRAGMENT_OFFSET);
        int dataLength = totalLength - headerLength;
        int fragmentStart = (flagsOffset & FRAGMENT_OFFSET_MASK) * FRAGMENT_OFFSET_UNIT;
        if (fragmentStart + dataLength > MAX_TOTAL_LENGTH) {
            return Problem.BAD_FRAGMENT_OFFSET;
        }
        if ((flagsOffset & FLAG_MORE_FRAGMENTS) != 0 && (dataLength == 0 || dataLength % FRAGMENT_OFFSET_UNIT != 0)) {
            return Problem.BAD_FRAGMENT_LENGTH;
        }
        int src = source(seg, off);
        if (Ipv4Address.isMulticast(src) || src == Ipv4Address.BROADCAST) {
            return Problem.BAD_SOURCE_ADDRESS;
        }
        return Problem.NONE;
    }

    private static Problem checkOptions(MemorySegment seg, long off, int headerLength) {
        int pos = OFFSET_OPTIONS;
        while (pos < headerLength) {
            int type = NetworkBytes.getU8(seg, off + pos);
            if (type == Ipv4Option.END_OF_OPTIONS) {
                break;
            }
            if (type == Ipv4Option.NO_OPERATION) {
                pos++;
                continue;
            }
            switch (Ipv4Option.check(seg, off, pos, headerLength)) {
                case BAD_LENGTH:
                    return Problem.BAD_OPTION_LENGTH;
                case BAD_CONTENTS:
                    return Problem.BAD_OPTION;
                case NONE:
                    break;
            }
            pos += NetworkBytes.getU8(seg, off + pos + Ipv4Option.OFFSET_LENGTH);
        }
        return Problem.NONE;
    }

    // ---- options --------------------------------------------------------------------------------------

    /**
     * The position (bytes from {@code off}) of the first option other than NOP padding, or -1 if
     * there is none. With {@link #nextOption}, iterates the options in order without allocating:
     * <pre>
     * for (int p = Ipv4Header.firstOption(seg, off); p >= 0; p = Ipv4Header.nextOption(seg, off, p)) {
     *     int type = Ipv4Header.optionType(seg, off, p), len = Ipv4Header.optionLength(seg, off, p);
     * }
     * </pre>
     * Iteration stops at End of Option List, at the end of the header, and at the first malformed
     * option (so it is safe even on a header {@link #validate} rejected).
     */
    public static int firstOption(MemorySegment seg, long off) {
        return skipPadding(seg, off, OFFSET_OPTIONS, headerLength(seg, off));
    }

    /** The option after the one at {@code pos}, or -1: see {@link #firstOption}. */
    public static int nextOption(MemorySegment seg, long off, int pos) {
        int end = headerLength(seg, off);
        if (pos < OFFSET_OPTIONS || pos >= end || Ipv4Option.check(seg, off, pos, end) == Ipv4Option.Problem.BAD_LENGTH) {
            return -1;
        }
        return skipPadding(seg, off, pos + optionLength(seg, off, pos), end);
    }

    private static int skipPadding(MemorySegment seg, long off, int pos, int end) {
        while (pos < end) {
            int type = NetworkBytes.getU8(seg, off + pos);
            if (type == Ipv4Option.END_OF_OPTIONS) {
                return -1;
            }
            if (type != Ipv4Option.NO_OPERATION) {
                // A first option whose length is broken is not handed out.
                return Ipv4Option.check(seg, off, pos, end) == Ipv4Option.Problem.BAD_LENGTH ? -1 : pos;
            }
            pos++;
        }
        return -1;
    }

    /** The type octet of the option at {@code pos}. */
    public static int optionType(MemorySegment seg, long off, int pos) {
        return NetworkBytes.getU8(seg, off + pos);
    }

    /** The length of the option at {@code pos}, type and length octets included (1 for EOOL/NOP). */
    public static int optionLength(MemorySegment seg, long off, int pos) {
        int type = optionType(seg, off, pos);
        return Ipv4Option.isSingleOctet(type) ? 1 : NetworkBytes.getU8(seg, off + pos + Ipv4Option.OFFSET_LENGTH);
    }

    // ---- fields ---------------------------------------------------------------------------------------

    public static int version(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_VERSION_IHL) >>> 4;
    }

    /** The header length in 32-bit words. */
    public static int ihl(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_VERSION_IHL) & 0x0f;
    }

    /** The header length in bytes: IHL × 4. */
    public static int headerLength(MemorySegment seg, long off) {
        return ihl(seg, off) * 4;
    }

    /** Sets version 4 and the IHL for a header of {@code headerLength} bytes (a multiple of 4). */
    public static void setVersionAndHeaderLength(MemorySegment seg, long off, int headerLength) {
        NetworkBytes.setU8(seg, off + OFFSET_VERSION_IHL, VERSION << 4 | (headerLength >>> 2) & 0x0f);
    }

    /** The DSCP and ECN octet (formerly type of service). */
    public static int dscpEcn(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_DSCP_ECN);
    }

    public static void setDscpEcn(MemorySegment seg, long off, int value) {
        NetworkBytes.setU8(seg, off + OFFSET_DSCP_ECN, value);
    }

    /** Differentiated services code point (RFC 2474): the upper 6 bits. */
    public static int dscp(MemorySegment seg, long off) {
        return dscpEcn(seg, off) >>> DSCP_SHIFT;
    }

    /** Explicit congestion notification (RFC 3168): the lower 2 bits. */
    public static int ecn(MemorySegment seg, long off) {
        return dscpEcn(seg, off) & ECN_MASK;
    }

    /** The datagram's length, header included, in bytes. */
    public static int totalLength(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_TOTAL_LENGTH);
    }

    public static void setTotalLength(MemorySegment seg, long off, int value) {
        NetworkBytes.setU16(seg, off + OFFSET_TOTAL_LENGTH, value);
    }

    /** Total length minus header length: the bytes after the header. */
    public static int payloadLength(MemorySegment seg, long off) {
        return totalLength(seg, off) - headerLength(seg, off);
    }

    public static int identification(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_IDENTIFICATION);
    }

    public static void setIdentification(MemorySegment seg, long off, int value) {
        NetworkBytes.setU16(seg, off + OFFSET_IDENTIFICATION, value);
    }

    /** The 16 bits of flags and fragment offset, as they are on the wire. */
    public static int flagsAndFragmentOffset(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_FLAGS_FRAGMENT_OFFSET);
    }

    public static void setFlagsAndFragmentOffset(MemorySegment seg, long off, int value) {
        NetworkBytes.setU16(seg, off + OFFSET_FLAGS_FRAGMENT_OFFSET, value);
    }

    public static boolean reservedFlag(MemorySegment seg, long off) {
        return (flagsAndFragmentOffset(seg, off) & FLAG_RESERVED) != 0;
    }

    public static boolean dontFragment(MemorySegment seg, long off) {
        return (flagsAndFragmentOffset(seg, off) & FLAG_DONT_FRAGMENT) != 0;
    }

    public static boolean moreFragments(MemorySegment seg, long off) {
        return (flagsAndFragmentOffset(seg, off) & FLAG_MORE_FRAGMENTS) != 0;
    }

    /** The fragment offset in 8-octet units, as in the field. */
    public static int fragmentOffset(MemorySegment seg, long off) {
        return flagsAndFragmentOffset(seg, off) & FRAGMENT_OFFSET_MASK;
    }

    /** Where this fragment's data starts in the original datagram's data, in bytes. */
    public static int fragmentOffsetBytes(MemorySegment seg, long off) {
        return fragmentOffset(seg, off) * FRAGMENT_OFFSET_UNIT;
    }

    /** Whether the datagram is a fragment (MF set or a non-zero offset) and needs reassembly. */
    public static boolean isFragment(MemorySegment seg, long off) {
        return (flagsAndFragmentOffset(seg, off) & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public static int ttl(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_TTL);
    }

    public static void setTtl(MemorySegment seg, long off, int value) {
        NetworkBytes.setU8(seg, off + OFFSET_TTL, value);
    }

    /** The payload's protocol: {@link IpProtocol}. */
    public static int protocol(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_PROTOCOL);
    }

    public static void setProtocol(MemorySegment seg, long off, int value) {
        NetworkBytes.setU8(seg, off + OFFSET_PROTOCOL, value);
    }

    public static int headerChecksum(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_HEADER_CHECKSUM);
    }

    public static void setHeaderChecksum(MemorySegment seg, long off, int value) {
        NetworkBytes.setU16(seg, off + OFFSET_HEADER_CHECKSUM, value);
    }

    /** The source address, network order in an {@code int} (see {@link Ipv4Address}). */
    public static int source(MemorySegment seg, long off) {
        return NetworkBytes.getI32(seg, off + OFFSET_SOURCE);
    }

    public static void setSource(MemorySegment seg, long off, int address) {
        NetworkBytes.setI32(seg, off + OFFSET_SOURCE, address);
    }

    public static int destination(MemorySegment seg, long off) {
        return NetworkBytes.getI32(seg, off + OFFSET_DESTINATION);
    }

    public static void setDestination(MemorySegment seg, long off, int address) {
        NetworkBytes.setI32(seg, off + OFFSET_DESTINATION, address);
    }

    // ---- checksum ---------------------------------------------------------------------------------------

    /** Whether the header (IHL × 4 bytes) sums to all ones with its checksum field (RFC 791, RFC 1071). */
    public static boolean checksumValid(MemorySegment seg, long off) {
        return InternetChecksum.verifies(InternetChecksum.sum(seg, off, headerLength(seg, off)));
    }

    /** The checksum the header should carry: computed with the field taken as zero. */
    public static int computeChecksum(MemorySegment seg, long off) {
        long sum = InternetChecksum.sum(seg, off, headerLength(seg, off)) - headerChecksum(seg, off);
        return InternetChecksum.finish(sum);
    }

    /** Computes the header checksum and stores it; call after the last change to the header. */
    public static void fillChecksum(MemorySegment seg, long off) {
        setHeaderChecksum(seg, off, 0);
        setHeaderChecksum(seg, off, InternetChecksum.checksum(seg, off, headerLength(seg, off)));
    }

    // ---- transmit ---------------------------------------------------------------------------------------

    /**
     * Writes a 20-byte header (no options) at {@code off}, checksum included, and returns
     * {@link #MIN_HEADER_LENGTH}. {@code flagsAndFragmentOffset} is the raw 16-bit field, e.g.
     * {@link #FLAG_DONT_FRAGMENT} for path MTU discovery (RFC 1191). With IPv4 checksum offload,
     * set the field back to 0 and ask the NIC instead.
     */
    public static int write(MemorySegment seg, long off, int dscpEcn, int totalLength, int identification,
                            int flagsAndFragmentOffset, int ttl, int protocol, int source, int destination) {
        setVersionAndHeaderLength(seg, off, MIN_HEADER_LENGTH);
        setDscpEcn(seg, off, dscpEcn);
        setTotalLength(seg, off, totalLength);
        setIdentification(seg, off, identification);
        setFlagsAndFragmentOffset(seg, off, flagsAndFragmentOffset);
        setTtl(seg, off, ttl);
        setProtocol(seg, off, protocol);
        setSource(seg, off, source);
        setDestination(seg, off, destination);
        setHeaderChecksum(seg, off, 0);
        setHeaderChecksum(seg, off, InternetChecksum.checksum(seg, off, MIN_HEADER_LENGTH));
        return MIN_HEADER_LENGTH;
    }

    /** The pseudo-header sum (RFC 768, RFC 793 §3.1) of this datagram for its transport checksum. */
    public static long pseudoHeaderSum(MemorySegment seg, long off) {
        return InternetChecksum.pseudoHeaderSum(source(seg, off), destination(seg, off), protocol(seg, off), payloadLength(seg, off));
    }
}
