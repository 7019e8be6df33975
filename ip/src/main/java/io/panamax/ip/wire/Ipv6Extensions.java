package io.panamax.ip.wire;

import io.panamax.reactor.buffer.NetworkBytes;

import java.lang.foreign.MemorySegment;

/**
 * The walk over an IPv6 packet's extension headers (RFC 8200 §4) to its upper-layer header, for a
 * host that is the packet's destination: hop-by-hop and destination options are processed (Pad1,
 * PadN, Router Alert and Jumbo Payload known; any other option by the action its two high bits
 * name, §4.2), a routing header is ignored when no segments are left and refused otherwise (this
 * host forwards nothing; type 0 named apart, RFC 5095), an atomic fragment (offset 0, M 0, RFC
 * 6946) is stepped over, and any other fragment header ends the walk for reassembly.
 *
 * <p>The result is one {@code long} (nothing allocated), read with {@link #problem}, {@link #protocol},
 * {@link #upperLayerOffset} and {@link #pointer}. Offsets count from the IPv6 header's first byte,
 * as the ICMPv6 parameter problem pointer does (RFC 4443 §3.4). When the walk ends at a protocol
 * the caller has no handler for, the caller sends a parameter problem with code
 * {@link Icmpv6Message#CODE_UNRECOGNIZED_NEXT_HEADER} and {@link #pointer} (the next header field
 * that named it).
 */
public final class Ipv6Extensions {
    public static final int HOP_BY_HOP = 0;
    public static final int ROUTING = 43;
    public static final int FRAGMENT = 44;
    public static final int DESTINATION_OPTIONS = 60;
    public static final int NO_NEXT_HEADER = 59;

    public static final int OPTION_PAD1 = 0;
    public static final int OPTION_PADN = 1;
    /** RFC 2711. */
    public static final int OPTION_ROUTER_ALERT = 5;
    /** RFC 2675. */
    public static final int OPTION_JUMBO_PAYLOAD = 0xc2;

    /** Bytes of a fragment header (RFC 8200 §4.5). */
    public static final int FRAGMENT_HEADER_LENGTH = 8;

    /** Why a walk stopped short of an upper-layer header; names read as metric labels. */
    public enum Problem {
        NONE,
        /** An extension header runs past the packet. */
        TRUNCATED,
        /** A hop-by-hop header after the first position (RFC 8200 §4.1): parameter problem code 1. */
        HOP_BY_HOP_NOT_FIRST,
        /** An option runs past its header. */
        BAD_OPTION_LENGTH,
        /** An unknown option whose action is "skip over" is not this; "discard silently" (01) is. */
        UNKNOWN_OPTION_DISCARD,
        /** An unknown option with action 10: discard and send parameter problem code 2. */
        UNKNOWN_OPTION,
        /** An unknown option with action 11: as 10, unless the destination was multicast. */
        UNKNOWN_OPTION_UNLESS_MULTICAST,
        /** A type 0 routing header with segments left (RFC 5095 §3): parameter problem code 0. */
        ROUTING_TYPE_0,
        /** Any other routing header with segments left: this host does not forward (code 0). */
        ROUTING_SEGMENTS_LEFT,
    }

    private static final Problem[] PROBLEMS = Problem.values();

    private Ipv6Extensions() {
    }

    // ---- result -----------------------------------------------------------------------------------

    private static long result(Problem p, int protocol, int upperOffset, int pointer) {
        return ((long) p.ordinal() << 56) | ((long) (protocol & 0xff) << 48) | ((long) (upperOffset & 0xff_ffff) << 24)
                | (pointer & 0xff_ffff);
    }

    public static Problem problem(long result) {
        return PROBLEMS[(int) (result >>> 56)];
    }

    /** The upper-layer protocol (or {@link #FRAGMENT} for a fragment to reassemble, or {@link #NO_NEXT_HEADER}). */
    public static int protocol(long result) {
        return (int) (result >>> 48) & 0xff;
    }

    /** Where the upper-layer header (or the fragment header) starts. */
    public static int upperLayerOffset(long result) {
        return (int) (result >>> 24) & 0xff_ffff;
    }

    /**
     * For {@link Problem#NONE}: the offset of the next header field that named {@link #protocol};
     * otherwise the offset a parameter problem points at (or where the walk stopped).
     */
    public static int pointer(long result) {
        return (int) result & 0xff_ffff;
    }

    /** The ICMPv6 parameter problem code (RFC 4443 §3.4) a problem calls for, or -1 for none. */
    public static int parameterProblemCode(Problem p, boolean multicastDestination) {
        return switch (p) {
            case HOP_BY_HOP_NOT_FIRST -> Icmpv6Message.CODE_UNRECOGNIZED_NEXT_HEADER;
            case UNKNOWN_OPTION -> Icmpv6Message.CODE_UNRECOGNIZED_OPTION;
            case UNKNOWN_OPTION_UNLESS_MULTICAST -> multicastDestination ? -1 : Icmpv6Message.CODE_UNRECOGNIZED_OPTION;
            case ROUTING_TYPE_0, ROUTING_SEGMENTS_LEFT -> Icmpv6Message.CODE_ERRONEOUS_HEADER_FIELD;
            default -> -1;
        };
    }

    // ---- the walk ------------------------------------------------------------------------------------

