package io.panamax.http;

/**
 * How much of a request the server agrees to read, and so what the parser refuses with a 4xx
 * status: a request-line longer than {@code maxRequestLineBytes} (414, RFC 9112 §3), a header (or
 * trailer) section over {@code maxFieldSectionBytes} or {@code maxFieldLines} lines (431, RFC 6585
 * §5), content over {@code maxContentBytes} (413, RFC 9110 §15.5.14), chunk extensions over
 * {@code maxChunkExtensionBytes} in one message (400, RFC 9112 §7.1.1).
 *
 * @param maxRequestLineBytes    bytes of the request-line, its CRLF excluded
 * @param maxFieldSectionBytes   bytes of the header section (and, separately, of the trailer section), line ends included
 * @param maxFieldLines          field lines in the header section (and, separately, in the trailer section)
 * @param maxContentBytes        bytes of content (after chunked decoding)
 * @param maxChunkExtensionBytes bytes of chunk extensions over all the chunks of one message
 */
public record RequestLimits(int maxRequestLineBytes, int maxFieldSectionBytes, int maxFieldLines,
                            long maxContentBytes, int maxChunkExtensionBytes) {
    /** Large enough that a chunk size accumulated digit by digit never overflows a long. */
    static final long MAX_CONTENT_LIMIT = Long.MAX_VALUE >> 8;

    public RequestLimits {
        if (maxRequestLineBytes < 16 || maxFieldSectionBytes < 16 || maxFieldLines < 1 || maxContentBytes < 0
                || maxContentBytes > MAX_CONTENT_LIMIT || maxChunkExtensionBytes < 0) {
            throw new IllegalArgumentException("bad request limits: " + maxRequestLineBytes + ", " + maxFieldSectionBytes
                    + ", " + maxFieldLines + ", " + maxContentBytes + ", " + maxChunkExtensionBytes);
        }
    }

    /** 8 KiB request-line, 16 KiB and 100 lines of fields, 1 MiB of content, 4 KiB of chunk extensions. */
    public static RequestLimits defaults() {
        return new RequestLimits(8192, 16384, 100, 1 << 20, 4096);
    }

    public RequestLimits withMaxRequestLineBytes(int n) {
        return new RequestLimits(n, maxFieldSectionBytes, maxFieldLines, maxContentBytes, maxChunkExtensionBytes);
    }

    public RequestLimits withMaxFieldSectionBytes(int n) {
        return new RequestLimits(maxRequestLineBytes, n, maxFieldLines, maxContentBytes, maxChunkExtensionBytes);
    }

    public RequestLimits withMaxFieldLines(int n) {
        return new RequestLimits(maxRequestLineBytes, maxFieldSectionBytes, n, maxContentBytes, maxChunkExtensionBytes);
    }

    public RequestLimits withMaxContentBytes(long n) {
        return new RequestLimits(maxRequestLineBytes, maxFieldSectionBytes, maxFieldLines, n, maxChunkExtensionBytes);
    }

    public RequestLimits withMaxChunkExtensionBytes(int n) {
        return new RequestLimits(maxRequestLineBytes, maxFieldSectionBytes, maxFieldLines, maxContentBytes, n);
    }
}
