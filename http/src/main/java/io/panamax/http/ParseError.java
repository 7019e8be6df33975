package io.panamax.http;

/**
 * Why the parser refused a request, with the status the server answers (RFC 9110 §15) before it
 * closes the connection. The lower-case name is the {@code reason} label of the server's error
 * counter.
 */
public enum ParseError {
    /** More empty lines before a request-line than RFC 9112 §2.2's robustness rule calls for. */
    TOO_MANY_EMPTY_LINES(400, "too many empty lines before the request-line"),
    /** A CR not followed by LF (RFC 9112 §2.2). */
    BARE_CR(400, "CR not followed by LF"),
    /** The method is not a token (RFC 9110 §9.1), or the request-line does not split in three at single spaces (RFC 9112 §3). */
    BAD_REQUEST_LINE(400, "malformed request-line"),
    /** A method longer than any the server implements (RFC 9112 §3). */
    METHOD_TOO_LONG(501, "method too long"),
    /** A request-target with a byte outside VCHAR, or in no form of RFC 9112 §3.2. */
    BAD_TARGET(400, "malformed request-target"),
    /** The request-line exceeds the limit (RFC 9112 §3: 414 for a request-target too long to parse). */
    URI_TOO_LONG(414, "request-line too long"),
    /** HTTP-version is not {@code HTTP/DIGIT.DIGIT} (RFC 9112 §2.3). */
    BAD_VERSION(400, "malformed HTTP-version"),
    /** A major version other than 1 (RFC 9110 §15.6.6). */
    VERSION_NOT_SUPPORTED(505, "HTTP version not supported"),
    /** A field line whose name is empty or not a token (RFC 9110 §5.1, RFC 9112 §5). */
    BAD_FIELD_NAME(400, "malformed field name"),
    /** Whitespace between a field name and its colon (RFC 9112 §5.1: MUST reject with 400). */
    WHITESPACE_BEFORE_COLON(400, "whitespace between field name and colon"),
    /** A line folded with obs-fold (RFC 9112 §5.2), or whitespace before the first field line (§2.2). */
    OBS_FOLD(400, "obsolete line folding"),
    /** A field value with a control character, NUL or DEL (RFC 9110 §5.5). */
    BAD_FIELD_VALUE(400, "invalid character in a field value"),
    /** The header section exceeds the byte limit (RFC 6585 §5). */
    HEADER_SECTION_TOO_LARGE(431, "header section too large"),
    /** More header field lines than the limit (RFC 6585 §5). */
    TOO_MANY_HEADER_FIELDS(431, "too many header fields"),
    /** An HTTP/1.1 request without Host (RFC 9112 §3.2: MUST 400). */
    MISSING_HOST(400, "missing Host"),
    /** More than one Host field line (RFC 9112 §3.2: MUST 400). */
    DUPLICATE_HOST(400, "more than one Host"),
    /** A Host value that is no uri-host [ ":" port ] (RFC 9112 §3.2: MUST 400). */
    BAD_HOST(400, "invalid Host"),
    /** Content-Length is not 1*DIGIT (RFC 9110 §8.6, RFC 9112 §6.3). */
    BAD_CONTENT_LENGTH(400, "invalid Content-Length"),
    /** Content-Length field lines with different values (RFC 9112 §6.3 rule 5). */
    CONFLICTING_CONTENT_LENGTH(400, "conflicting Content-Length values"),
    /** Both Transfer-Encoding and Content-Length: a request smuggling vector (RFC 9112 §6.1, §6.3 rule 3, §11.2). */
    CONTENT_LENGTH_WITH_TRANSFER_ENCODING(400, "both Content-Length and Transfer-Encoding"),
    /** Transfer-Encoding whose final coding is not chunked, or chunked twice (RFC 9112 §6.3 rule 4: MUST 400). */
    TRANSFER_ENCODING_NOT_CHUNKED(400, "chunked is not the final transfer coding"),
    /** Transfer-Encoding in an HTTP/1.0 request: framing that cannot be trusted (RFC 9112 §6.1). */
    TRANSFER_ENCODING_IN_HTTP_1_0(400, "Transfer-Encoding in an HTTP/1.0 request"),
    /** A transfer coding other than chunked (RFC 9112 §6.1: SHOULD 501). */
    UNSUPPORTED_TRANSFER_CODING(501, "unsupported transfer coding"),
    /** Content longer than the limit (RFC 9110 §15.5.14). */
    CONTENT_TOO_LARGE(413, "content too large"),
    /** A chunk-size that is not 1*HEXDIG (RFC 9112 §7.1). */
    BAD_CHUNK_SIZE(400, "malformed chunk size"),
    /** A chunk-ext that is not BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] (RFC 9112 §7.1.1). */
    BAD_CHUNK_EXTENSION(400, "malformed chunk extension"),
    /** Chunk extensions beyond the limit (RFC 9112 §7.1.1: a server ought to limit them). */
    CHUNK_EXTENSIONS_TOO_LONG(400, "chunk extensions too long"),
    /** Chunk data not followed by CRLF (RFC 9112 §7.1). */
    BAD_CHUNK_END(400, "chunk data not followed by CRLF"),
    /** The trailer section exceeds the byte or line limit (RFC 6585 §5). */
    TRAILER_SECTION_TOO_LARGE(431, "trailer section too large");

    private final int status;
    private final String description;

    ParseError(int status, String description) {
        this.status = status;
        this.description = description;
    }

    /** The status code of the response that refuses the request. */
    public int status() {
        return status;
    }

    /** A short human-readable explanation (it goes into the error response's body). */
    public String description() {
        return description;
    }
}
