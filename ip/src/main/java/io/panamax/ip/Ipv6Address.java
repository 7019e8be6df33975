package io.panamax.ip;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IPv6 addresses as two longs (high and low 64 bits, network order), as the data path carries
 * them, with the RFC 4291 address kinds and the conversions the control path needs.
 */
public final class Ipv6Address {
    /** ff02::1, all nodes on the link (RFC 4291 §2.7.1). */
    public static final long ALL_NODES_HIGH = 0xff02_0000_0000_0000L;
    public static final long ALL_NODES_LOW = 1L;
    /** ff02::2, all routers on the link. */
    public static final long ALL_ROUTERS_LOW = 2L;
    /** fe80::/64, the link-local prefix (RFC 4291 §2.5.6). */
    public static final long LINK_LOCAL_HIGH = 0xfe80_0000_0000_0000L;

    private Ipv6Address() {
    }

    /** ff00::/8 (RFC 4291 §2.7). */
    public static boolean isMulticast(long high) {
        return (high >>> 56) == 0xff;
    }

    /** fe80::/10. */
    public static boolean isLinkLocal(long high) {
        return (high >>> 54) == (0xfe80L >>> 6);
    }

    /** ::, the unspecified address (a source during duplicate address detection). */
    public static boolean isUnspecified(long high, long low) {
        return high == 0 && low == 0;
    }

    /** ::1. */
    public static boolean isLoopback(long high, long low) {
        return high == 0 && low == 1;
    }

    /**
     * The modified EUI-64 interface identifier of a 48-bit MAC (RFC 4291 §2.5.1, appendix A):
     * ff:fe in the middle, the universal/local bit inverted.
     */
    public static long interfaceIdentifier(long mac) {
        long oui = (mac >>> 24) & 0xff_ffffL;
        long nic = mac & 0xff_ffffL;
        return ((oui << 40) | (0xfffeL << 24) | nic) ^ 0x0200_0000_0000_0000L;
    }

    /** The solicited-node multicast address ff02::1:ffXX:XXXX of an address (RFC 4291 §2.7.1): its high half. */
    public static final long SOLICITED_NODE_HIGH = 0xff02_0000_0000_0000L;

    /** The low half of the solicited-node address of an address whose low half is {@code low}. */
    public static long solicitedNodeLow(long low) {
        return 0x0000_0001_ff00_0000L | (low & 0xff_ffffL);
    }

    /** The multicast MAC of an IPv6 group (RFC 2464 §7): 33:33 and the group's last 32 bits. */
    public static long multicastMac(long low) {
        return 0x3333_0000_0000L | (low & 0xffff_ffffL);
    }

    /** Parses any textual form {@link InetAddress} accepts for IPv6 ({@code fd00:7::2}); returns {high, low}. */
    public static long[] parse(String text) {
        try {
            InetAddress a = InetAddress.getByName(text.startsWith("[") ? text.substring(1, text.length() - 1) : text);
            if (!(a instanceof Inet6Address) || !text.contains(":")) {
                throw new IllegalArgumentException("not an IPv6 address: '" + text + "'");
            }
            byte[] b = a.getAddress();
            return new long[] {bytesToLong(b, 0), bytesToLong(b, 8)};
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv6 address: '" + text + "'", e);
        }
    }

    /** The RFC 5952 text of an address ({@code fd00:7::2}). */
    public static String toString(long high, long low) {
        StringBuilder b = new StringBuilder();
        int[] w = new int[8];
        for (int i = 0; i < 4; i++) {
            w[i] = (int) (high >>> (48 - 16 * i)) & 0xffff;
            w[4 + i] = (int) (low >>> (48 - 16 * i)) & 0xffff;
        }
        // The longest run of two or more zero words becomes "::" (the first such run on a tie).
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!b.isEmpty() && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(w[i]));
        }
        return b.toString();
    }

    /** The high (index 0) and low (index 1) halves of an address. */
    public static long[] of(Inet6Address a) {
        byte[] b = a.getAddress();
        return new long[] {bytesToLong(b, 0), bytesToLong(b, 8)};
    }

    /** The address as a JDK {@link Inet6Address} (for the API's edges; it allocates). */
    public static Inet6Address toInetAddress(long high, long low) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (high >>> (56 - 8 * i));
            b[8 + i] = (byte) (low >>> (56 - 8 * i));
        }
        try {
            return (Inet6Address) InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError("16 bytes are always an IPv6 address", e);
        }
    }

    private static long bytesToLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at + i] & 0xff);
        }
        return v;
    }

    /** An address with its prefix length, as in {@code fd00:7::2/64}. */
    public record Prefix(long high, long low, int length) {
        public Prefix {
            if (length < 0 || length > 128) {
                throw new IllegalArgumentException("prefix length must be 0..128, got " + length);
            }
        }

        public static Prefix parse(String text) {
            int slash = text.indexOf('/');
            if (slash < 0) {
                throw new IllegalArgumentException("expected address/prefix-length, e.g. fd00:7::2/64, got '" + text + "'");
            }
            long[] a = Ipv6Address.parse(text.substring(0, slash));
            int len;
            try {
                len = Integer.parseInt(text.substring(slash + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in '" + text + "'");
            }
            return new Prefix(a[0], a[1], len);
        }

        /** Whether {@code (h, l)} is in this prefix. */
        public boolean contains(long h, long l) {
            if (length <= 64) {
                long mask = length == 0 ? 0 : -1L << (64 - length);
                return (h & mask) == (high & mask);
            }
            long mask = -1L << (128 - length);
            return h == high && (l & mask) == (low & mask);
        }

        @Override
        public String toString() {
            return Ipv6Address.toString(high, low) + "/" + length;
        }
    }
}
