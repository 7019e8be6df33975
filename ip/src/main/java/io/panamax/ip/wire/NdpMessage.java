package io.panamax.ip.wire;

import io.panamax.reactor.buffer.NetworkBytes;
import io.panamax.ip.Ipv6Address;

import java.lang.foreign.MemorySegment;

/**
 * Neighbor Discovery messages (RFC 4861 §4): router solicitation and advertisement, neighbor
 * solicitation and advertisement, redirect; and their options (§4.6): source and target
 * link-layer address, prefix information, redirected header, MTU.
 *
 * <pre>
 *  RS  | 133 | 0 | checksum | reserved (4)                                        | options (from 8)
 *  RA  | 134 | 0 | checksum | cur hop limit | M O | router lifetime | reachable time | retrans timer | options (16)
 *  NS  | 135 | 0 | checksum | reserved (4) | target address (16)                 | options (from 24)
 *  NA  | 136 | 0 | checksum | R S O, reserved (4) | target address (16)          | options (from 24)
 *  Redirect | 137 | 0 | checksum | reserved | target (16) | destination (16)      | options (from 40)
 *  option: | type | length in 8-byte units (never 0) | value ...
 * </pre>
 *
 * <p>{@link #validate} applies the receive checks of RFC 4861 §6.1.1, §6.1.2, §7.1.1, §7.1.2 and
 * §8.1 other than the checksum ({@link Icmpv6Message#validate}); options are walked with
 * {@link #firstOption} and {@link #nextOption}, which after a successful validate stay inside the
 * message. Static methods over {@code (seg, off)}, {@code off} being the ICMPv6 type byte.
 */
public final class NdpMessage {
    /** RFC 4861: every ND message is sent, and must arrive, with hop limit 255 (so it was not forwarded). */
    public static final int HOP_LIMIT = 255;

    public static final int OFFSET_CUR_HOP_LIMIT = 4;
    public static final int OFFSET_RA_FLAGS = 5;
    public static final int OFFSET_ROUTER_LIFETIME = 6;
    public static final int OFFSET_REACHABLE_TIME = 8;
    public static final int OFFSET_RETRANS_TIMER = 12;
    public static final int OFFSET_NA_FLAGS = 4;
    public static final int OFFSET_TARGET = 8;
    public static final int OFFSET_REDIRECT_DESTINATION = 24;

    public static final int RS_LENGTH = 8;
    public static final int RA_LENGTH = 16;
    public static final int NS_LENGTH = 24;
    public static final int NA_LENGTH = 24;
    public static final int REDIRECT_LENGTH = 40;

    /** NA flags (§4.4): router, solicited, override. */
    public static final int FLAG_ROUTER = 0x80;
    public static final int FLAG_SOLICITED = 0x40;
    public static final int FLAG_OVERRIDE = 0x20;
    /** RA flags (§4.2): managed address configuration, other configuration. */
    public static final int FLAG_MANAGED = 0x80;
    public static final int FLAG_OTHER = 0x40;

    public static final int OPTION_SOURCE_LINK_LAYER_ADDRESS = 1;
    public static final int OPTION_TARGET_LINK_LAYER_ADDRESS = 2;
    public static final int OPTION_PREFIX_INFORMATION = 3;
    public static final int OPTION_REDIRECTED_HEADER = 4;
    public static final int OPTION_MTU = 5;
    /** Option lengths count 8-byte units. */
    public static final int OPTION_UNIT = 8;
    /** A link-layer address option for Ethernet: type, length 1, 6 bytes of MAC (RFC 2464 §6). */
    public static final int LINK_LAYER_OPTION_LENGTH = 8;
    public static final int PREFIX_INFORMATION_LENGTH = 32;
    public static final int MTU_OPTION_LENGTH = 8;
    /** Prefix information flags (§4.6.2): on-link, autonomous address configuration. */
    public static final int PREFIX_FLAG_ON_LINK = 0x80;
    public static final int PREFIX_FLAG_AUTONOMOUS = 0x40;

