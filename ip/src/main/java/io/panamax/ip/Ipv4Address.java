package io.panamax.ip;

/**
 * IPv4 addresses. On the fast paths the stack carries an address as an {@code int} in network
 * order (first octet most significant); this class converts to and from text and holds the few
 * classifications the stack needs. {@link Ipv4Address.Prefix} is an address with a prefix length.
 */
public final class Ipv4Address {
    public static final int ANY = 0;
    public static final int BROADCAST = 0xffffffff;

    private Ipv4Address() {
    }

    /** Parses dotted-quad text; throws {@link IllegalArgumentException} naming the bad input. */
    public static int parse(String text) {
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
        }
        int v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            int octet = Integer.parseInt(p);
            if (octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            v = v << 8 | octet;
        }
        return v;
    }

    public static String toString(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "." + (address & 0xff);
    }

    public static byte[] toBytes(int address) {
        return new byte[] {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
    }

    /** The address as a JDK {@link java.net.InetAddress} (for the API's edges; it allocates). */
    public static java.net.InetAddress toInetAddress(int address) {
        try {
            return java.net.InetAddress.getByAddress(toBytes(address));
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError("4 bytes are always an IPv4 address", e);
        }
    }

    public static int fromBytes(byte[] b) {
        if (b.length != 4) {
            throw new IllegalArgumentException("an IPv4 address has 4 bytes, not " + b.length);
        }
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    /** 224.0.0.0/4 (RFC 5771). */
    public static boolean isMulticast(int a) {
        return (a >>> 28) == 0xe;
    }

    /** 127.0.0.0/8. */
    public static boolean isLoopback(int a) {
        return (a >>> 24) == 127;
    }

    /** The mask of a prefix length: 24 → 0xffffff00. */
    public static int mask(int prefixLength) {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length must be 0..32, got " + prefixLength);
        }
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** An address with its prefix length, as in {@code 10.7.0.2/24}. */
    public record Prefix(int address, int length) {
        public Prefix {
            Ipv4Address.mask(length);
        }

        /** Parses {@code a.b.c.d/n}. */
        public static Prefix parse(String text) {
            int slash = text.indexOf('/');
            if (slash < 0) {
                throw new IllegalArgumentException("expected address/prefix-length, e.g. 10.7.0.2/24, got '" + text + "'");
            }
            int len;
            try {
                len = Integer.parseInt(text.substring(slash + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in '" + text + "'");
            }
            if (len < 0 || len > 32) {
                throw new IllegalArgumentException("prefix length must be 0..32 in '" + text + "'");
            }
            return new Prefix(Ipv4Address.parse(text.substring(0, slash)), len);
        }

        public int mask() {
            return Ipv4Address.mask(length);
        }

        public int network() {
            return address & mask();
        }

        /** The directed broadcast address of the subnet. */
        public int broadcast() {
            return network() | ~mask();
        }

        public boolean contains(int a) {
            return (a & mask()) == network();
        }

        @Override
        public String toString() {
            return Ipv4Address.toString(address) + "/" + length;
        }
    }
}
