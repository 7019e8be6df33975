package io.panamax.ethernet.wire;

import io.panamax.reactor.buffer.NetworkBytes;
import java.lang.foreign.MemorySegment;

/**
 * The Ethernet MAC header (IEEE 802.3 clause 3.2; Ethernet II framing of IP, RFC 894): destination
 * and source address, then the Length/Type field, optionally preceded by up to two VLAN tags
 * (IEEE 802.1Q C-tag 0x8100, IEEE 802.1ad S-tag 0x88a8, in any order). Frames here start at the
 * destination address and carry no preamble and no FCS, as NICs deliver them.
 *
 * <pre>
 *  0                   6                  12      14 (untagged)
 *  | destination (6)   | source (6)       | type  | payload ...
 *                                         | TPID | TCI | TPID | TCI | type | payload  (QinQ, 22)
 * </pre>
 *
 * <p>All methods are static and work on {@code (seg, off)}, {@code off} being where the frame
 * starts. {@link #validate} checks a received frame against the bytes there and never throws;
 * the accessors that follow it assume it returned {@link Problem#NONE} (they read without bound
 * checks beyond the segment's own).
 */
public final class EthernetHeader {
    public static final int OFFSET_DESTINATION = 0;
    public static final int OFFSET_SOURCE = 6;
    /** The Length/Type field of an untagged frame; the first TPID of a tagged one. */
    public static final int OFFSET_ETHER_TYPE = 12;
    /** An untagged header: two addresses and the type. */
    public static final int HEADER_LENGTH = 14;
    /** Tags accepted in a row: an 802.1ad S-tag and an 802.1Q C-tag. */
    public static final int MAX_VLAN_TAGS = 2;
    public static final int MAX_HEADER_LENGTH = HEADER_LENGTH + MAX_VLAN_TAGS * VlanTag.LENGTH;
    /**
     * The smallest frame on the wire, without its 4-byte FCS (IEEE 802.3 clause 4.4.2: minFrameSize
     * 64 octets with FCS; the pad field, clause 3.2.8). Shorter frames are padded on transmit. The
     * same minimum holds for tagged frames: a bridge that removes a tag pads the frame again.
     */
    public static final int MIN_FRAME_LENGTH = 60;
    public static final int FCS_LENGTH = 4;
    /** The largest payload of an untagged frame (IEEE 802.3 clause 3.2.7), the usual IP MTU. */
    public static final int MAX_PAYLOAD_LENGTH = 1500;
    /** Returned by the VLAN accessors for an untagged frame. */
    public static final int NO_VLAN = -1;

    /** Why a received frame cannot be used; names read as metric labels. */
    public enum Problem {
        NONE,
        /** Fewer bytes than the header (with its announced VLAN tags) needs. */
        TRUNCATED,
        /** More than {@link #MAX_VLAN_TAGS} VLAN tags in a row. */
        TOO_MANY_VLAN_TAGS,
        /**
         * An 802.3 length field in the undefined range 1501..1535, or longer than the bytes that
         * follow the header.
         */
        BAD_LENGTH_FIELD,
    }

    private EthernetHeader() {
    }

    /**
     * Checks the frame of {@code available} bytes at {@code off}: header and tags complete, at
     * most two tags, a sane 802.3 length field. A frame whose innermost Length/Type is an 802.3
     * length is {@link Problem#NONE} (well formed, but LLC: see {@link #isLengthFramed}). Never
     * throws; reads nothing beyond {@code available} nor the segment.
     *
     * <p>A group (multicast) source address is not rejected here although IEEE 802 sources are
     * individual: Linux accepts such frames, and crafted test captures (suricata-verify's) use
     * arbitrary source MACs; a layer that wants the check has {@link EthernetAddress#isMulticast}.
     */
    public static Problem validate(MemorySegment seg, long off, int available) {
        int n = NetworkBytes.readable(seg, off, available);
        if (n < HEADER_LENGTH) {
            return Problem.TRUNCATED;
        }
        int typeAt = OFFSET_ETHER_TYPE;
        int tags = 0;
        int type = NetworkBytes.getU16(seg, off + typeAt);
        while (EtherType.isVlanTag(type)) {
            if (tags == MAX_VLAN_TAGS) {
                return Problem.TOO_MANY_VLAN_TAGS;
            }
            tags++;
            typeAt += VlanTag.LENGTH;
            if (n < typeAt + 2) {
                return Problem.TRUNCATED;
            }
            type = NetworkBytes.getU16(seg, off + typeAt);
        }
        if (EtherType.isLengthField(type)) {
            int payloadBytes = n - (typeAt + 2);
            if (type > EtherType.MAX_LENGTH || type > payloadBytes) {
                return Problem.BAD_LENGTH_FIELD;
            }
        }
        return Problem.NONE;
    }

    // ---- addresses and the outer type --------------------------------------------------------------

    public static long destination(MemorySegment seg, long off) {
        return NetworkBytes.getU48(seg, off + OFFSET_DESTINATION);
    }

    public static void setDestination(MemorySegment seg, long off, long mac) {
        NetworkBytes.setU48(seg, off + OFFSET_DESTINATION, mac);
    }

