package io.panamax.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The request-line and field sections of one request, as the {@link HttpRequestParser} read them,
 * and what they mean for the message: its {@link Framing}, whether the connection persists, what it
 * expects. The parser copies the bytes of the method, the target and each field name and value
 * (without surrounding whitespace) into one array that it reuses from request to request, so a
 * connection allocates only when a request is larger than any before it.
 *
 * <p>Valid from the parser's {@code HEAD} event until it is asked for the event after {@code END};
 * trailer fields are there from {@code END}. Accessors that return {@code String}s allocate: they are
 * for tests and tools.
 */
public final class RequestHead {
    private static final int INITIAL_BYTES = 512;
    private static final int INITIAL_FIELDS = 16;
    /** Ints per field line in {@link #fields}: name start, name end, value start, value end. */
    static final int FIELD_INTS = 4;

    byte[] bytes = new byte[INITIAL_BYTES];
    int length;
    int methodEnd;
    Method method = Method.OTHER;
    int targetStart;
    int targetEnd;
    int versionMajor;
    int versionMinor;
    int[] fields = new int[INITIAL_FIELDS * FIELD_INTS];
    int fieldCount;
    int trailerCount;

    Framing framing = Framing.NONE;
    long contentLength = -1;
    Expectation expectation = Expectation.NONE;
    boolean connectionClose;
    boolean connectionKeepAlive;
    int hostCount;
    int transferCodings;
    int chunkedCodings;
    int unknownCodings;
    boolean chunkedLast;
    boolean badHost;

    RequestHead() {
    }

    void clear() {
        length = 0;
        methodEnd = 0;
        method = Method.OTHER;
        targetStart = 0;
        targetEnd = 0;
        versionMajor = 0;
        versionMinor = 0;
        fieldCount = 0;
        trailerCount = 0;
        framing = Framing.NONE;
        contentLength = -1;
        expectation = Expectation.NONE;
        connectionClose = false;
        connectionKeepAlive = false;
        hostCount = 0;
        transferCodings = 0;
        chunkedCodings = 0;
        unknownCodings = 0;
        chunkedLast = false;
        badHost = false;
    }

    void append(byte b) {
        if (length == bytes.length) {
            bytes = Arrays.copyOf(bytes, bytes.length * 2);
        }
        bytes[length++] = b;
    }

    /** Starts field line {@code fieldCount + trailerCount}: its name begins at the current length. */
    int beginField() {
        int i = fieldCount + trailerCount;
        if ((i + 1) * FIELD_INTS > fields.length) {
            fields = Arrays.copyOf(fields, fields.length * 2);
        }
        fields[i * FIELD_INTS] = length;
        return i;
    }

    // ---- the request-line ----------------------------------------------------------------------

    public Method method() {
        return method;
    }

    /** The method as sent (a token, case preserved). */
    public String methodName() {
        return ascii(0, methodEnd);
    }

    /** The request-target as sent (RFC 9112 §3.2). */
    public String target() {
        return ascii(targetStart, targetEnd);
    }

    public int targetLength() {
        return targetEnd - targetStart;
    }

    /**
     * Whether the request-target is in origin-form with exactly the path {@code path} (ASCII),
     * with or without a query.
     */
    public boolean hasPath(byte[] path) {
        int n = path.length;
        if (targetEnd - targetStart < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (bytes[targetStart + i] != path[i]) {
                return false;
            }
        }
        return targetEnd - targetStart == n || bytes[targetStart + n] == '?';
    }

    public int versionMajor() {
        return versionMajor;
    }

    /** The minor version as received (RFC 9110 §2.5: a 1.x above 1.1 is treated as 1.1). */
    public int versionMinor() {
        return versionMinor;
    }

    /** HTTP/1.1 or a later 1.x. */
    public boolean isHttp11() {
        return versionMinor >= 1;
    }

    // ---- fields -----------------------------------------------------------------------------

    /** Field lines in the header section. */
    public int fieldCount() {
        return fieldCount;
    }

    public String fieldName(int i) {
        checkField(i, fieldCount);
        return ascii(fields[i * FIELD_INTS], fields[i * FIELD_INTS + 1]);
    }

    /** The field value without leading and trailing whitespace; obs-text bytes decoded as ISO-8859-1. */
    public String fieldValue(int i) {
        checkField(i, fieldCount);
        return latin1(fields[i * FIELD_INTS + 2], fields[i * FIELD_INTS + 3]);
    }

    /** The value of the first header field named {@code name} (any case), or null. */
    public String field(String name) {
        byte[] lower = Ascii.bytes(name.toLowerCase(java.util.Locale.ROOT));
        for (int i = 0; i < fieldCount; i++) {
            if (Ascii.equalsIgnoreCase(bytes, fields[i * FIELD_INTS], fields[i * FIELD_INTS + 1], lower)) {
                return fieldValue(i);
            }
        }
        return null;
    }

    /** Field lines in the trailer section of a chunked request (RFC 9112 §7.1.2). */
    public int trailerCount() {
        return trailerCount;
    }

    public String trailerName(int i) {
        checkField(i, trailerCount);
        int f = (fieldCount + i) * FIELD_INTS;
        return ascii(fields[f], fields[f + 1]);
    }

    public String trailerValue(int i) {
        checkField(i, trailerCount);
        int f = (fieldCount + i) * FIELD_INTS;
        return latin1(fields[f + 2], fields[f + 3]);
    }

    // ---- what the head means ----------------------------------------------------------------

    public Framing framing() {
        return framing;
    }

    /** The Content-Length, or -1 when there is none. */
    public long contentLength() {
        return contentLength;
    }

    public Expectation expectation() {
        return expectation;
    }

    /**
     * Whether the connection persists after this request (RFC 9112 §9.3): not if it asked to
     * close; by default in HTTP/1.1; in HTTP/1.0 only with {@code Connection: keep-alive}.
     */
    public boolean persistent() {
        if (connectionClose) {
            return false;
        }
        return isHttp11() || connectionKeepAlive;
    }

    /** Whether this HTTP/1.0 request asked for a persistent connection ({@code Connection: keep-alive}). */
    public boolean keepAliveRequested() {
        return connectionKeepAlive;
    }

    private String ascii(int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.US_ASCII);
    }

    private String latin1(int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
    }

    private static void checkField(int i, int count) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("field " + i + " of " + count);
        }
    }
}
