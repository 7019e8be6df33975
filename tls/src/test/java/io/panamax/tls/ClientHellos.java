package io.panamax.tls;

import java.nio.ByteBuffer;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/** First flights made by the JDK's own client engine, for tests that need a real ClientHello. */
final class ClientHellos {
    private ClientHellos() {
    }

    /** The ClientHello record(s) a JDK client sends with {@code protocols} enabled, SNI and ALPN as given. */
    static byte[] jdk(String[] protocols, String sni, String... alpn) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, null, null);
        SSLEngine e = ctx.createSSLEngine(sni, 443);
        e.setUseClientMode(true);
        SSLParameters p = e.getSSLParameters();
        p.setProtocols(protocols);
        if (alpn.length > 0) {
            p.setApplicationProtocols(alpn);
        }
        e.setSSLParameters(p);
        ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
        e.wrap(ByteBuffer.allocate(0), out);
        return Arrays.copyOf(out.array(), out.position());
    }

    /**
     * {@code record} (one record holding a whole ClientHello) with TLS_FALLBACK_SCSV appended to
     * its cipher suites, every enclosing length fixed up: what a client that falls back sends.
     */
    static byte[] withFallbackScsv(byte[] record) {
        int sidAt = 5 + 4 + 2 + 32;
        int sidLen = record[sidAt] & 0xff;
        int csLenAt = sidAt + 1 + sidLen;
        int csLen = (record[csLenAt] & 0xff) << 8 | (record[csLenAt + 1] & 0xff);
        int insertAt = csLenAt + 2 + csLen;
        byte[] out = new byte[record.length + 2];
        System.arraycopy(record, 0, out, 0, insertAt);
        out[insertAt] = 0x56;
        out[insertAt + 1] = 0x00;
        System.arraycopy(record, insertAt, out, insertAt + 2, record.length - insertAt);
        put16(out, 3, get16(record, 3) + 2);
        int hsLen = (record[6] & 0xff) << 16 | (record[7] & 0xff) << 8 | (record[8] & 0xff);
        hsLen += 2;
        out[6] = (byte) (hsLen >>> 16);
        out[7] = (byte) (hsLen >>> 8);
        out[8] = (byte) hsLen;
        put16(out, csLenAt, csLen + 2);
        return out;
    }

    /** The handshake message of a one-record flight, split over records of at most {@code size} bytes. */
    static byte[] fragmented(byte[] record, int size) {
        int msgLen = get16(record, 3);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int at = 0; at < msgLen; at += size) {
            int n = Math.min(size, msgLen - at);
            out.write(record[0]);
            out.write(record[1]);
            out.write(record[2]);
            out.write(n >>> 8);
            out.write(n);
            out.write(record, 5 + at, n);
        }
        return out.toByteArray();
    }

    static int get16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }
}
