package io.panamax.tls.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The five-byte TLS record header as pure functions over bytes (RFC 8446 §5.1, RFC 5246 §6.2.1):
 *
 * <pre>
 * struct {
 *     ContentType type;                       // 1 byte: 20..24
 *     ProtocolVersion legacy_record_version;  // 2 bytes: 0x03 0x0N
 *     uint16 length;                          // the fragment that follows
 *     opaque fragment[TLSPlaintext.length];
 * } TLSPlaintext / TLSCiphertext;
 * </pre>
 *
 * <p>A connection looks at every record header before the {@code SSLEngine} sees the record, so
 * that bytes which are not TLS at all (an HTTP request on a TLS port, noise) and records larger
 * than any version allows are refused early, with a named reason, before they are buffered. The
 * functions never throw, whatever the input: out-of-range offsets and lengths only mean that fewer
 * bytes are available. They are meant to be fuzzed.
 */
public final class TlsRecordHeader {
    /** Bytes in a record header. */
    public static final int LENGTH = 5;

    /** ContentType values (RFC 8446 §5.1; heartbeat is RFC 6520, which no supported version uses). */
    public static final int CHANGE_CIPHER_SPEC = 20;
    public static final int ALERT = 21;
    public static final int HANDSHAKE = 22;
    public static final int APPLICATION_DATA = 23;
    public static final int HEARTBEAT = 24;

    /** The largest TLSPlaintext fragment: 2^14 bytes (RFC 8446 §5.1, RFC 5246 §6.2.1). */
    public static final int MAX_PLAINTEXT = 1 << 14;
    /** The largest TLS 1.3 TLSCiphertext fragment: 2^14 + 256 (RFC 8446 §5.2). */
    public static final int MAX_CIPHERTEXT_TLS13 = MAX_PLAINTEXT + 256;
    /**
     * The largest fragment any supported version allows: 2^14 + 2048, the TLS 1.2 TLSCiphertext
     * limit (RFC 5246 §6.2.3). The header alone does not say which version protects the record,
     * so this is the bound checked here; a longer record is {@link Verdict#OVERSIZED}.
     */
    public static final int MAX_FRAGMENT = MAX_PLAINTEXT + 2048;
    /** The longest record, header included. */
    public static final int MAX_RECORD = LENGTH + MAX_FRAGMENT;

    /** What a header says about the bytes that start with it. */
    public enum Verdict {
        /** A well-formed header and its whole fragment are present. */
        COMPLETE,
        /** Fewer than five bytes, and none of them wrong so far. */
        NEED_HEADER,
        /** A well-formed header whose fragment has not all arrived yet. */
        NEED_FRAGMENT,
        /**
         * The first byte is no TLS content type (20..23). An HTTP request ('G' = 71), an SSL 2.0
         * hello (high bit set), a heartbeat record or noise.
         */
        BAD_CONTENT_TYPE,
        /** The version bytes are not 0x03 0x00..0x03, the only values a TLS record layer carries. */
        BAD_VERSION,
        /** The length is above {@link #MAX_FRAGMENT} (RFC 8446 §5.2: record_overflow). */
        OVERSIZED,
        /**
         * A zero-length handshake, alert or change_cipher_spec fragment (RFC 8446 §5.1: "MUST NOT
         * send zero-length fragments of Handshake types"; an alert is two bytes, a
         * change_cipher_spec one). Zero-length application data is legal.
         */
        EMPTY_FRAGMENT;

        /** Whether the bytes cannot be TLS, however many more arrive. */
        public boolean isProblem() {
            return ordinal() >= BAD_CONTENT_TYPE.ordinal();
        }
    }

    private TlsRecordHeader() {
    }

    /**
     * Checks the record that starts at {@code offset} in {@code bytes}, of which {@code length}
     * bytes are available. Never throws: a window outside the segment counts as no bytes.
     */
    public static Verdict check(MemorySegment bytes, long offset, long length) {
        int available = available(bytes == null ? 0 : bytes.byteSize(), offset, length);
        int b0 = available > 0 ? u8(bytes, offset) : -1;
        int b1 = available > 1 ? u8(bytes, offset + 1) : -1;
        int b2 = available > 2 ? u8(bytes, offset + 2) : -1;
        int len = available >= LENGTH ? u8(bytes, offset + 3) << 8 | u8(bytes, offset + 4) : -1;
        return classify(b0, b1, b2, len, available);
    }

