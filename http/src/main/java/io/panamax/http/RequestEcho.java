package io.panamax.http;

/**
 * The text the echo service answers with: the request as the server understood it. The
 * request-line, then each header field line as {@code name: value} (value without surrounding
 * whitespace), an empty line, the content (chunked decoded), and after it the trailer fields of a
 * chunked request, one per line. Lines end in CRLF.
 */
final class RequestEcho {
    private RequestEcho() {
    }

    /** Request-line, header fields and the empty line. */
    static void head(RequestHead h, ResponseBuffer out) {
        out.bytes(h.bytes, 0, h.methodEnd).ascii(" ")
                .bytes(h.bytes, h.targetStart, h.targetEnd - h.targetStart)
                .ascii(" HTTP/").decimal(h.versionMajor).ascii(".").decimal(h.versionMinor).crlf();
        fields(h, 0, h.fieldCount, out);
        out.crlf();
    }

    /** The trailer fields (nothing when there are none). */
    static void trailers(RequestHead h, ResponseBuffer out) {
        fields(h, h.fieldCount, h.trailerCount, out);
    }

    private static void fields(RequestHead h, int first, int count, ResponseBuffer out) {
        int[] f = h.fields;
        for (int i = first; i < first + count; i++) {
            int at = i * RequestHead.FIELD_INTS;
            out.bytes(h.bytes, f[at], f[at + 1] - f[at]).ascii(": ")
                    .bytes(h.bytes, f[at + 2], f[at + 3] - f[at + 2]).crlf();
        }
    }
}
