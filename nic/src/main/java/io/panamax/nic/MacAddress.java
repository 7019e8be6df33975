package io.panamax.nic;

import java.util.HexFormat;

/**
 * A 48-bit IEEE 802 MAC address. The stack carries MACs as a {@code long} (the 48 bits in the low
 * bits, first octet most significant) on its fast paths; this type is for APIs and configuration.
 */
public record MacAddress(long bits) {
    public static final MacAddress BROADCAST = new MacAddress(0xffff_ffff_ffffL);
    public static final MacAddress ZERO = new MacAddress(0);

    public MacAddress {
        if ((bits & ~0xffff_ffff_ffffL) != 0) {
            throw new IllegalArgumentException("not a 48-bit MAC: " + Long.toHexString(bits));
        }
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} (or with dashes). */
    public static MacAddress parse(String s) {
        String[] parts = s.trim().split("[:-]");
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address: '" + s + "'");
        }
        long v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 2) {
                throw new IllegalArgumentException("not a MAC address: '" + s + "'");
            }
            v = v << 8 | Integer.parseInt(p, 16);
        }
        return new MacAddress(v);
    }

    public static MacAddress of(byte[] sixBytes) {
        if (sixBytes.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + sixBytes.length);
        }
        long v = 0;
        for (byte b : sixBytes) {
            v = v << 8 | (b & 0xff);
        }
        return new MacAddress(v);
    }

    /**
     * A random locally administered unicast address (the U/L bit set, the I/G bit clear), for
     * interfaces that have no burnt-in address.
     */
    public static MacAddress randomLocal(java.util.random.RandomGenerator rng) {
        long v = rng.nextLong() & 0xffff_ffff_ffffL;
        v |= 0x0200_0000_0000L;  // locally administered
        v &= ~0x0100_0000_0000L; // unicast
        return new MacAddress(v);
    }

    public byte[] toBytes() {
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) (bits >>> (40 - 8 * i));
        }
        return b;
    }

    public boolean isBroadcast() {
        return bits == 0xffff_ffff_ffffL;
    }

    /** The I/G bit: group (multicast or broadcast) addresses. */
    public boolean isMulticast() {
        return (bits & 0x0100_0000_0000L) != 0;
    }

    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(toBytes());
    }
}