    /** Why a received message is not valid Neighbor Discovery; names read as metric labels. */
    public enum Problem {
        NONE,
        /** Not one of types 133-137. */
        NOT_NDP,
        /** Shorter than its type's fixed part. */
        TRUNCATED,
        /** Hop limit not 255: the message crossed a router. */
        BAD_HOP_LIMIT,
        /** Code not 0. */
        BAD_CODE,
        /** An option of length 0, or one running past the message. */
        BAD_OPTION_LENGTH,
        /** A solicitation or advertisement about a multicast target. */
        MULTICAST_TARGET,
        /** A router advertisement or redirect from an address that is not link-local. */
        SOURCE_NOT_LINK_LOCAL,
        /** From the unspecified address, yet with a source link-layer address option (or, for an NS, not to a solicited-node group). */
        BAD_UNSPECIFIED_SOURCE,
        /** A solicited advertisement sent to a multicast address. */
        SOLICITED_TO_MULTICAST,
    }

    private NdpMessage() {
    }

    /** Where options start in a message of {@code type}, or -1 if it is not an ND message. */
    public static int optionsOffset(int type) {
        return switch (type) {
            case Icmpv6Message.TYPE_ROUTER_SOLICITATION -> RS_LENGTH;
            case Icmpv6Message.TYPE_ROUTER_ADVERTISEMENT -> RA_LENGTH;
            case Icmpv6Message.TYPE_NEIGHBOR_SOLICITATION -> NS_LENGTH;
            case Icmpv6Message.TYPE_NEIGHBOR_ADVERTISEMENT -> NA_LENGTH;
            case Icmpv6Message.TYPE_REDIRECT -> REDIRECT_LENGTH;
            default -> -1;
        };
    }

    /**
     * The RFC 4861 receive checks of the ND message of {@code length} bytes at {@code off}, which
     * arrived with {@code hopLimit} from {@code src} to {@code dst} (high halves are enough for
     * the multicast and link-local tests; the source's low half tells the unspecified address).
     * Never throws.
     */
    public static Problem validate(MemorySegment seg, long off, int length, int hopLimit,
                                   long srcHigh, long srcLow, long dstHigh, long dstLow) {
        int readable = Math.min(length, NetworkBytes.readable(seg, off, length));
        if (readable < Icmpv6Message.OFFSET_BODY) {
            return Problem.TRUNCATED;
        }
        int type = Icmpv6Message.type(seg, off);
        int fixed = optionsOffset(type);
        if (fixed < 0) {
            return Problem.NOT_NDP;
        }
        if (readable < fixed) {
            return Problem.TRUNCATED;
        }
        if (hopLimit != HOP_LIMIT) {
            return Problem.BAD_HOP_LIMIT;
        }
        if (Icmpv6Message.code(seg, off) != 0) {
            return Problem.BAD_CODE;
        }
        boolean sourceLinkLayer = false;
        for (int at = fixed; at < readable; ) {
            if (at + 2 > readable) {
                return Problem.BAD_OPTION_LENGTH;
            }
            int len = NetworkBytes.getU8(seg, off + at + 1) * OPTION_UNIT;
            if (len == 0 || at + len > readable) {
                return Problem.BAD_OPTION_LENGTH;
            }
            sourceLinkLayer |= NetworkBytes.getU8(seg, off + at) == OPTION_SOURCE_LINK_LAYER_ADDRESS;
            at += len;
        }
        boolean unspecified = Ipv6Address.isUnspecified(srcHigh, srcLow);
        switch (type) {
            case Icmpv6Message.TYPE_ROUTER_SOLICITATION -> {
                if (unspecified && sourceLinkLayer) {
                    return Problem.BAD_UNSPECIFIED_SOURCE;
                }
            }
            case Icmpv6Message.TYPE_ROUTER_ADVERTISEMENT, Icmpv6Message.TYPE_REDIRECT -> {
                if (!Ipv6Address.isLinkLocal(srcHigh)) {
                    return Problem.SOURCE_NOT_LINK_LOCAL;
                }
                if (type == Icmpv6Message.TYPE_REDIRECT && Ipv6Address.isMulticast(targetHigh(seg, off + OFFSET_REDIRECT_DESTINATION - OFFSET_TARGET))) {
                    return Problem.MULTICAST_TARGET;
                }
            }
            case Icmpv6Message.TYPE_NEIGHBOR_SOLICITATION -> {
                if (Ipv6Address.isMulticast(targetHigh(seg, off))) {
                    return Problem.MULTICAST_TARGET;
                }
                if (unspecified && (sourceLinkLayer || dstHigh != Ipv6Address.SOLICITED_NODE_HIGH
                        || (dstLow & 0xffff_ffff_ff00_0000L) != 0x0000_0001_ff00_0000L)) {
                    return Problem.BAD_UNSPECIFIED_SOURCE;
                }
            }
            case Icmpv6Message.TYPE_NEIGHBOR_ADVERTISEMENT -> {
                if (Ipv6Address.isMulticast(targetHigh(seg, off))) {
                    return Problem.MULTICAST_TARGET;
                }
                if (Ipv6Address.isMulticast(dstHigh) && (naFlags(seg, off) & FLAG_SOLICITED) != 0) {
                    return Problem.SOLICITED_TO_MULTICAST;
                }
            }
            default -> {
            }
        }
        return Problem.NONE;
    }

