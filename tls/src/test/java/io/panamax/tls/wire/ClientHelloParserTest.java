package io.panamax.tls.wire;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ClientHello parser over first flights the JDK's own client engine writes, and over damaged copies of them. */
class ClientHelloParserTest {

    static byte[] jdkHello(String[] protocols, String sni, String... alpn) throws Exception {
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

    private static ClientHello parse(byte[] stream) {
        ClientHelloParser.Result r = ClientHelloParser.parseStream(stream, 0, stream.length);
        assertEquals(ClientHelloParser.Status.OK, r.status());
        assertNotNull(r.hello());
        return r.hello();
    }

    @Test
    void aTls13ClientHelloWithSniAndAlpn() throws Exception {
        ClientHello h = parse(jdkHello(new String[] {"TLSv1.3", "TLSv1.2"}, "example.test", "h2", "http/1.1"));
        assertEquals(ClientHello.TLS_1_2, h.legacyVersion(), "RFC 8446 §4.1.2: legacy_version 0x0303");
        assertArrayEquals(new int[] {0x0304, 0x0303}, h.supportedVersions());
        assertEquals(ClientHello.TLS_1_3, h.highestVersion());
        assertTrue(h.offers(ClientHello.TLS_1_2));
        assertFalse(h.fallbackScsv());
        assertEquals(List.of("example.test"), h.serverNames());
        assertEquals(List.of("h2", "http/1.1"), h.applicationProtocols());
    }

    @Test
    void aTls12OnlyClientHello() throws Exception {
        ClientHello h = parse(jdkHello(new String[] {"TLSv1.2"}, "example.test"));
        assertEquals(ClientHello.TLS_1_2, h.highestVersion());
        assertFalse(h.offers(ClientHello.TLS_1_3));
        assertEquals(List.of(), h.applicationProtocols());
    }

    @Test
    void theFallbackScsvIsFound() throws Exception {
        byte[] r = jdkHello(new String[] {"TLSv1.2"}, "example.test");
        // Append TLS_FALLBACK_SCSV to the cipher suites, fixing the three enclosing lengths.
        int csAt = 5 + 4 + 2 + 32 + 1 + (r[5 + 4 + 2 + 32] & 0xff);
        int csLen = (r[csAt] & 0xff) << 8 | (r[csAt + 1] & 0xff);
        int end = csAt + 2 + csLen;
        byte[] f = new byte[r.length + 2];
        System.arraycopy(r, 0, f, 0, end);
        f[end] = 0x56;
        System.arraycopy(r, end, f, end + 2, r.length - end);
        int rec = ((r[3] & 0xff) << 8 | (r[4] & 0xff)) + 2;
        f[3] = (byte) (rec >>> 8);
        f[4] = (byte) rec;
        int hs = ((r[6] & 0xff) << 16 | (r[7] & 0xff) << 8 | (r[8] & 0xff)) + 2;
        f[6] = (byte) (hs >>> 16);
        f[7] = (byte) (hs >>> 8);
        f[8] = (byte) hs;
        f[csAt] = (byte) ((csLen + 2) >>> 8);
        f[csAt + 1] = (byte) (csLen + 2);
        assertTrue(parse(f).fallbackScsv());
    }

    @Test
    void aClientHelloSplitOverRecordsIsJoined() throws Exception {
        byte[] r = jdkHello(new String[] {"TLSv1.3"}, "split.test", "h2");
        int msgLen = (r[3] & 0xff) << 8 | (r[4] & 0xff);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int at = 0; at < msgLen; at += 7) {
            int n = Math.min(7, msgLen - at);
            out.write(new byte[] {22, 3, 1, 0, (byte) n}, 0, 5);
            out.write(r, 5 + at, n);
        }
        byte[] split = out.toByteArray();
        assertEquals(List.of("split.test"), parse(split).serverNames());
        for (int cut = 0; cut < split.length; cut += 13) {
            assertEquals(ClientHelloParser.Status.NEED_MORE, ClientHelloParser.parseStream(split, 0, cut).status(), "cut at " + cut);
        }
    }

    @Test
    void otherFirstRecordsAreNotClientHellos() {
        assertEquals(ClientHelloParser.Status.NOT_CLIENT_HELLO,
                ClientHelloParser.parseStream("GET / HTTP/1.1\r\n".getBytes(), 0, 16).status());
        byte[] alert = {21, 3, 3, 0, 2, 2, 40};
        assertEquals(ClientHelloParser.Status.NOT_CLIENT_HELLO, ClientHelloParser.parseStream(alert, 0, 7).status());
        byte[] serverHello = {22, 3, 3, 0, 4, 2, 0, 0, 0};
        assertEquals(ClientHelloParser.Status.NOT_CLIENT_HELLO, ClientHelloParser.parseStream(serverHello, 0, 9).status());
    }

    @Test
    void inconsistentLengthsAreMalformed() throws Exception {
        byte[] r = jdkHello(new String[] {"TLSv1.3"}, "example.test");
        byte[] bad = r.clone();
        bad[5 + 4 + 2 + 32] = 33; // session id longer than 32
        assertEquals(ClientHelloParser.Status.MALFORMED, ClientHelloParser.parseStream(bad, 0, bad.length).status());
        byte[] oddSuites = r.clone();
        int csAt = 5 + 4 + 2 + 32 + 1 + (r[5 + 4 + 2 + 32] & 0xff);
        oddSuites[csAt + 1] |= 1;
        assertEquals(ClientHelloParser.Status.MALFORMED, ClientHelloParser.parseStream(oddSuites, 0, oddSuites.length).status());
    }

    @Test
    void anythingAtAllNeverThrows() throws Exception {
        byte[] good = jdkHello(new String[] {"TLSv1.3", "TLSv1.2"}, "fuzz.test", "h2");
        SplittableRandom rnd = new SplittableRandom(7507);
        int ok = 0;
        for (int i = 0; i < 100_000; i++) {
            byte[] b = good.clone();
            int flips = rnd.nextInt(1, 4);
            for (int k = 0; k < flips; k++) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            int len = rnd.nextInt(b.length + 1);
            ClientHelloParser.Result r = ClientHelloParser.parseStream(b, rnd.nextInt(-1, 3), len);
            ClientHelloParser.parseMessage(b, 5, len);
            if (r.status() == ClientHelloParser.Status.OK) {
                ok++;
            }
        }
        assertTrue(ok > 0, "some mutations still parse");
        byte[] noise = new byte[300];
        for (int i = 0; i < 100_000; i++) {
            rnd.nextBytes(noise);
            noise[0] = 22;
            noise[1] = 3;
            ClientHelloParser.parseStream(noise, 0, rnd.nextInt(301));
        }
        assertEquals(ClientHelloParser.Status.NEED_MORE, ClientHelloParser.parseStream(null, 0, 5).status());
    }
}
