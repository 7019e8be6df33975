package io.panamax.nic.linux;

/**
 * An IPv4 interface address with its prefix length, {@code 10.7.0.1/24}: what the kernel side of
 * a TAP device is given. The address is held as an int, first octet most significant.
 */
public record Ipv4Cidr(int address, int prefixLength) {

    public Ipv4Cidr {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("IPv4 prefix length " + prefixLength + " is not in 0..32");
        }
    }

    /**
     * Parses {@code a.b.c.d/n} (or {@code a.b.c.d}, taken as /32). Only dotted-quad literals:
     * nothing here resolves host names.
     */
    public static Ipv4Cidr parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        int prefix = 32;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in '" + text + "'");
            }
            s = s.substring(0, slash);
        }
        return new Ipv4Cidr(parseAddress(s, text), prefix);
    }

    /** Parses a dotted-quad IPv4 literal into an int, first octet most significant. */
    public static int parseAddress(String dotted) {
        return parseAddress(dotted.trim(), dotted);
    }

    private static int parseAddress(String s, String original) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: '" + original + "'");
        }
        int v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("not an IPv4 address: '" + original + "'");
            }
            int octet = Integer.parseInt(p);
            if (octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address: '" + original + "'");
            }
            v = v << 8 | octet;
        }
        return v;
    }

    /** The netmask of the prefix, {@code 255.255.255.0} for /24. */
    public int netmask() {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** Dotted-quad text of an int address. */
    public static String format(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "." + (address & 0xff);
    }

    @Override
    public String toString() {
        return format(address) + "/" + prefixLength;
    }
}
