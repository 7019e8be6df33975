package io.panamax.http;

import io.panamax.tcp.ReplyBuilder;

/**
 * The text the echo service answers with: the request as the server understood it. The
 * request-line, then each header field line as {@code name: value} (value without surrounding
 * whitespace), an empty line, the content (chunked decoded), and after it the trailer fields of a
 * chunked request, one per line. Lines end in CRLF.
 *
 * <p>The lengths are computed from the parsed request before anything is written, so that the
 * response head (with its Content-Length) and the echo go into one {@link ReplyBuilder}, head
 * first, in one pass.
 */
final class RequestEcho {
    private static final String HTTP_SLASH = " HTTP/";

    private RequestEcho() {
    }

    /** Request-line, header fields and the empty line. */
    static void head(RequestHead h, ReplyBuilder out) {
        out.bytes(h.bytes, 0, h.methodEnd).writeByte(' ')
                .bytes(h.bytes, h.targetStart, h.targetEnd - h.targetStart)
                .ascii(HTTP_SLASH).decimal(h.versionMajor).writeByte('.').decimal(h.versionMinor).crlf();
        fields(h, 0, h.fieldCount, out);
        out.crlf();
    }

    /** The length of what {@link #head} writes. */
    static int headLength(RequestHead h) {
        return h.methodEnd + 1 + (h.targetEnd - h.targetStart) + HTTP_SLASH.length() + digits(h.versionMajor) + 1
                + digits(h.versionMinor) + 2 + fieldsLength(h, 0, h.fieldCount) + 2;
    }

    /** The trailer fields (nothing when there are none). */
    static void trailers(RequestHead h, ReplyBuilder out) {
        fields(h, h.fieldCount, h.trailerCount, out);
    }

    /** The length of what {@link #trailers} writes. */
    static int trailersLength(RequestHead h) {
        return fieldsLength(h, h.fieldCount, h.trailerCount);
    }

    private static void fields(RequestHead h, int first, int count, ReplyBuilder out) {
        int[] f = h.fields;
        for (int i = first; i < first + count; i++) {
            int at = i * RequestHead.FIELD_INTS;
            out.bytes(h.bytes, f[at], f[at + 1] - f[at]).writeByte(':').writeByte(' ')
                    .bytes(h.bytes, f[at + 2], f[at + 3] - f[at + 2]).crlf();
        }
    }

    /** Each field line: name, ": ", value, CRLF. */
    private static int fieldsLength(RequestHead h, int first, int count) {
        int[] f = h.fields;
        int n = 0;
        for (int i = first; i < first + count; i++) {
            int at = i * RequestHead.FIELD_INTS;
            n += (f[at + 1] - f[at]) + 2 + (f[at + 3] - f[at + 2]) + 2;
        }
        return n;
    }

    private static int digits(int v) {
        int d = 1;
        for (int x = v / 10; x != 0; x /= 10) {
            d++;
        }
        return d;
    }
}
