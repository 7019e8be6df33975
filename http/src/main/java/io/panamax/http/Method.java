package io.panamax.http;

/**
 * The request methods of RFC 9110 §9 (and PATCH, RFC 5789) the server recognises; any other token
 * is {@link #OTHER} (the method's bytes are still in the {@link RequestHead}). Methods are case
 * sensitive (RFC 9110 §9.1): {@code get} is {@code OTHER}.
 */
public enum Method {
    GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH, OTHER;

    private static final Method[] KNOWN = {GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH};
    private static final byte[][] NAMES = new byte[KNOWN.length][];

    static {
        for (int i = 0; i < KNOWN.length; i++) {
            NAMES[i] = KNOWN[i].name().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    /** The method whose name is {@code bytes[from..to)}, compared byte for byte. */
    static Method of(byte[] bytes, int from, int to) {
        int n = to - from;
        outer:
        for (int i = 0; i < KNOWN.length; i++) {
            byte[] name = NAMES[i];
            if (name.length != n) {
                continue;
            }
            for (int j = 0; j < n; j++) {
                if (bytes[from + j] != name[j]) {
                    continue outer;
                }
            }
            return KNOWN[i];
        }
        return OTHER;
    }
}
