package io.panamax.ethernet.wire;

import io.panamax.reactor.buffer.NetworkBytes;
import java.lang.foreign.MemorySegment;

/**
 * IEEE 802 48-bit MAC addresses as the fast path carries them: a {@code long} with the six octets
 * in its low 48 bits, the first octet on the wire most significant (the same encoding as
 * {@code io.panamax.nic.MacAddress#bits()}). The first octet's least significant bit is the I/G
 * (individual/group) bit, transmitted first on the wire; its next bit is U/L (universal/local)
 * (IEEE Std 802, "MAC addresses").
 */
public final class EthernetAddress {
    /** Octets in an address. */
    public static final int LENGTH = 6;
    /** ff:ff:ff:ff:ff:ff, every station. */
    public static final long BROADCAST = 0xffff_ffff_ffffL;
    /** 00:00:00:00:00:00: "unknown", as in the target hardware address of an ARP request. */
    public static final long ZERO = 0L;
    /** The I/G bit: set for group (multicast and broadcast) addresses. */
    public static final long GROUP_BIT = 0x0100_0000_0000L;
    /** The U/L bit: set for locally administered addresses. */
    public static final long LOCAL_BIT = 0x0200_0000_0000L;
    /** 01:00:5e:00:00:00, the block that IPv4 multicast groups map into (RFC 1112 §6.4). */
    public static final long IPV4_MULTICAST_PREFIX = 0x0100_5e00_0000L;
    /** The low 23 bits of an IPv4 group address go into the low 23 bits of the MAC (RFC 1112 §6.4). */
    public static final int IPV4_MULTICAST_GROUP_MASK = 0x007f_ffff;

    private static final long MASK = 0xffff_ffff_ffffL;

    private EthernetAddress() {
    }

    /** Reads the six octets at {@code off}. */
    public static long read(MemorySegment seg, long off) {
        return NetworkBytes.getU48(seg, off);
    }

    /** Writes {@code mac}'s six octets at {@code off}. */
    public static void write(MemorySegment seg, long off, long mac) {
        NetworkBytes.setU48(seg, off, mac);
    }

    public static boolean isBroadcast(long mac) {
        return (mac & MASK) == BROADCAST;
    }

    /** Group addresses: multicast, and broadcast too. */
    public static boolean isMulticast(long mac) {
        return (mac & GROUP_BIT) != 0;
    }

    /** Individual addresses: the only kind a frame's source may carry. */
    public static boolean isUnicast(long mac) {
        return (mac & GROUP_BIT) == 0;
    }

    public static boolean isLocallyAdministered(long mac) {
        return (mac & LOCAL_BIT) != 0;
    }

    /** The MAC of an IPv4 multicast group (RFC 1112 §6.4): 01:00:5e and the group's low 23 bits. */
    public static long ofIpv4Multicast(int group) {
        return IPV4_MULTICAST_PREFIX | (group & IPV4_MULTICAST_GROUP_MASK);
    }

    /** {@code aa:bb:cc:dd:ee:ff}, for logs and test messages (allocates). */
    public static String toString(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int octet = (int) (mac >>> shift) & 0xff;
            sb.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xf, 16));
            if (shift > 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }
}
