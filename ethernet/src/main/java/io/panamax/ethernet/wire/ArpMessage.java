package io.panamax.ethernet.wire;

import io.panamax.reactor.buffer.NetworkBytes;
import java.lang.foreign.MemorySegment;

/**
 * An ARP message (RFC 826) for IPv4 over Ethernet, the only pairing this stack resolves: hardware
 * type 1, protocol type 0x0800, address lengths 6 and 4, hence a fixed 28-byte layout.
 *
 * <pre>
 *  0        2        4    5    6        8                 14         18                 24       28
 *  | htype  | ptype  |hlen|plen| oper   | sender hw addr  | sender ip | target hw addr  | target ip |
 * </pre>
 *
 * <p>RARP (RFC 903, EtherType 0x8035) uses the same layout with operations 3 and 4; the accessors
 * read it, but {@link #validate} reports {@link Problem#UNSUPPORTED_OPERATION} for it, since an
 * IPv4 host neither answers nor learns from RARP.
 *
 * <p>Static methods over {@code (seg, off)}, {@code off} being the first byte of the ARP message
 * (after the Ethernet header). Accessors assume {@link #validate} returned {@link Problem#NONE}.
 */
public final class ArpMessage {
    public static final int OFFSET_HARDWARE_TYPE = 0;
    public static final int OFFSET_PROTOCOL_TYPE = 2;
    public static final int OFFSET_HARDWARE_LENGTH = 4;
    public static final int OFFSET_PROTOCOL_LENGTH = 5;
    public static final int OFFSET_OPERATION = 6;
    public static final int OFFSET_SENDER_HARDWARE_ADDRESS = 8;
    public static final int OFFSET_SENDER_PROTOCOL_ADDRESS = 14;
    public static final int OFFSET_TARGET_HARDWARE_ADDRESS = 18;
    public static final int OFFSET_TARGET_PROTOCOL_ADDRESS = 24;
    /** The fields before the addresses, common to every hardware and protocol type. */
    public static final int FIXED_LENGTH = 8;
    /** A whole Ethernet/IPv4 message: 8 + 2 × (6 + 4). */
    public static final int LENGTH = 28;

    /** ar$hrd for Ethernet (10 Mb and every later speed), IANA ARP parameters. */
    public static final int HARDWARE_TYPE_ETHERNET = 1;
    /** ar$pro for IPv4: the EtherType of the protocol. */
    public static final int PROTOCOL_TYPE_IPV4 = EtherType.IPV4;
    public static final int HARDWARE_LENGTH_ETHERNET = EthernetAddress.LENGTH;
    public static final int PROTOCOL_LENGTH_IPV4 = 4;
    public static final int OPERATION_REQUEST = 1;
    public static final int OPERATION_REPLY = 2;
    /** RFC 903 reverse request ("who am I"); reported as unsupported. */
    public static final int OPERATION_RARP_REQUEST = 3;
    /** RFC 903 reverse reply; reported as unsupported. */
    public static final int OPERATION_RARP_REPLY = 4;

    /**
     * Why a received ARP message cannot be used, in the order RFC 826's reception algorithm asks
     * ("Do I have the hardware type in ar$hrd? Do I speak the protocol in ar$pro?"), then the
     * lengths, then the operation.
     */
    public enum Problem {
        NONE,
        /** Fewer bytes than the fixed part, or than the 28 bytes of an Ethernet/IPv4 message. */
        TRUNCATED,
        /** ar$hrd is not Ethernet (1). */
        UNSUPPORTED_HARDWARE_TYPE,
        /** ar$pro is not IPv4 (0x0800). */
        UNSUPPORTED_PROTOCOL_TYPE,
        /** ar$hln is not 6 although ar$hrd says Ethernet. */
        BAD_HARDWARE_LENGTH,
        /** ar$pln is not 4 although ar$pro says IPv4. */
        BAD_PROTOCOL_LENGTH,
        /** ar$op is neither request (1) nor reply (2): RARP (3, 4), InARP (8, 9) and the rest. */
        UNSUPPORTED_OPERATION,
    }

    private ArpMessage() {
    }

    /**
     * Checks the ARP message of {@code available} bytes at {@code off} (bytes beyond 28 are
     * Ethernet padding and ignored). Never throws.
     */
    public static Problem validate(MemorySegment seg, long off, int available) {
        int n = NetworkBytes.readable(seg, off, available);
        if (n < FIXED_LENGTH) {
            return Problem.TRUNCATED;
        }
        if (hardwareType(seg, off) != HARDWARE_TYPE_ETHERNET) {
            return Problem.UNSUPPORTED_HARDWARE_TYPE;
        }
        if (protocolType(seg, off) != PROTOCOL_TYPE_IPV4) {
            return Problem.UNSUPPORTED_PROTOCOL_TYPE;
        }
        if (hardwareLength(seg, off) != HARDWARE_LENGTH_ETHERNET) {
            return Problem.BAD_HARDWARE_LENGTH;
        }
        if (protocolLength(seg, off) != PROTOCOL_LENGTH_IPV4) {
            return Problem.BAD_PROTOCOL_LENGTH;
        }
        if (n < LENGTH) {
            return Problem.TRUNCATED;
        }
        int op = operation(seg, off);
        if (op != OPERATION_REQUEST && op != OPERATION_REPLY) {
            return Problem.UNSUPPORTED_OPERATION;
        }
        return Problem.NONE;
    }

    // ---- fields -----------------------------------------------------------------------------------