    public static long source(MemorySegment seg, long off) {
        return NetworkBytes.getU48(seg, off + OFFSET_SOURCE);
    }

    public static void setSource(MemorySegment seg, long off, long mac) {
        NetworkBytes.setU48(seg, off + OFFSET_SOURCE, mac);
    }

    /** The Length/Type field at offset 12: the first TPID if the frame is tagged. */
    public static int etherType(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_ETHER_TYPE);
    }

    public static void setEtherType(MemorySegment seg, long off, int etherType) {
        NetworkBytes.setU16(seg, off + OFFSET_ETHER_TYPE, etherType);
    }

    // ---- the tag stack ----------------------------------------------------------------------------

    /** VLAN tags before the inner type: 0, 1 or 2 (stops counting at {@link #MAX_VLAN_TAGS}). */
    public static int tagCount(MemorySegment seg, long off) {
        int tags = 0;
        while (tags < MAX_VLAN_TAGS
                && EtherType.isVlanTag(NetworkBytes.getU16(seg, off + OFFSET_ETHER_TYPE + tags * VlanTag.LENGTH))) {
            tags++;
        }
        return tags;
    }

    public static boolean isTagged(MemorySegment seg, long off) {
        return EtherType.isVlanTag(etherType(seg, off));
    }

    /** Bytes before the payload: 14, 18 or 22. */
    public static int headerLength(MemorySegment seg, long off) {
        return HEADER_LENGTH + tagCount(seg, off) * VlanTag.LENGTH;
    }

    /** The Length/Type field after the tags: the payload's protocol (or an 802.3 length). */
    public static int innerEtherType(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + headerLength(seg, off) - 2);
    }

    /** Whether the innermost Length/Type is an 802.3 length (an LLC frame, not Ethernet II). */
    public static boolean isLengthFramed(MemorySegment seg, long off) {
        return EtherType.isLengthField(innerEtherType(seg, off));
    }

    /** The TPID of tag {@code index} (0 is the outermost). */
    public static int tagProtocol(MemorySegment seg, long off, int index) {
        return NetworkBytes.getU16(seg, off + OFFSET_ETHER_TYPE + (long) index * VlanTag.LENGTH);
    }

    /** The TCI of tag {@code index} (0 is the outermost): see {@link VlanTag} to unpack it. */
    public static int tagControl(MemorySegment seg, long off, int index) {
        return NetworkBytes.getU16(seg, off + OFFSET_ETHER_TYPE + (long) index * VlanTag.LENGTH + VlanTag.OFFSET_TCI);
    }

    /** The VID of the outermost tag (the S-VID of a QinQ frame), or {@link #NO_VLAN}. */
    public static int outerVlanId(MemorySegment seg, long off) {
        return tagCount(seg, off) == 0 ? NO_VLAN : VlanTag.vlanId(tagControl(seg, off, 0));
    }

    /** The VID of the innermost tag (the C-VID of a QinQ frame; the only one if single-tagged), or {@link #NO_VLAN}. */
    public static int innerVlanId(MemorySegment seg, long off) {
        int tags = tagCount(seg, off);
        return tags == 0 ? NO_VLAN : VlanTag.vlanId(tagControl(seg, off, tags - 1));
    }

    // ---- transmit ---------------------------------------------------------------------------------

    /** Writes an untagged header at {@code off}; returns its length, {@link #HEADER_LENGTH}. */
    public static int write(MemorySegment seg, long off, long destination, long source, int etherType) {
        setDestination(seg, off, destination);
        setSource(seg, off, source);
        setEtherType(seg, off, etherType);
        return HEADER_LENGTH;
    }

    /**
     * Writes a header with one 802.1Q tag ({@code tci} from {@link VlanTag#tci}) at {@code off};
     * returns its length, 18.
     */
    public static int writeTagged(MemorySegment seg, long off, long destination, long source, int tci, int etherType) {
        setDestination(seg, off, destination);
        setSource(seg, off, source);
        NetworkBytes.setU16(seg, off + OFFSET_ETHER_TYPE, EtherType.VLAN);
        NetworkBytes.setU16(seg, off + OFFSET_ETHER_TYPE + VlanTag.OFFSET_TCI, tci);
        NetworkBytes.setU16(seg, off + OFFSET_ETHER_TYPE + VlanTag.LENGTH, etherType);
        return HEADER_LENGTH + VlanTag.LENGTH;
    }

    /** Padding bytes a frame of {@code frameLength} bytes (no FCS) needs before transmission. */
    public static int paddingFor(int frameLength) {
        return Math.max(0, MIN_FRAME_LENGTH - frameLength);
    }

    /**
     * Zero-fills the padding after a frame of {@code frameLength} bytes at {@code off} (RFC 894:
     * "padded with octets of zero"; zeros also keep old buffer contents off the wire) and returns
     * the length to transmit, at least {@link #MIN_FRAME_LENGTH}. The segment must have room.
     */
    public static int pad(MemorySegment seg, long off, int frameLength) {
        int padding = paddingFor(frameLength);
        // At most 60 bytes: a plain loop, no slice object.
        for (long i = off + frameLength, end = i + padding; i < end; i++) {
            NetworkBytes.setU8(seg, i, 0);
        }
        return frameLength + padding;
    }
}
