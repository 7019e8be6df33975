package io.panamax.ip.wire;

import io.panamax.reactor.buffer.NetworkBytes;

import java.lang.foreign.MemorySegment;

/**
 * IPv4 options (RFC 791 §3.1 "Options"; IANA "IP Option Numbers"). An option is either a single
 * type octet (End of Option List, No Operation) or type, length (counting type and length) and
 * data. The type octet packs a copied flag (copy into every fragment), a 2-bit class and a 5-bit
 * number.
 *
 * <p>{@link Ipv4Header#firstOption}/{@link Ipv4Header#nextOption} iterate a header's options;
 * {@link #check} says whether one option is well formed.
 */
public final class Ipv4Option {
    /** EOOL: ends the option list; what follows up to the header's end is padding. */
    public static final int END_OF_OPTIONS = 0;
    /** NOP: a single octet used to align the next option. */
    public static final int NO_OPERATION = 1;
    /** RR (RFC 791). */
    public static final int RECORD_ROUTE = 7;
    /** TS, Internet timestamp (RFC 791). */
    public static final int TIMESTAMP = 68;
    /** SEC, DoD basic security (RFC 1108). */
    public static final int SECURITY = 130;
    /** LSRR (RFC 791). */
    public static final int LOOSE_SOURCE_ROUTE = 131;
    /** E-SEC, DoD extended security (RFC 1108). */
    public static final int EXTENDED_SECURITY = 133;
    /** CIPSO, commercial security (draft, widely deployed). */
    public static final int COMMERCIAL_SECURITY = 134;
    /** SID, stream identifier (RFC 791, obsolete: RFC 6814). */
    public static final int STREAM_ID = 136;
    /** SSRR (RFC 791). */
    public static final int STRICT_SOURCE_ROUTE = 137;
    /** RTRALT, router alert (RFC 2113), used by IGMP. */
    public static final int ROUTER_ALERT = 148;

    /** Offset of the length octet within an option. */
    public static final int OFFSET_LENGTH = 1;
    /** Offset of the pointer octet in the route and timestamp options. */
    public static final int OFFSET_POINTER = 2;
    /** Offset of the overflow/flag octet in the timestamp option. */
    public static final int OFFSET_TIMESTAMP_FLAGS = 3;
    /** The smallest length of an option that has a length octet: type and length. */
    public static final int MIN_LENGTH = 2;
    /** Route data is a list of IPv4 addresses after type, length and pointer. */
    public static final int ROUTE_DATA_OFFSET = 3;
    /** The smallest legal route pointer (RFC 791: "the smallest legal value for the pointer is 4"). */
    public static final int ROUTE_MIN_POINTER = 4;
    /** The smallest legal timestamp pointer (RFC 791: "the smallest legal value is 5"). */
    public static final int TIMESTAMP_MIN_POINTER = 5;
    public static final int TIMESTAMP_FLAG_ONLY = 0;
    public static final int TIMESTAMP_FLAG_WITH_ADDRESS = 1;
    public static final int TIMESTAMP_FLAG_PRESPECIFIED = 3;
    /** Router alert and stream identifier are always 4 octets long (RFC 2113 §2.1, RFC 791). */
    public static final int ROUTER_ALERT_LENGTH = 4;
    public static final int STREAM_ID_LENGTH = 4;

    public static final int COPIED_FLAG = 0x80;
    public static final int CLASS_SHIFT = 5;
    public static final int CLASS_MASK = 0x3;
    public static final int NUMBER_MASK = 0x1f;

    /** The outcome of {@link #check}. */
    public enum Problem {
        NONE,
        /** The length octet is missing, under 2, or runs past the header. */
        BAD_LENGTH,
        /** A known option whose contents break its RFC (a pointer out of range, say). */
        BAD_CONTENTS,
    }

    private Ipv4Option() {
    }

    public static boolean isCopied(int type) {
        return (type & COPIED_FLAG) != 0;
    }

    /** 0 control, 2 debugging and measurement; 1 and 3 reserved. */
    public static int optionClass(int type) {
        return (type >>> CLASS_SHIFT) & CLASS_MASK;
    }

