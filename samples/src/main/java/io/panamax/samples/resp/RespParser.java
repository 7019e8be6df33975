package io.panamax.samples.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits the bytes a client sends into RESP2 commands (the Redis serialization protocol,
 * redis.io/docs/reference/protocol-spec): a command is an array of bulk strings,
 * {@code *2\r\n$3\r\nGET\r\n$1\r\nk\r\n}, or an inline command, one line of words separated by
 * spaces ({@code PING\r\n}, what telnet, nc and {@code redis-benchmark}'s PING_INLINE send).
 *
 * <p>Bytes are appended as they arrive; {@link #next()} returns each complete command and keeps
 * an incomplete one for later, so a command split over segments, and many pipelined in one, both
 * work. Limits (the largest bulk string, the most arguments) turn a hostile or broken client into
 * a {@link ProtocolException}, which the server answers with an error and a close, never a crash.
 */
final class RespParser {
    /** Redis's own default limit for a bulk string (proto-max-bulk-len is 512 MB); a sample keeps it small. */
    static final int MAX_BULK = 1 << 20;
    static final int MAX_ARGS = 1024;
    /** An inline command, or a header line ({@code *N}, {@code $N}), longer than this is refused. */
    static final int MAX_LINE = 64 << 10;

    private byte[] buf = new byte[4096];
    private int start;
    private int end;

    /** A client broke the protocol; the message is what the reply says after {@code -ERR Protocol error: }. */
    static final class ProtocolException extends Exception {
        ProtocolException(String message) {
            super(message, null, false, false);
        }
    }

    /** Appends {@code len} bytes received; {@link #next()} then finds the commands in them. */
    byte[] room(int len) {
        if (start > 0 && end + len > buf.length) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end + len > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, end + len));
        }
        return buf;
    }

    /** Where {@link #room} wants the next bytes written. */
    int writeOffset() {
        return end;
    }

    void written(int len) {
        end += len;
    }

    /** Bytes received and not yet parsed into commands. */
    int buffered() {
        return end - start;
    }

    /** The next complete command (its arguments), or null until more bytes arrive. */
    List<byte[]> next() throws ProtocolException {
        if (start == end) {
            return null;
        }
        return buf[start] == '*' ? multiBulk() : inline();
    }

    private List<byte[]> multiBulk() throws ProtocolException {
        int p = start;
        int eol = lineEnd(p);
        if (eol < 0) {
            return null;
        }
        long n = number(p + 1, eol, "multibulk length");
        if (n > MAX_ARGS) {
            throw new ProtocolException("invalid multibulk length");
        }
        p = eol + 2;
        List<byte[]> args = new ArrayList<>((int) Math.max(n, 0));
        for (long i = 0; i < n; i++) {
            if (p >= end) {
                return null;
            }
            if (buf[p] != '$') {
                throw new ProtocolException("expected '$', got '" + (char) buf[p] + "'");
            }
            eol = lineEnd(p);
            if (eol < 0) {
                return null;
            }
            long len = number(p + 1, eol, "bulk length");
            if (len < 0 || len > MAX_BULK) {
                throw new ProtocolException("invalid bulk length");
            }
            p = eol + 2;
            if (end - p < len + 2) {
                return null;
            }
            if (buf[p + (int) len] != '\r' || buf[p + (int) len + 1] != '\n') {
                throw new ProtocolException("bulk string not followed by CRLF");
            }
            args.add(Arrays.copyOfRange(buf, p, p + (int) len));
            p += (int) len + 2;
        }
        start = p;
        return args;
    }

    private List<byte[]> inline() throws ProtocolException {
        int nl = -1;
        for (int i = start; i < end; i++) {
            if (buf[i] == '\n') {
                nl = i;
                break;
            }
        }
        if (nl < 0) {
            if (end - start > MAX_LINE) {
                throw new ProtocolException("too big inline request");
            }
            return null;
        }
        int stop = nl > start && buf[nl - 1] == '\r' ? nl - 1 : nl;
        List<byte[]> args = new ArrayList<>();
        for (String word : new String(buf, start, stop - start, StandardCharsets.ISO_8859_1).trim().split(" +")) {
            if (!word.isEmpty()) {
                args.add(word.getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        start = nl + 1;
        return args; // an empty line is an empty command: the server skips it, as Redis does
    }

    /** The index of the CR of the CRLF ending the line that starts at {@code from}, or -1 if not here yet. */
    private int lineEnd(int from) throws ProtocolException {
        int limit = Math.min(end, from + MAX_LINE);
        for (int i = from; i + 1 < limit; i++) {
            if (buf[i] == '\r' && buf[i + 1] == '\n') {
                return i;
            }
        }
        if (end - from >= MAX_LINE) {
            throw new ProtocolException("too big header line");
        }
        return -1;
    }

    private long number(int from, int to, String what) throws ProtocolException {
        if (from == to || to - from > 18) {
            throw new ProtocolException("invalid " + what);
        }
        boolean negative = buf[from] == '-';
        long v = 0;
        for (int i = negative ? from + 1 : from; i < to; i++) {
            int d = buf[i] - '0';
            if (d < 0 || d > 9) {
                throw new ProtocolException("invalid " + what);
            }
            v = v * 10 + d;
        }
        return negative ? -v : v;
    }
}
