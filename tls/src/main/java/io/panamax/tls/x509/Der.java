package io.panamax.tls.x509;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/**
 * A minimal DER encoder (ITU-T X.690 §8 and §10): each method returns the complete
 * tag-length-value encoding of one value, so structures are built from the inside out, as in
 * {@code Der.sequence(Der.integer(2), Der.utf8("x"))}. Only what an X.509 certificate needs
 * (RFC 5280 §4.1) is here.
 */
public final class Der {
    public static final int BOOLEAN = 0x01;
    public static final int INTEGER = 0x02;
    public static final int BIT_STRING = 0x03;
    public static final int OCTET_STRING = 0x04;
    public static final int NULL = 0x05;
    public static final int OBJECT_IDENTIFIER = 0x06;
    public static final int UTF8_STRING = 0x0c;
    public static final int PRINTABLE_STRING = 0x13;
    public static final int IA5_STRING = 0x16;
    public static final int UTC_TIME = 0x17;
    public static final int GENERALIZED_TIME = 0x18;
    public static final int SEQUENCE = 0x30;
    public static final int SET = 0x31;

    private static final DateTimeFormatter UTC_TIME_FORMAT =
            DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter GENERALIZED_TIME_FORMAT =
            DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

    private Der() {
    }

    /** Tag, length (X.690 §8.1.3: short form below 128, else the minimal long form), value. */
    public static byte[] tlv(int tag, byte[] value) {
        byte[] length = length(value.length);
        byte[] out = new byte[1 + length.length + value.length];
        out[0] = (byte) tag;
        System.arraycopy(length, 0, out, 1, length.length);
        System.arraycopy(value, 0, out, 1 + length.length, value.length);
        return out;
    }

    /** The length octets of X.690 §8.1.3 (definite form, as DER requires, §10.1). */
    public static byte[] length(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative length " + n);
        }
        if (n < 0x80) {
            return new byte[] {(byte) n};
        }
        int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(n) + 7) / 8;
        byte[] out = new byte[1 + bytes];
        out[0] = (byte) (0x80 | bytes);
        for (int i = 0; i < bytes; i++) {
            out[bytes - i] = (byte) (n >>> (8 * i));
        }
        return out;
    }

    /** SEQUENCE of the given encodings, in order. */
    public static byte[] sequence(byte[]... elements) {
        return tlv(SEQUENCE, concat(elements));
    }

    /** SET OF: X.690 §11.6 orders the encodings as octet strings. */
    public static byte[] setOf(byte[]... elements) {
        byte[][] sorted = elements.clone();
        Arrays.sort(sorted, Arrays::compareUnsigned);
        return tlv(SET, concat(sorted));
    }

    /** INTEGER, two's complement in the fewest octets (X.690 §8.3). */
    public static byte[] integer(BigInteger value) {
        return tlv(INTEGER, value.toByteArray());
    }

    public static byte[] integer(long value) {
        return integer(BigInteger.valueOf(value));
    }

    public static byte[] bool(boolean value) {
        return tlv(BOOLEAN, new byte[] {(byte) (value ? 0xff : 0x00)}); // X.690 §11.1: TRUE is FF
    }

    public static byte[] nul() {
        return new byte[] {NULL, 0};
    }

    /** OBJECT IDENTIFIER from dotted text ("1.2.840.10045.4.3.2"), X.690 §8.19. */
    public static byte[] oid(String dotted) {
        String[] parts = dotted.split("\\.");
        if (parts.length < 2) {
            throw new IllegalArgumentException("an OID has at least two arcs: " + dotted);
        }
        long first = Long.parseLong(parts[0]);
        long second = Long.parseLong(parts[1]);
        if (first > 2 || (first < 2 && second > 39)) {
            throw new IllegalArgumentException("bad first arcs in " + dotted);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        base128(out, first * 40 + second);
        for (int i = 2; i < parts.length; i++) {
            base128(out, Long.parseLong(parts[i]));
        }
        return tlv(OBJECT_IDENTIFIER, out.toByteArray());
    }

    private static void base128(ByteArrayOutputStream out, long arc) {
        if (arc < 0) {
            throw new IllegalArgumentException("negative OID arc");
        }
        int groups = Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(arc) + 6) / 7);
        for (int g = groups - 1; g >= 0; g--) {
            int b = (int) (arc >>> (7 * g)) & 0x7f;
            out.write(g > 0 ? b | 0x80 : b);
        }
    }

    /** BIT STRING of whole octets (no unused bits), X.690 §8.6. */
    public static byte[] bitString(byte[] bits) {
        byte[] v = new byte[bits.length + 1];
        System.arraycopy(bits, 0, v, 1, bits.length);
        return tlv(BIT_STRING, v);
    }

    /**
     * BIT STRING of a named-bit list such as KeyUsage: bit 0 is the most significant bit of the
     * first octet; DER drops trailing zero bits (X.690 §11.2.2) and says how many of the last
     * octet are unused.
     */
    public static byte[] namedBits(int... bits) {
        int highest = -1;
        for (int b : bits) {
            highest = Math.max(highest, b);
        }
        if (highest < 0) {
            return tlv(BIT_STRING, new byte[] {0});
        }
        byte[] octets = new byte[highest / 8 + 1];
        for (int b : bits) {
            octets[b / 8] |= (byte) (0x80 >>> (b % 8));
        }
        int unused = 7 - highest % 8;
        byte[] v = new byte[octets.length + 1];
        v[0] = (byte) unused;
        System.arraycopy(octets, 0, v, 1, octets.length);
        return tlv(BIT_STRING, v);
    }

    public static byte[] octetString(byte[] value) {
        return tlv(OCTET_STRING, value);
    }

    public static byte[] utf8(String s) {
        return tlv(UTF8_STRING, s.getBytes(StandardCharsets.UTF_8));
    }

    /** IA5String (ASCII): what dNSName holds (RFC 5280 §4.2.1.6). */
    public static byte[] ia5(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7f) {
                throw new IllegalArgumentException("not IA5 (ASCII): " + s);
            }
        }
        return tlv(IA5_STRING, s.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * A certificate validity time as RFC 5280 §4.1.2.5 wants it: UTCTime (YYMMDDHHMMSSZ) through
     * 2049, GeneralizedTime (YYYYMMDDHHMMSSZ) from 2050; seconds, no fraction.
     */
    public static byte[] time(Instant t) {
        Instant whole = Instant.ofEpochSecond(t.getEpochSecond());
        int year = whole.atZone(ZoneOffset.UTC).getYear();
        if (year >= 1950 && year < 2050) {
            return tlv(UTC_TIME, UTC_TIME_FORMAT.format(whole).getBytes(StandardCharsets.US_ASCII));
        }
        return tlv(GENERALIZED_TIME, GENERALIZED_TIME_FORMAT.format(whole).getBytes(StandardCharsets.US_ASCII));
    }

    /** [n] EXPLICIT: a constructed context-specific tag around a complete encoding. */
    public static byte[] explicit(int n, byte[] encoding) {
        return tlv(0xa0 | n, encoding);
    }

    /** [n] IMPLICIT on a primitive value: the context-specific tag replaces the value's own. */
    public static byte[] implicitPrimitive(int n, byte[] value) {
        return tlv(0x80 | n, value);
    }

    /** Concatenation of encodings. */
    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
