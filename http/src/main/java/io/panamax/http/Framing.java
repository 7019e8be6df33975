package io.panamax.http;

/** How the end of a request's content is found (RFC 9112 §6.3). */
public enum Framing {
    /** Neither Content-Length nor Transfer-Encoding: no content (rule 7). */
    NONE,
    /** Content-Length bytes of content (rule 6). */
    CONTENT_LENGTH,
    /** The chunked transfer coding (rule 4, RFC 9112 §7.1). */
    CHUNKED
}