    public static int hardwareType(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_HARDWARE_TYPE);
    }

    public static void setHardwareType(MemorySegment seg, long off, int value) {
        NetworkBytes.setU16(seg, off + OFFSET_HARDWARE_TYPE, value);
    }

    public static int protocolType(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_PROTOCOL_TYPE);
    }

    public static void setProtocolType(MemorySegment seg, long off, int value) {
        NetworkBytes.setU16(seg, off + OFFSET_PROTOCOL_TYPE, value);
    }

    public static int hardwareLength(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_HARDWARE_LENGTH);
    }

    public static void setHardwareLength(MemorySegment seg, long off, int value) {
        NetworkBytes.setU8(seg, off + OFFSET_HARDWARE_LENGTH, value);
    }

    public static int protocolLength(MemorySegment seg, long off) {
        return NetworkBytes.getU8(seg, off + OFFSET_PROTOCOL_LENGTH);
    }

    public static void setProtocolLength(MemorySegment seg, long off, int value) {
        NetworkBytes.setU8(seg, off + OFFSET_PROTOCOL_LENGTH, value);
    }

    public static int operation(MemorySegment seg, long off) {
        return NetworkBytes.getU16(seg, off + OFFSET_OPERATION);
    }

    public static void setOperation(MemorySegment seg, long off, int value) {
        NetworkBytes.setU16(seg, off + OFFSET_OPERATION, value);
    }

    public static long senderHardwareAddress(MemorySegment seg, long off) {
        return NetworkBytes.getU48(seg, off + OFFSET_SENDER_HARDWARE_ADDRESS);
    }

    public static void setSenderHardwareAddress(MemorySegment seg, long off, long mac) {
        NetworkBytes.setU48(seg, off + OFFSET_SENDER_HARDWARE_ADDRESS, mac);
    }

    /** The sender's IPv4 address, network order in an {@code int}. */
    public static int senderProtocolAddress(MemorySegment seg, long off) {
        return NetworkBytes.getI32(seg, off + OFFSET_SENDER_PROTOCOL_ADDRESS);
    }

    public static void setSenderProtocolAddress(MemorySegment seg, long off, int ip) {
        NetworkBytes.setI32(seg, off + OFFSET_SENDER_PROTOCOL_ADDRESS, ip);
    }

    public static long targetHardwareAddress(MemorySegment seg, long off) {
        return NetworkBytes.getU48(seg, off + OFFSET_TARGET_HARDWARE_ADDRESS);
    }

    public static void setTargetHardwareAddress(MemorySegment seg, long off, long mac) {
        NetworkBytes.setU48(seg, off + OFFSET_TARGET_HARDWARE_ADDRESS, mac);
    }

    public static int targetProtocolAddress(MemorySegment seg, long off) {
        return NetworkBytes.getI32(seg, off + OFFSET_TARGET_PROTOCOL_ADDRESS);
    }

    public static void setTargetProtocolAddress(MemorySegment seg, long off, int ip) {
        NetworkBytes.setI32(seg, off + OFFSET_TARGET_PROTOCOL_ADDRESS, ip);
    }

    // ---- kinds of message (RFC 5227) ----------------------------------------------------------------

    /**
     * An ARP probe (RFC 5227 §2.1.1): a request with sender IP 0.0.0.0, sent to check that an
     * address is free. It must not update anyone's cache with the sender.
     */
    public static boolean isProbe(MemorySegment seg, long off) {
        return operation(seg, off) == OPERATION_REQUEST && senderProtocolAddress(seg, off) == 0;
    }

    /**
     * A gratuitous ARP or ARP announcement (RFC 5227 §2.3, RFC 5944 §4.6): sender and target IP
     * are the same address, announcing (or defending) its binding.
     */
    public static boolean isGratuitous(MemorySegment seg, long off) {
        int spa = senderProtocolAddress(seg, off);
        return spa != 0 && spa == targetProtocolAddress(seg, off);
    }

    // ---- transmit ---------------------------------------------------------------------------------

    /** Writes a complete Ethernet/IPv4 message at {@code off}; returns {@link #LENGTH}. */
    public static int write(MemorySegment seg, long off, int operation,
                            long senderMac, int senderIp, long targetMac, int targetIp) {
        setHardwareType(seg, off, HARDWARE_TYPE_ETHERNET);
        setProtocolType(seg, off, PROTOCOL_TYPE_IPV4);
        setHardwareLength(seg, off, HARDWARE_LENGTH_ETHERNET);
        setProtocolLength(seg, off, PROTOCOL_LENGTH_IPV4);
        setOperation(seg, off, operation);
        setSenderHardwareAddress(seg, off, senderMac);
        setSenderProtocolAddress(seg, off, senderIp);
        setTargetHardwareAddress(seg, off, targetMac);
        setTargetProtocolAddress(seg, off, targetIp);
        return LENGTH;
    }

    /** Writes a request for {@code targetIp} (target hardware address zero, RFC 826 "don't care"). */
    public static int writeRequest(MemorySegment seg, long off, long senderMac, int senderIp, int targetIp) {
        return write(seg, off, OPERATION_REQUEST, senderMac, senderIp, EthernetAddress.ZERO, targetIp);
    }

    /**
     * Turns a received request into its reply where it lies (RFC 826: "swap fields, putting the
     * local hardware and protocol addresses in the sender fields, set ar$op to ar$REPLY"): the
     * requester becomes the target, and {@code localMac} with the requested IP the sender.
     */
    public static void turnIntoReply(MemorySegment seg, long off, long localMac) {
        long requesterMac = senderHardwareAddress(seg, off);
        int requesterIp = senderProtocolAddress(seg, off);
        int requestedIp = targetProtocolAddress(seg, off);
        setTargetHardwareAddress(seg, off, requesterMac);
        setTargetProtocolAddress(seg, off, requesterIp);
        setSenderHardwareAddress(seg, off, localMac);
        setSenderProtocolAddress(seg, off, requestedIp);
        setOperation(seg, off, OPERATION_REPLY);
    }
}
