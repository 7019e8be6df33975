package io.panamax.tls.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds and parses the ClientHello at the start of a TLS stream: pure functions over bytes that
 * never throw. The server looks at the ClientHello itself because the JDK's {@code SSLEngine}
 * does not implement TLS_FALLBACK_SCSV (RFC 7507), and so that a refused version is counted
 * under its own reason.
 *
 * <p>The ClientHello may be split over several handshake records (RFC 8446 §5.1: handshake
 * messages may be fragmented across records); {@link #parseStream} joins their fragments.
 */
public final class ClientHelloParser {
    /** The handshake message type of a ClientHello (RFC 8446 §4). */
    public static final int CLIENT_HELLO = 1;
    /** Handshake header: msg_type (1) and a 24-bit length. */
    public static final int HANDSHAKE_HEADER = 4;
    /** A ClientHello longer than this is not inspected (the engine's own limit is 32 KiB... 64 KiB). */
    public static final int MAX_CLIENT_HELLO = 1 << 16;

    static final int EXT_SERVER_NAME = 0;
    static final int EXT_ALPN = 16;
    static final int EXT_SUPPORTED_VERSIONS = 43;

    /** How far the parse got. */
    public enum Status {
        /** A whole ClientHello was parsed: {@link Result#hello()} holds it. */
        OK,
        /** The bytes so far are a valid start; more are needed. */
        NEED_MORE,
        /** The stream does not start with a handshake record holding a ClientHello. */
        NOT_CLIENT_HELLO,
        /** A ClientHello whose fields do not add up (lengths past their container, odd lists). */
        MALFORMED,
        /** Longer than {@link #MAX_CLIENT_HELLO}. */
        TOO_LARGE
    }

    /** The outcome: {@code hello} is set only with {@link Status#OK}. */
    public record Result(Status status, ClientHello hello) {
        static final Result NEED_MORE = new Result(Status.NEED_MORE, null);
        static final Result NOT_CLIENT_HELLO = new Result(Status.NOT_CLIENT_HELLO, null);
        static final Result MALFORMED = new Result(Status.MALFORMED, null);
        static final Result TOO_LARGE = new Result(Status.TOO_LARGE, null);
    }

    private ClientHelloParser() {
    }

    /**
     * The ClientHello at the start of a stream of TLS records: {@code length} bytes from
     * {@code offset}. Joins the fragments of consecutive handshake records until the message is
     * whole. Never throws.
     */
    public static Result parseStream(byte[] stream, int offset, int length) {
        if (stream == null || offset < 0 || length < 0 || offset > stream.length) {
            return Result.NEED_MORE;
        }
        int end = (int) Math.min((long) offset + length, stream.length);
        byte[] message = null;
        int have = 0;
        int need = -1;
        int at = offset;
        while (true) {
            if (need >= 0 && have >= need) {
                return parseMessage(message, 0, need);
            }
            TlsRecordHeader.Verdict v = TlsRecordHeader.check(stream, at, end - at);
            if (v.isProblem()) {
                return Result.NOT_CLIENT_HELLO;
            }
            int type = TlsRecordHeader.contentType(stream, at, end - at);
            if (type >= 0 && type != TlsRecordHeader.HANDSHAKE) {
                return Result.NOT_CLIENT_HELLO;
            }
            if (v != TlsRecordHeader.Verdict.COMPLETE) {
                return Result.NEED_MORE;
            }
            int fragment = TlsRecordHeader.fragmentLength(stream, at, end - at);
            int from = at + TlsRecordHeader.LENGTH;
            if (message == null) {
                message = new byte[Math.max(64, fragment)];
            }
            if (have + fragment > message.length) {
                message = Arrays.copyOf(message, Math.max(have + fragment, Math.min(MAX_CLIENT_HELLO + HANDSHAKE_HEADER, message.length * 2)));
            }
            System.arraycopy(stream, from, message, have, fragment);
            have += fragment;
            at = from + fragment;
            if (need < 0 && have >= HANDSHAKE_HEADER) {
                if ((message[0] & 0xff) != CLIENT_HELLO) {
                    return Result.NOT_CLIENT_HELLO;
                }
                int bodyLength = (message[1] & 0xff) << 16 | (message[2] & 0xff) << 8 | (message[3] & 0xff);
                if (bodyLength > MAX_CLIENT_HELLO) {
                    return Result.TOO_LARGE;
                }
                need = HANDSHAKE_HEADER + bodyLength;
            }
        }
    }

    /**
     * A ClientHello handshake message (header included): {@code length} bytes from
     * {@code offset}. Bytes after the message are ignored. Never throws.
     */
    public static Result parseMessage(byte[] message, int offset, int length) {
        if (message == null || offset < 0 || length < 0 || offset > message.length) {
            return Result.NEED_MORE;
        }
        Cursor c = new Cursor(message, offset, (int) Math.min((long) offset + length, message.length));
        if (c.remaining() < HANDSHAKE_HEADER) {
            return Result.NEED_MORE;
        }
        if (c.u8() != CLIENT_HELLO) {
            return Result.NOT_CLIENT_HELLO;
        }
        int bodyLength = c.u24();
        if (bodyLength > MAX_CLIENT_HELLO) {
            return Result.TOO_LARGE;
        }
        if (c.remaining() < bodyLength) {
            return Result.NEED_MORE;
        }
        Cursor body = c.sub(bodyLength);
        ClientHello hello = parseBody(body);
        return hello == null ? Result.MALFORMED : new Result(Status.OK, hello);
    }

    /** The ClientHello body (RFC 8446 §4.1.2); null if malformed. */
    private static ClientHello parseBody(Cursor c) {
        int legacyVersion = c.u16();
        c.skip(32); // random
        int sessionIdLength = c.u8();
        if (sessionIdLength > 32) {
            return null;
        }
        c.skip(sessionIdLength);
        int suitesLength = c.u16();
        if (!c.ok || suitesLength < 2 || (suitesLength & 1) != 0) {
            return null;
        }
        Cursor suites = c.sub(suitesLength);
        boolean fallback = false;
        while (suites.ok && suites.remaining() > 0) {
            if (suites.u16() == ClientHello.TLS_FALLBACK_SCSV) {
                fallback = true;
            }
        }
        int compressionLength = c.u8();
        if (!c.ok || compressionLength < 1) {
            return null;
        }
        c.skip(compressionLength);
        int[] versions = new int[0];
        List<String> names = List.of();
        List<String> protocols = List.of();
        if (c.ok && c.remaining() > 0) {
            // RFC 5246 7.4.1.2: extensions may be absent; when present they fill the rest.
            int extensionsLength = c.u16();
            if (!c.ok || extensionsLength != c.remaining()) {
                return null;
            }
            while (c.ok && c.remaining() > 0) {
                int type = c.u16();
                int len = c.u16();
                Cursor ext = c.sub(len);
                if (!c.ok) {
                    return null;
                }
                switch (type) {
                    case EXT_SUPPORTED_VERSIONS -> versions = supportedVersions(ext);
                    case EXT_SERVER_NAME -> names = serverNames(ext);
                    case EXT_ALPN -> protocols = applicationProtocols(ext);
                    default -> {
                    }
                }
                if (versions == null || names == null || protocols == null) {
                    return null;
                }
            }
        }
        if (!c.ok) {
            return null;
        }
        return new ClientHello(legacyVersion, versions, fallback, names, protocols);
    }

    /** RFC 8446 §4.2.1: {@code ProtocolVersion versions<2..254>}; GREASE (RFC 8701) dropped. */
    private static int[] supportedVersions(Cursor ext) {
        int len = ext.u8();
        if (!ext.ok || len < 2 || (len & 1) != 0 || len != ext.remaining()) {
            return null;
        }
        int[] out = new int[len / 2];
        int n = 0;
        for (int i = 0; i < len / 2; i++) {
            int v = ext.u16();
            if ((v & 0x0f0f) != 0x0a0a) {
                out[n++] = v;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** RFC 6066 §3: {@code ServerName server_name_list<1..2^16-1>}, host_name entries only. */
    private static List<String> serverNames(Cursor ext) {
        int len = ext.u16();
        if (!ext.ok || len != ext.remaining() || len < 1) {
            return null;
        }
        List<String> names = new ArrayList<>(1);
        while (ext.ok && ext.remaining() > 0) {
            int nameType = ext.u8();
            int nameLength = ext.u16();
            Cursor name = ext.sub(nameLength);
            if (!ext.ok) {
                return null;
            }
            if (nameType == 0) {
                names.add(name.ascii());
            }
        }
        return ext.ok ? List.copyOf(names) : null;
    }

    /** RFC 7301 §3.1: {@code ProtocolName protocol_name_list<2..2^16-1>}, each {@code <1..2^8-1>}. */
    private static List<String> applicationProtocols(Cursor ext) {
        int len = ext.u16();
        if (!ext.ok || len != ext.remaining() || len < 2) {
            return null;
        }
        List<String> names = new ArrayList<>(2);
        while (ext.ok && ext.remaining() > 0) {
            int n = ext.u8();
            if (n == 0) {
                return null;
            }
            Cursor name = ext.sub(n);
            if (!ext.ok) {
                return null;
            }
            names.add(name.ascii());
        }
        return ext.ok ? List.copyOf(names) : null;
    }

    /** Reads big-endian fields within [pos, limit); a read past the limit clears {@link #ok}. */
    private static final class Cursor {
        final byte[] b;
        int pos;
        final int limit;
        boolean ok = true;

        Cursor(byte[] b, int pos, int limit) {
            this.b = b;
            this.pos = pos;
            this.limit = limit;
        }

        int remaining() {
            return limit - pos;
        }

        private boolean take(int n) {
            if (!ok || n < 0 || n > limit - pos) {
                ok = false;
                return false;
            }
            return true;
        }

        int u8() {
            if (!take(1)) {
                return 0;
            }
            return b[pos++] & 0xff;
        }

        int u16() {
            if (!take(2)) {
                return 0;
            }
            int v = (b[pos] & 0xff) << 8 | (b[pos + 1] & 0xff);
            pos += 2;
            return v;
        }

        int u24() {
            if (!take(3)) {
                return 0;
            }
            int v = (b[pos] & 0xff) << 16 | (b[pos + 1] & 0xff) << 8 | (b[pos + 2] & 0xff);
            pos += 3;
            return v;
        }

        void skip(int n) {
            if (take(n)) {
                pos += n;
            }
        }

        /** The next {@code n} bytes as a cursor of their own; this one moves past them. */
        Cursor sub(int n) {
            if (!take(n)) {
                Cursor empty = new Cursor(b, pos, pos);
                empty.ok = false;
                return empty;
            }
            Cursor c = new Cursor(b, pos, pos + n);
            pos += n;
            return c;
        }

        String ascii() {
            return new String(b, pos, limit - pos, StandardCharsets.US_ASCII);
        }
    }
}
