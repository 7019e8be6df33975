package io.panamax.ip;

import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IcmpErrorTest {
    private final PacketPool pool = PacketPool.unowned(SlabBufferPool.unowned(8, 2048, 128));
    private final IcmpError error = new IcmpError();

    private Packet packet(String hex) {
        byte[] b = HexFormat.of().parseHex(hex.replace(" ", ""));
        Packet p = pool.allocateWithHeadroom();
        p.appendBytes(b, 0, b.length);
        return p;
    }

    // A TCP SYN 10.7.0.2:40000 -> 10.7.0.1:80, seq 0x01020304, as quoted by a router: IPv4 header
    // (DF, protocol 6) and the first 8 bytes of TCP.
    private static final String IPV4_TCP_QUOTE = "45000034 1234 4000 4006 0000 0a070002 0a070001" + "9c40 0050 01020304";

    @Test
    void anIpv4QuoteGivesTheFourTupleAndTheSequenceNumber() {
        Packet q = packet(IPV4_TCP_QUOTE);
        error.fromIpv4(3, 4, 1400, 0x0a070001, q);
        q.release();
        assertFalse(error.ipv6);
        assertEquals(3, error.type);
        assertEquals(4, error.code);
        assertEquals(1400, error.mtu);
        assertEquals(IpProtocol.TCP, error.protocol);
        assertEquals(0x0a070002, error.srcIp);
        assertEquals(0x0a070001, error.dstIp);
        assertTrue(error.hasTransportHeader);
        assertEquals(40000, error.srcPort);
        assertEquals(80, error.dstPort);
        assertEquals(0x01020304, error.transportWord);
        assertEquals(8, pool.buffers().available());
    }

    @Test
    void aShortQuoteOrALaterFragmentHasNoTransportHeader() {
        Packet q = packet(IPV4_TCP_QUOTE.substring(0, IPV4_TCP_QUOTE.length() - 8));   // 4 TCP bytes only
        assertFalse(error.fromIpv4(3, 1, 0, 1, q).hasTransportHeader);
        assertEquals(0x0a070001, error.dstIp, "the addresses are still there");
        q.release();
        q = packet(IPV4_TCP_QUOTE.replace(" 4000 4006", " 2001 4006"));   // fragment offset 8 bytes
        assertFalse(error.fromIpv4(3, 1, 0, 1, q).hasTransportHeader);
        q.release();
        q = packet("4500");
        assertFalse(error.fromIpv4(11, 0, 0, 1, q).hasTransportHeader);
        assertEquals(0, error.protocol);
        q.release();
        assertEquals(8, pool.buffers().available());
    }

    private static final String V6_SRC = "fd000007000000000000000000000002";
    private static final String V6_DST = "fd000007000000000000000000000001";

    @Test
    void anIpv6QuoteIsReadBehindAFirstFragmentHeaderToo() {
        Packet q = packet("60000000 0014 06 40" + V6_SRC + V6_DST + "9c40 0007 a1b2c3d4");
        error.fromIpv6(2, 0, 1280, q);
        q.release();
        assertTrue(error.ipv6);
        assertEquals(0xfd00000700000000L, error.srcHigh);
        assertEquals(2, error.srcLow);
        assertEquals(1, error.dstLow);
        assertTrue(error.hasTransportHeader);
        assertEquals(7, error.dstPort);
        assertEquals(0xa1b2c3d4, error.transportWord);
        // RFC 8200 4.5 fragment header: next header 6, offset 0 with M set.
        q = packet("60000000 001c 2c 40" + V6_SRC + V6_DST + "06000001 00000042" + "9c40 0007 a1b2c3d5");
        error.fromIpv6(1, 4, 0, q);
        q.release();
        assertEquals(IpProtocol.TCP, error.protocol);
        assertTrue(error.hasTransportHeader);
        assertEquals(0xa1b2c3d5, error.transportWord);
        // A later fragment (offset 1448) quotes no TCP header.
        q = packet("60000000 001c 2c 40" + V6_SRC + V6_DST + "060005a8 00000042" + "9c40 0007 a1b2c3d5");
        assertFalse(error.fromIpv6(1, 4, 0, q).hasTransportHeader);
        q.release();
        assertEquals(8, pool.buffers().available());
    }
}