    /**
     * Walks the packet whose IPv6 header is at {@code off}, {@code length} bytes long (header plus
     * payload length, as far as the segment holds it: headers must be contiguous). Never throws.
     */
    public static long walk(MemorySegment seg, long off, int length) {
        int end = Math.min(length, NetworkBytes.readable(seg, off, length));
        if (end < Ipv6Header.HEADER_LENGTH) {
            // Not even the fixed header (RFC 8200 3) within the length: nothing to walk, and no
            // upper layer to hand the packet to.
            int stop = Math.max(0, end);
            return result(Problem.TRUNCATED, 0, stop, stop);
        }
        int next = NetworkBytes.getU8(seg, off + Ipv6Header.OFFSET_NEXT_HEADER);
        int nextField = Ipv6Header.OFFSET_NEXT_HEADER;
        int at = Ipv6Header.HEADER_LENGTH;
        while (true) {
            switch (next) {
                case HOP_BY_HOP, DESTINATION_OPTIONS -> {
                    if (next == HOP_BY_HOP && at != Ipv6Header.HEADER_LENGTH) {
                        return result(Problem.HOP_BY_HOP_NOT_FIRST, next, at, nextField);
                    }
                    if (at + 2 > end) {
                        return result(Problem.TRUNCATED, next, at, at);
                    }
                    int len = (NetworkBytes.getU8(seg, off + at + 1) + 1) * 8;
                    if (at + len > end) {
                        return result(Problem.TRUNCATED, next, at, at);
                    }
                    long options = options(seg, off, at + 2, at + len);
                    if (options != 0) {
                        return options;
                    }
                    nextField = at;
                    next = NetworkBytes.getU8(seg, off + at);
                    at += len;
                }
                case ROUTING -> {
                    if (at + 4 > end) {
                        return result(Problem.TRUNCATED, next, at, at);
                    }
                    int len = (NetworkBytes.getU8(seg, off + at + 1) + 1) * 8;
                    if (at + len > end) {
                        return result(Problem.TRUNCATED, next, at, at);
                    }
                    int type = NetworkBytes.getU8(seg, off + at + 2);
                    int segmentsLeft = NetworkBytes.getU8(seg, off + at + 3);
                    if (segmentsLeft != 0) {
                        // RFC 8200 §4.4: an unrecognized type with segments left: code 0, pointing at the type.
                        return result(type == 0 ? Problem.ROUTING_TYPE_0 : Problem.ROUTING_SEGMENTS_LEFT, next, at, at + 2);
                    }
                    nextField = at;
                    next = NetworkBytes.getU8(seg, off + at);
                    at += len;
                }
                case FRAGMENT -> {
                    if (at + FRAGMENT_HEADER_LENGTH > end) {
                        return result(Problem.TRUNCATED, next, at, at);
                    }
                    int offsetAndFlags = NetworkBytes.getU16(seg, off + at + 2);
                    if ((offsetAndFlags & 0xfff9) != 0) {
                        // A real fragment: the reassembler takes it from here.
                        return result(Problem.NONE, FRAGMENT, at, nextField);
                    }
                    // An atomic fragment (RFC 6946 §4): processed as if it had no fragment header.
                    nextField = at;
                    next = NetworkBytes.getU8(seg, off + at);
                    at += FRAGMENT_HEADER_LENGTH;
                }
                default -> {
                    return result(Problem.NONE, next, at, nextField);
                }
            }
        }
    }

    /** The TLV options between {@code from} and {@code to}: 0 when all may be passed, else a result. */
    private static long options(MemorySegment seg, long off, int from, int to) {
        int i = from;
        while (i < to) {
            int type = NetworkBytes.getU8(seg, off + i);
            if (type == OPTION_PAD1) {
                i++;
                continue;
            }
            if (i + 2 > to) {
                return result(Problem.BAD_OPTION_LENGTH, 0, i, i);
            }
            int len = NetworkBytes.getU8(seg, off + i + 1);
            if (i + 2 + len > to) {
                return result(Problem.BAD_OPTION_LENGTH, 0, i, i + 1);
            }
            if (type != OPTION_PADN && type != OPTION_ROUTER_ALERT && type != OPTION_JUMBO_PAYLOAD) {
                // RFC 8200 §4.2: the two high bits say what to do with an option not recognized.
                switch (type >>> 6) {
                    case 1 -> {
                        return result(Problem.UNKNOWN_OPTION_DISCARD, 0, i, i);
                    }
                    case 2 -> {
                        return result(Problem.UNKNOWN_OPTION, 0, i, i);
                    }
                    case 3 -> {
                        return result(Problem.UNKNOWN_OPTION_UNLESS_MULTICAST, 0, i, i);
                    }
                    default -> {
                        // 00: skip over this option.
                    }
                }
            }
            i += 2 + len;
        }
        return 0;
    }

    // ---- the fragment header (RFC 8200 §4.5), at offset {@code at} from the IPv6 header ---------------

    public static int fragmentNextHeader(MemorySegment seg, long off, int at) {
        return NetworkBytes.getU8(seg, off + at);
    }

    /** The fragment offset in bytes (the field counts 8-byte units). */
    public static int fragmentOffsetBytes(MemorySegment seg, long off, int at) {
        return NetworkBytes.getU16(seg, off + at + 2) & 0xfff8;
    }

    public static boolean moreFragments(MemorySegment seg, long off, int at) {
        return (NetworkBytes.getU16(seg, off + at + 2) & 1) != 0;
    }

    public static long identification(MemorySegment seg, long off, int at) {
        return NetworkBytes.getU32(seg, off + at + 4);
    }
}