    public static int number(int type) {
        return type & NUMBER_MASK;
    }

    /** Whether {@code type} is one of the single-octet options (EOOL, NOP). */
    public static boolean isSingleOctet(int type) {
        return type == END_OF_OPTIONS || type == NO_OPERATION;
    }

    /**
     * Checks the option at {@code pos} bytes into the header at {@code off}, the header's options
     * ending at {@code end} (its length); {@code pos < end}. Unknown options pass when their
     * length fits: RFC 1122 §3.2.1.8 has the IP layer silently ignore options it does not understand.
     * Never throws, provided the header's {@code end} bytes are in the segment.
     */
    public static Problem check(MemorySegment seg, long off, int pos, int end) {
        int type = NetworkBytes.getU8(seg, off + pos);
        if (isSingleOctet(type)) {
            return Problem.NONE;
        }
        if (pos + OFFSET_LENGTH >= end) {
            return Problem.BAD_LENGTH;
        }
        int len = NetworkBytes.getU8(seg, off + pos + OFFSET_LENGTH);
        if (len < MIN_LENGTH || pos + len > end) {
            return Problem.BAD_LENGTH;
        }
        return switch (type) {
            case RECORD_ROUTE, LOOSE_SOURCE_ROUTE, STRICT_SOURCE_ROUTE -> checkRoute(seg, off + pos, len);
            case TIMESTAMP -> checkTimestamp(seg, off + pos, len);
            case ROUTER_ALERT -> len == ROUTER_ALERT_LENGTH ? Problem.NONE : Problem.BAD_CONTENTS;
            case STREAM_ID -> len == STREAM_ID_LENGTH ? Problem.NONE : Problem.BAD_CONTENTS;
            default -> Problem.NONE;
        };
    }

    /**
     * Route options (RFC 791 "Loose/Strict Source and Record Route", "Record Route"): type,
     * length, pointer, then whole 4-octet addresses. The pointer names the next slot: 4, 8, ...,
     * and length + 1 once the route is full.
     */
    private static Problem checkRoute(MemorySegment seg, long at, int len) {
        if (len < ROUTE_DATA_OFFSET || (len - ROUTE_DATA_OFFSET) % 4 != 0) {
            return Problem.BAD_CONTENTS;
        }
        int pointer = NetworkBytes.getU8(seg, at + OFFSET_POINTER);
        if (pointer < ROUTE_MIN_POINTER || pointer > len + 1 || (pointer - ROUTE_MIN_POINTER) % 4 != 0) {
            return Problem.BAD_CONTENTS;
        }
        return Problem.NONE;
    }

    /**
     * The timestamp option (RFC 791 "Internet Timestamp"): type, length, pointer, overflow/flag,
     * then 4-octet timestamps (flag 0) or 8-octet address/timestamp pairs (flags 1 and 3).
     */
    private static Problem checkTimestamp(MemorySegment seg, long at, int len) {
        if (len < TIMESTAMP_MIN_POINTER - 1) {
            return Problem.BAD_CONTENTS;
        }
        int pointer = NetworkBytes.getU8(seg, at + OFFSET_POINTER);
        int flag = NetworkBytes.getU8(seg, at + OFFSET_TIMESTAMP_FLAGS) & 0x0f;
        int entry = switch (flag) {
            case TIMESTAMP_FLAG_ONLY -> 4;
            case TIMESTAMP_FLAG_WITH_ADDRESS, TIMESTAMP_FLAG_PRESPECIFIED -> 8;
            default -> -1;
        };
        if (entry < 0 || (len - (TIMESTAMP_MIN_POINTER - 1)) % entry != 0) {
            return Problem.BAD_CONTENTS;
        }
        if (pointer < TIMESTAMP_MIN_POINTER || pointer > len + 1 || (pointer - TIMESTAMP_MIN_POINTER) % entry != 0) {
            return Problem.BAD_CONTENTS;
        }
        return Problem.NONE;
    }
}
