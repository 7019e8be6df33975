package io.panamax.rss;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks every implementation against the external vectors in {@code shared/rss/toeplitz-vectors.tsv}.
 * Address bytes come from {@link InetAddress} (literals only, no name lookup), independently of
 * the module's own parser.
 */
class ToeplitzVectorsTest {
    private static final ToeplitzVectors VECTORS = ToeplitzVectors.load();

    static List<ToeplitzVectors.Row> rows() {
        return VECTORS.rows();
    }

    @Test
    void fileHasBothAddressFamilies() {
        assertTrue(VECTORS.rows().stream().anyMatch(r -> r.ipVersion() == 4), "IPv4 rows in " + VECTORS.file());
        assertTrue(VECTORS.rows().stream().anyMatch(r -> r.ipVersion() == 6), "IPv6 rows in " + VECTORS.file());
    }

    @Test
    void microsoftKeyIsTheVectorsKey() {
        for (ToeplitzVectors.Row row : VECTORS.rows()) {
            assertArrayEquals(row.key(), RssKey.microsoft(), row.toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void bitwiseReference(ToeplitzVectors.Row row) {
        assertEquals(row.hashIpOnly(), BitwiseToeplitz.hash(row.key(), ipOnlyInput(row)), "2-tuple, " + row);
        assertEquals(row.hashIpTcp(), BitwiseToeplitz.hash(row.key(), ipTcpInput(row)), "4-tuple, " + row);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void tableOverBytes(ToeplitzVectors.Row row) {
        Toeplitz t = Toeplitz.of(row.key());
        assertEquals(row.hashIpOnly(), t.hash(ipOnlyInput(row)), "2-tuple, " + row);
        assertEquals(row.hashIpTcp(), t.hash(ipTcpInput(row)), "4-tuple, " + row);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void tableOverPacketMemory(ToeplitzVectors.Row row) {
        Toeplitz t = Toeplitz.of(row.key());
        byte[] input = ipTcpInput(row);
        try (Arena arena = Arena.ofConfined()) {
            // Behind 14 bytes of something else, as the addresses sit inside a frame.
            MemorySegment frame = arena.allocate(14 + input.length);
            MemorySegment.copy(MemorySegment.ofArray(input), 0, frame, 14, input.length);
            int addressBytes = input.length - 4;
            assertEquals(row.hashIpOnly(), t.hash(frame, 14, addressBytes), "2-tuple, " + row);
            assertEquals(row.hashIpTcp(), t.hash(frame, 14, input.length), "4-tuple, " + row);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void fastPaths(ToeplitzVectors.Row row) {
        Toeplitz t = Toeplitz.of(row.key());
        ByteBuffer src = ByteBuffer.wrap(address(row.srcIp()));
        ByteBuffer dst = ByteBuffer.wrap(address(row.dstIp()));
        if (row.ipVersion() == 4) {
            int s = src.getInt();
            int d = dst.getInt();
            assertEquals(row.hashIpOnly(), t.hashIpv4(s, d), "2-tuple, " + row);
            assertEquals(row.hashIpTcp(), t.hashIpv4Tcp(s, d, row.srcPort(), row.dstPort()), "4-tuple, " + row);
            assertEquals(row.hashIpTcp(), t.hashIpv4Tcp(s, d, row.srcPort(), 0) ^ t.ipv4TcpDestinationPortTerm(row.dstPort()),
                    "4-tuple by linearity, " + row);
        } else {
            long sh = src.getLong();
            long sl = src.getLong();
            long dh = dst.getLong();
            long dl = dst.getLong();
            assertEquals(row.hashIpOnly(), t.hashIpv6(sh, sl, dh, dl), "2-tuple, " + row);
            assertEquals(row.hashIpTcp(), t.hashIpv6Tcp(sh, sl, dh, dl, row.srcPort(), row.dstPort()), "4-tuple, " + row);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void addressParserAgreesWithTheJdk(ToeplitzVectors.Row row) {
        for (String text : List.of(row.srcIp(), row.dstIp())) {
            byte[] parsed = row.ipVersion() == 4
                    ? ByteBuffer.allocate(4).putInt(AddressText.parseIpv4(text)).array()
                    : AddressText.parseIpv6(text);
            assertArrayEquals(address(text), parsed, text);
        }
    }

    static byte[] ipOnlyInput(ToeplitzVectors.Row row) {
        byte[] src = address(row.srcIp());
        byte[] dst = address(row.dstIp());
        return ByteBuffer.allocate(src.length + dst.length).put(src).put(dst).array();
    }

    static byte[] ipTcpInput(ToeplitzVectors.Row row) {
        byte[] ips = ipOnlyInput(row);
        return ByteBuffer.allocate(ips.length + 4).put(ips)
                .putShort((short) row.srcPort()).putShort((short) row.dstPort()).array();
    }

    /** The address bytes in network order; the vectors hold literals, so no name is looked up. */
    static byte[] address(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("not an address literal: " + literal, e);
        }
    }
}