    /** {@link #check(MemorySegment, long, long)} over an array. Never throws. */
    public static Verdict check(byte[] bytes, int offset, int length) {
        int available = available(bytes == null ? 0 : bytes.length, offset, length);
        int b0 = available > 0 ? bytes[offset] & 0xff : -1;
        int b1 = available > 1 ? bytes[offset + 1] & 0xff : -1;
        int b2 = available > 2 ? bytes[offset + 2] & 0xff : -1;
        int len = available >= LENGTH ? (bytes[offset + 3] & 0xff) << 8 | (bytes[offset + 4] & 0xff) : -1;
        return classify(b0, b1, b2, len, available);
    }

    /**
     * The verdict from the header fields already read: {@code type}, {@code major}, {@code minor}
     * and {@code fragmentLength} are -1 when their bytes have not arrived; {@code available}
     * counts the bytes present from the start of the header. The other overloads read the fields
     * and call this; a connection that reads them across packet fragments calls it directly.
     */
    public static Verdict classify(int type, int major, int minor, int fragmentLength, long available) {
        if (type < 0) {
            return Verdict.NEED_HEADER;
        }
        if (type < CHANGE_CIPHER_SPEC || type > APPLICATION_DATA) {
            return Verdict.BAD_CONTENT_TYPE;
        }
        if (major < 0) {
            return Verdict.NEED_HEADER;
        }
        // RFC 8446 §5.1: legacy_record_version is 0x0303 (0x0301 allowed in a first ClientHello);
        // TLS 1.2 and earlier put their version there. Major 3 with minor 0..3 covers all of them
        // (SSL 3.0 is refused later, by the engine, with protocol_version).
        if (major != 3) {
            return Verdict.BAD_VERSION;
        }
        if (minor < 0) {
            return Verdict.NEED_HEADER;
        }
        if (minor > 3) {
            return Verdict.BAD_VERSION;
        }
        if (fragmentLength < 0) {
            return Verdict.NEED_HEADER;
        }
        if (fragmentLength > MAX_FRAGMENT) {
            return Verdict.OVERSIZED;
        }
        if (fragmentLength == 0 && type != APPLICATION_DATA) {
            return Verdict.EMPTY_FRAGMENT;
        }
        return available >= LENGTH + (long) fragmentLength ? Verdict.COMPLETE : Verdict.NEED_FRAGMENT;
    }

    /** The content type of the header at {@code offset}, or -1 if that byte is not there. */
    public static int contentType(byte[] bytes, int offset, int length) {
        return available(bytes == null ? 0 : bytes.length, offset, length) > 0 ? bytes[offset] & 0xff : -1;
    }

    /** The version field ({@code 0x0303}...) of the header at {@code offset}, or -1. */
    public static int version(byte[] bytes, int offset, int length) {
        return available(bytes == null ? 0 : bytes.length, offset, length) >= 3
                ? (bytes[offset + 1] & 0xff) << 8 | (bytes[offset + 2] & 0xff) : -1;
    }

    /** The fragment length of the header at {@code offset}, or -1 if the header is incomplete. */
    public static int fragmentLength(byte[] bytes, int offset, int length) {
        return available(bytes == null ? 0 : bytes.length, offset, length) >= LENGTH
                ? (bytes[offset + 3] & 0xff) << 8 | (bytes[offset + 4] & 0xff) : -1;
    }

    /** The fragment length of the header at {@code offset} of a segment, or -1 if incomplete. */
    public static int fragmentLength(MemorySegment bytes, long offset, long length) {
        return available(bytes == null ? 0 : bytes.byteSize(), offset, length) >= LENGTH
                ? u8(bytes, offset + 3) << 8 | u8(bytes, offset + 4) : -1;
    }

    /** The name of a content type, for messages. */
    public static String contentTypeName(int type) {
        return switch (type) {
            case CHANGE_CIPHER_SPEC -> "change_cipher_spec";
            case ALERT -> "alert";
            case HANDSHAKE -> "handshake";
            case APPLICATION_DATA -> "application_data";
            case HEARTBEAT -> "heartbeat";
            default -> "unknown(" + type + ")";
        };
    }

    /** Bytes usable from {@code offset}: at most {@code length}, none for a window outside {@code size}. */
    private static int available(long size, long offset, long length) {
        if (offset < 0 || length <= 0 || offset >= size) {
            return 0;
        }
        return (int) Math.min(Math.min(length, size - offset), Integer.MAX_VALUE);
    }

    private static int u8(MemorySegment s, long at) {
        return s.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }
}
