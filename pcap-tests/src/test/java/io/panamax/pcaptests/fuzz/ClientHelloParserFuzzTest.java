package io.panamax.pcaptests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.panamax.tls.wire.ClientHello;
import io.panamax.tls.wire.ClientHelloParser;
import io.panamax.tls.wire.ClientHelloParser.Result;
import io.panamax.tls.wire.ClientHelloParser.Status;
import io.panamax.tls.wire.TlsRecordHeader;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ClientHelloParser} on any bytes, read both as a stream of TLS records and as a bare
 * handshake message, never throws and returns a status, with a ClientHello exactly when it is OK;
 * an accepted ClientHello has its values within the sizes their encodings allow (no GREASE
 * version left); and it is the same ClientHello however the message is split into handshake
 * records (RFC 8446 §5.1), while every shorter prefix of those records needs more.
 *
 * <p>Input: {@link FuzzBytes} with 1 extra byte, the fragment size the message is split into
 * again (0: 2^14, one record as far as it goes); the claimed length is the window the parser is
 * given; the flag is not used.
 */
class ClientHelloParserFuzzTest {

    @FuzzTest
    void parsesWithinBoundsAndTheSameHelloHoweverFragmented(byte[] input) {
        FuzzBytes in = FuzzBytes.of(input, 1);
        byte[] data = in.data();
        byte[] array = in.array();
        int fragmentSize = in.extra()[0] == 0 ? TlsRecordHeader.MAX_PLAINTEXT : in.extra()[0] & 0xff;

        Result stream = checked(ClientHelloParser.parseStream(array, in.offset(), in.claimed()));
        if (stream.status() == Status.OK) {
            byte[] message = handshakeMessage(array, in.offset(), Math.min(in.claimed(), data.length));
            Result alone = checked(ClientHelloParser.parseMessage(message, 0, message.length));
            assertEquals(Status.OK, alone.status(), "the joined fragments parse as a message");
            assertSameHello(stream.hello(), alone.hello());
            refragmented(message, fragmentSize, stream.hello());
        }
        Result message = checked(ClientHelloParser.parseMessage(array, in.offset(), in.claimed()));
        if (message.status() == Status.OK) {
            int length = ClientHelloParser.HANDSHAKE_HEADER + u24(array, in.offset() + 1);
            byte[] exact = Arrays.copyOfRange(array, in.offset(), in.offset() + length);
            assertSameHello(message.hello(), checked(ClientHelloParser.parseMessage(exact, 0, length)).hello());
            assertEquals(Status.NEED_MORE, ClientHelloParser.parseMessage(exact, 0, length - 1).status(), "a message cut short needs more");
            refragmented(exact, fragmentSize, message.hello());
        }
    }

    /** {@code message} split into handshake records of {@code size} bytes parses as {@code expected}; its prefixes need more. */
    private static void refragmented(byte[] message, int size, ClientHello expected) {
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        for (int at = 0; at < message.length; at += size) {
            int n = Math.min(size, message.length - at);
            records.write(TlsRecordHeader.HANDSHAKE);
            records.write(3);
            records.write(1);
            records.write(n >> 8);
            records.write(n);
            records.write(message, at, n);
        }
        byte[] stream = records.toByteArray();
        Result r = checked(ClientHelloParser.parseStream(stream, 0, stream.length));
        assertEquals(Status.OK, r.status(), "the message in records of " + size);
        assertSameHello(expected, r.hello());
        for (int n : new int[] {0, TlsRecordHeader.LENGTH, TlsRecordHeader.LENGTH + 1, stream.length / 2, stream.length - 1}) {
            assertEquals(Status.NEED_MORE, ClientHelloParser.parseStream(stream, 0, n).status(), n + " bytes of " + stream.length);
        }
    }

    /** The handshake message the stream's records carry, joined from their fragments (the parser's OK says they do). */
    private static byte[] handshakeMessage(byte[] array, int offset, int available) {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        int at = offset;
        while (joined.size() < ClientHelloParser.HANDSHAKE_HEADER
                || joined.size() < ClientHelloParser.HANDSHAKE_HEADER + u24(joined.toByteArray(), 1)) {
            int n = TlsRecordHeader.fragmentLength(array, at, offset + available - at);
            joined.write(array, at + TlsRecordHeader.LENGTH, n);
            at += TlsRecordHeader.LENGTH + n;
        }
        byte[] all = joined.toByteArray();
        return Arrays.copyOf(all, ClientHelloParser.HANDSHAKE_HEADER + u24(all, 1));
    }

    /** A result as the parser promises: a status, and a ClientHello within bounds exactly when OK. */
    private static Result checked(Result r) {
        assertNotNull(r);
        assertNotNull(r.status());
        assertEquals(r.status() == Status.OK, r.hello() != null, "a ClientHello exactly when OK");
        ClientHello h = r.hello();
        if (h != null) {
            assertTrue(h.legacyVersion() >= 0 && h.legacyVersion() <= 0xffff);
            assertTrue(h.supportedVersions().length <= 127, "versions<2..254>");
            for (int v : h.supportedVersions()) {
                assertTrue(v >= 0 && v <= 0xffff && (v & 0x0f0f) != 0x0a0a, "a version, not GREASE: " + v);
            }
            h.serverNames().forEach(name -> assertTrue(name.length() <= 0xffff));
            h.applicationProtocols().forEach(name -> assertTrue(!name.isEmpty() && name.length() <= 0xff, "ALPN name " + name));
            h.offers(h.highestVersion());
        }
        return r;
    }

    private static void assertSameHello(ClientHello expected, ClientHello actual) {
        assertEquals(expected.legacyVersion(), actual.legacyVersion());
        assertArrayEquals(expected.supportedVersions(), actual.supportedVersions());
        assertEquals(expected.fallbackScsv(), actual.fallbackScsv());
        assertEquals(expected.serverNames(), actual.serverNames());
        assertEquals(expected.applicationProtocols(), actual.applicationProtocols());
    }

    private static int u24(byte[] b, int at) {
        return (b[at] & 0xff) << 16 | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff);
    }
}
