package io.panamax.rss;

/**
 * IPv4 and IPv6 addresses as text, for the {@code rss} command and error messages. rss sits below
 * the ip module and cannot use its address classes; this is the little it needs.
 */
final class AddressText {
    private static final int IPV6_GROUPS = 8;

    private AddressText() {
    }

    static boolean looksLikeIpv6(String text) {
        return text.indexOf(':') >= 0;
    }

    /** Dotted-quad text to an address, first octet most significant. */
    static int parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
        }
        int address = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "' (octet " + octet + " > 255)");
            }
            address = address << 8 | octet;
        }
        return address;
    }

    static String formatIpv4(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "." + (address & 0xff);
    }

    /**
     * IPv6 text (RFC 4291 section 2.2: eight groups of up to four hex digits, one {@code ::} for a
     * run of zero groups, optionally a dotted quad as the last 32 bits) to its 16 bytes.
     */
    static byte[] parseIpv6(String text) {
        if (text.indexOf('%') >= 0) {
            throw new IllegalArgumentException("not an IPv6 address: '" + text + "' (zone ids are not hashed)");
        }
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            throw new IllegalArgumentException("not an IPv6 address: '" + text + "' (more than one '::')");
        }
        int[] head = gap >= 0 ? groups(text.substring(0, gap), text, false) : groups(text, text, true);
        int[] tail = gap >= 0 ? groups(text.substring(gap + 2), text, true) : new int[0];
        int count = head.length + tail.length;
        if (gap < 0 ? count != IPV6_GROUPS : count > IPV6_GROUPS - 1) {
            throw new IllegalArgumentException("not an IPv6 address: '" + text + "' (" + count + " groups)");
        }
        byte[] bytes = new byte[16];
        for (int i = 0; i < head.length; i++) {
            putGroup(bytes, i, head[i]);
        }
        for (int i = 0; i < tail.length; i++) {
            putGroup(bytes, IPV6_GROUPS - tail.length + i, tail[i]);
        }
        return bytes;
    }

    private static void putGroup(byte[] bytes, int group, int value) {
        bytes[2 * group] = (byte) (value >>> 8);
        bytes[2 * group + 1] = (byte) value;
    }

    /** Colon-separated groups; a trailing dotted quad counts as two groups. */
    private static int[] groups(String part, String whole, boolean endsAddress) {
        if (part.isEmpty()) {
            return new int[0];
        }
        String[] fields = part.split(":", -1);
        boolean quad = endsAddress && fields[fields.length - 1].indexOf('.') >= 0;
        int[] groups = new int[fields.length + (quad ? 1 : 0)];
        for (int i = 0; i < fields.length; i++) {
            String f = fields[i];
            if (quad && i == fields.length - 1) {
                int v4 = parseIpv4(f);
                groups[i] = v4 >>> 16;
                groups[i + 1] = v4 & 0xffff;
                break;
            }
            if (f.isEmpty() || f.length() > 4 || !f.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new IllegalArgumentException("not an IPv6 address: '" + whole + "' (bad group '" + f + "')");
            }
            groups[i] = Integer.parseInt(f, 16);
        }
        return groups;
    }

    /** Bytes {@code from .. from + 7} as a long, first byte most significant. */
    static long longAt(byte[] bytes, int from) {
        long v = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            v = v << 8 | (bytes[from + i] & 0xff);
        }
        return v;
    }
}
