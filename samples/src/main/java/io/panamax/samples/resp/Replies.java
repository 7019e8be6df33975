package io.panamax.samples.resp;

import java.nio.charset.StandardCharsets;

/** RESP2 replies (redis.io/docs/reference/protocol-spec): simple strings, errors, integers, bulk strings. */
final class Replies {
    static final byte[] OK = simple("OK");
    static final byte[] PONG = simple("PONG");
    static final byte[] NIL = ascii("$-1\r\n");
    static final byte[] ZERO = integer(0);
    static final byte[] ONE = integer(1);
    static final byte[] EMPTY_ARRAY = ascii("*0\r\n");
    static final byte[] NOT_AN_INTEGER = error("ERR value is not an integer or out of range");

    private Replies() {
    }

    static byte[] simple(String s) {
        return ascii("+" + s + "\r\n");
    }

    static byte[] error(String s) {
        return ascii("-" + s + "\r\n");
    }

    static byte[] integer(long n) {
        return ascii(":" + n + "\r\n");
    }

    static byte[] bulk(byte[] v) {
        byte[] head = ascii("$" + v.length + "\r\n");
        byte[] out = new byte[head.length + v.length + 2];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(v, 0, out, head.length, v.length);
        out[out.length - 2] = '\r';
        out[out.length - 1] = '\n';
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
