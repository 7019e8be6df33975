package io.panamax.http;

import java.nio.charset.StandardCharsets;

/** The status codes the server sends (RFC 9110 §15) and their status-lines, made once. */
final class HttpStatus {
    static final int CONTINUE = 100;
    static final int OK = 200;
    static final int BAD_REQUEST = 400;
    static final int METHOD_NOT_ALLOWED = 405;
    static final int REQUEST_TIMEOUT = 408;
    static final int CONTENT_TOO_LARGE = 413;
    static final int URI_TOO_LONG = 414;
    static final int EXPECTATION_FAILED = 417;
    static final int REQUEST_HEADER_FIELDS_TOO_LARGE = 431;
    static final int NOT_IMPLEMENTED = 501;
    static final int HTTP_VERSION_NOT_SUPPORTED = 505;

    /** Every code the server can send, in the order its counters are registered. */
    static final int[] ALL = {CONTINUE, OK, BAD_REQUEST, METHOD_NOT_ALLOWED, REQUEST_TIMEOUT, CONTENT_TOO_LARGE,
            URI_TOO_LONG, EXPECTATION_FAILED, REQUEST_HEADER_FIELDS_TOO_LARGE, NOT_IMPLEMENTED, HTTP_VERSION_NOT_SUPPORTED};

    private static final byte[][] STATUS_LINES = new byte[600][];

    static {
        for (int code : ALL) {
            // RFC 9110 §6.2: a server sends the highest 1.x it conforms to, whatever 1.x the client sent.
            STATUS_LINES[code] = ("HTTP/1.1 " + code + " " + reason(code) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
    }

    private HttpStatus() {
    }

    /** The reason-phrase of RFC 9110 §15 (informative only: clients go by the code). */
    static String reason(int code) {
        return switch (code) {
            case CONTINUE -> "Continue";
            case OK -> "OK";
            case BAD_REQUEST -> "Bad Request";
            case METHOD_NOT_ALLOWED -> "Method Not Allowed";
            case REQUEST_TIMEOUT -> "Request Timeout";
            case CONTENT_TOO_LARGE -> "Content Too Large";
            case URI_TOO_LONG -> "URI Too Long";
            case EXPECTATION_FAILED -> "Expectation Failed";
            case REQUEST_HEADER_FIELDS_TOO_LARGE -> "Request Header Fields Too Large";
            case NOT_IMPLEMENTED -> "Not Implemented";
            case HTTP_VERSION_NOT_SUPPORTED -> "HTTP Version Not Supported";
            default -> throw new IllegalArgumentException("no status " + code + " in this server");
        };
    }

    /** {@code HTTP/1.1 <code> <reason>\r\n}. */
    static byte[] statusLine(int code) {
        byte[] line = code >= 0 && code < STATUS_LINES.length ? STATUS_LINES[code] : null;
        if (line == null) {
            throw new IllegalArgumentException("no status " + code + " in this server");
        }
        return line;
    }
}
