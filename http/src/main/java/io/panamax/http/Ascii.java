package io.panamax.http;

/** Character classes of RFC 9110 §5.6 and RFC 5234 Appendix B.1, as table lookups over bytes. */
final class Ascii {
    static final byte CR = '\r';
    static final byte LF = '\n';
    static final byte SP = ' ';
    static final byte HTAB = '\t';
    static final byte COLON = ':';
    static final byte SEMICOLON = ';';
    static final byte EQUALS = '=';
    static final byte DQUOTE = '"';
    static final byte BACKSLASH = '\\';
    static final byte COMMA = ',';

    private static final int TCHAR = 1;
    private static final int FIELD_VCHAR = 2;   // VCHAR / obs-text
    private static final int HEXDIG = 4;
    private static final int TARGET_CHAR = 8;    // VCHAR
    private static final int QDTEXT = 16;        // HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
    private static final int[] CLASSES = new int[256];

    static {
        String tcharSymbols = "!#$%&'*+-.^_`|~";
        for (int c = 0; c < 256; c++) {
            int k = 0;
            boolean alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
            boolean digit = c >= '0' && c <= '9';
            if (alpha || digit || tcharSymbols.indexOf(c) >= 0) {
                k |= TCHAR;
            }
            if ((c >= 0x21 && c <= 0x7e) || c >= 0x80) {
                k |= FIELD_VCHAR;
            }
            if (digit || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f')) {
                k |= HEXDIG;
            }
            if (c >= 0x21 && c <= 0x7e) {
                k |= TARGET_CHAR;
            }
            if (c == HTAB || c == SP || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80) {
                k |= QDTEXT;
            }
            CLASSES[c] = k;
        }
    }

    private Ascii() {
    }

    /** tchar of RFC 9110 §5.6.2: the characters of a token. */
    static boolean isTchar(byte b) {
        return (CLASSES[b & 0xff] & TCHAR) != 0;
    }

    /** field-vchar of RFC 9110 §5.5: VCHAR / obs-text. */
    static boolean isFieldVchar(byte b) {
        return (CLASSES[b & 0xff] & FIELD_VCHAR) != 0;
    }

    static boolean isHexdig(byte b) {
        return (CLASSES[b & 0xff] & HEXDIG) != 0;
    }

    /** A byte allowed in a request-target: VCHAR (RFC 3986 characters and the ones clients leave unescaped). */
    static boolean isTargetChar(byte b) {
        return (CLASSES[b & 0xff] & TARGET_CHAR) != 0;
    }

    /** qdtext of RFC 9110 §5.6.4. */
    static boolean isQdtext(byte b) {
        return (CLASSES[b & 0xff] & QDTEXT) != 0;
    }

    /** A byte of a quoted-pair after the backslash: HTAB / SP / VCHAR / obs-text. */
    static boolean isQuotedPairChar(byte b) {
        return b == HTAB || b == SP || isFieldVchar(b);
    }

    static boolean isWhitespace(byte b) {
        return b == SP || b == HTAB;
    }

    static int hexValue(byte b) {
        return b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
    }

    /** Whether {@code bytes[from..to)} equals the lower-case ASCII {@code lower}, ignoring case. */
    static boolean equalsIgnoreCase(byte[] bytes, int from, int to, byte[] lower) {
        if (to - from != lower.length) {
            return false;
        }
        for (int i = 0; i < lower.length; i++) {
            byte b = bytes[from + i];
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lower[i]) {
                return false;
            }
        }
        return true;
    }

    static byte[] bytes(String ascii) {
        return ascii.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