    // ---- fields ----------------------------------------------------------------------------------------

    /** The target address of an NS, NA or redirect: high half. */
    public static long targetHigh(MemorySegment seg, long off) {
        return Ipv6Header.getU64(seg, off + OFFSET_TARGET);
    }

    public static long targetLow(MemorySegment seg, long off) {
        return Ipv6Header.getU64(seg, off + OFFSET_TARGET + 8);
    }

    /** R, S and O of a neighbor advertisement ({@link #FLAG_ROUTER}, ...). */
    public static int naFlags(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_NA_FLAGS) & 0xe0;
    }

    public static int curHopLimit(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_CUR_HOP_LIMIT);
    }

    public static int raFlags(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_RA_FLAGS);
    }

    /**
     * RFC 4191 §2.2: the Default Router Preference (Prf, bits 4-3 of the flags byte) as 1 (high,
     * 01), 0 (medium, 00, and the reserved 10, which §2.2 says to treat as medium) or -1 (low, 11).
     */
    public static int routerPreference(MemorySegment seg, long off) {
        int prf = (raFlags(seg, off) >>> 3) & 3;
        return prf == 1 ? 1 : prf == 3 ? -1 : 0;
    }

    /** Seconds this router is a default router; 0: it is not one (§4.2). */
    public static int routerLifetime(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_ROUTER_LIFETIME);
    }

    /** Milliseconds; 0: unspecified by this router. */
    public static long reachableTime(MemorySegment seg, long off) {
        return NetworkBytes.getU32(seg, off + OFFSET_REACHABLE_TIME);
    }

    public static long retransTimer(MemorySegment seg, long off) {
        return NetworkBytes.getU32(seg, off + OFFSET_RETRANS_TIMER);
    }

    // ---- options -----------------------------------------------------------------------------------------

    /** The offset (from {@code off}) of the first option of the message of {@code length} bytes, or -1. */
    public static int firstOption(MemorySegment seg, long off, int length) {
        int at = optionsOffset(Icmpv6Message.type(seg, off));
        return at >= 0 && at + 2 <= length ? at : -1;
    }

    /** The option after the one at {@code at}, or -1 (also for an option of length 0, which would loop). */
    public static int nextOption(MemorySegment seg, long off, int length, int at) {
        int len = optionLength(seg, off, at);
        int next = at + len;
        return len > 0 && next + 2 <= length ? next : -1;
    }

    public static int optionType(MemorySegment seg, long off, int at) {
        return NetworkBytes.getU8(seg, off + at);
    }

    /** In bytes. */
    public static int optionLength(MemorySegment seg, long off, int at) {
        return NetworkBytes.getU8(seg, off + at + 1) * OPTION_UNIT;
    }

    /** The MAC of a source or target link-layer address option (Ethernet, RFC 2464 §6). */
    public static long linkLayerAddress(MemorySegment seg, long off, int at) {
        return NetworkBytes.getU48(seg, off + at + 2);
    }

    public static int prefixLength(MemorySegment seg, long off, int at) {
        return NetworkBytes.getU8(seg, off + at + 2);
    }

    /** L and A of a prefix information option. */
    public static int prefixFlags(MemorySegment seg, long off, int at) {
        return NetworkBytes.getU8(seg, off + at + 3) & 0xc0;
    }

    /** Seconds; 0xffffffff is infinity. */
    public static long validLifetime(MemorySegment seg, long off, int at) {
        return NetworkBytes.getU32(seg, off + at + 4);
    }

    public static long preferredLifetime(MemorySegment seg, long off, int at) {
        return NetworkBytes.getU32(seg, off + at + 8);
    }

    public static long prefixHigh(MemorySegment seg, long off, int at) {
        return Ipv6Header.getU64(seg, off + at + 16);
    }

    public static long prefixLow(MemorySegment seg, long off, int at) {
        return Ipv6Header.getU64(seg, off + at + 24);
    }

    /** The MTU of an MTU option. */
    public static long mtu(MemorySegment seg, long off, int at) {
        return NetworkBytes.getU32(seg, off + at + 4);
    }

    /**
     * Whether the option at {@code at} has the length its type requires (§4.6: link-layer 1 unit
     * on Ethernet, prefix information 4, MTU 1); options of other types are not judged.
     * Receivers ignore an option that fails this, not the message.
     */
    public static boolean optionWellFormed(MemorySegment seg, long off, int at) {
        int len = optionLength(seg, off, at);
        return switch (optionType(seg, off, at)) {
            case OPTION_SOURCE_LINK_LAYER_ADDRESS, OPTION_TARGET_LINK_LAYER_ADDRESS -> len == LINK_LAYER_OPTION_LENGTH;
            case OPTION_PREFIX_INFORMATION -> len == PREFIX_INFORMATION_LENGTH && prefixLength(seg, off, at) <= 128;
            case OPTION_MTU -> len == MTU_OPTION_LENGTH;
            default -> len > 0;
        };
    }

    // ---- transmit -----------------------------------------------------------------------------------------

    /**
     * Writes a neighbor solicitation for the target, with a source link-layer address option unless
     * {@code sourceMac} is -1 (duplicate address detection sends none, §7.2.2); returns its length.
     * The checksum is then {@link Icmpv6Message#fillChecksum}'s.
     */
    public static int writeNeighborSolicitation(MemorySegment seg, long off, long targetHigh, long targetLow, long sourceMac) {
        Icmpv6Message.write(seg, off, Icmpv6Message.TYPE_NEIGHBOR_SOLICITATION, 0, 0);
        Ipv6Header.setU64(seg, off + OFFSET_TARGET, targetHigh);
        Ipv6Header.setU64(seg, off + OFFSET_TARGET + 8, targetLow);
        return sourceMac < 0 ? NS_LENGTH : NS_LENGTH + writeLinkLayerOption(seg, off + NS_LENGTH, OPTION_SOURCE_LINK_LAYER_ADDRESS, sourceMac);
    }

    /** Writes a neighbor advertisement with {@code flags} and a target link-layer address option (unless -1); returns its length. */
    public static int writeNeighborAdvertisement(MemorySegment seg, long off, int flags, long targetHigh, long targetLow, long targetMac) {
        Icmpv6Message.write(seg, off, Icmpv6Message.TYPE_NEIGHBOR_ADVERTISEMENT, 0, (flags & 0xe0) << 24);
        Ipv6Header.setU64(seg, off + OFFSET_TARGET, targetHigh);
        Ipv6Header.setU64(seg, off + OFFSET_TARGET + 8, targetLow);
        return targetMac < 0 ? NA_LENGTH : NA_LENGTH + writeLinkLayerOption(seg, off + NA_LENGTH, OPTION_TARGET_LINK_LAYER_ADDRESS, targetMac);
    }

    /** Writes a router solicitation with a source link-layer address option (unless -1); returns its length. */
    public static int writeRouterSolicitation(MemorySegment seg, long off, long sourceMac) {
        Icmpv6Message.write(seg, off, Icmpv6Message.TYPE_ROUTER_SOLICITATION, 0, 0);
        return sourceMac < 0 ? RS_LENGTH : RS_LENGTH + writeLinkLayerOption(seg, off + RS_LENGTH, OPTION_SOURCE_LINK_LAYER_ADDRESS, sourceMac);
    }

    /** A source or target link-layer address option for an Ethernet MAC; returns its 8 bytes. */
    public static int writeLinkLayerOption(MemorySegment seg, long off, int type, long mac) {
        NetworkBytes.setU8(seg, off, type);
        NetworkBytes.setU8(seg, off + 1, 1);
        NetworkBytes.setU48(seg, off + 2, mac);
        return LINK_LAYER_OPTION_LENGTH;
    }
}
