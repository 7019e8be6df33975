package io.panamax.ip.wire;

import io.panamax.ip.IpProtocol;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IcmpMessageTest {
    /** An echo request as Linux ping sends it: id 0x1234, seq 1, 56 data bytes 0x10..0x47 (after 8 of timestamp). */
    private static MemorySegment echoRequest() {
        MemorySegment m = MemorySegment.ofArray(new byte[64]);
        IcmpMessage.writeEcho(m, 0, IcmpMessage.TYPE_ECHO_REQUEST, 0x1234, 1);
        for (int i = 8; i < 64; i++) {
            m.set(ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        IcmpMessage.fillChecksum(m, 0, 64);
        return m;
    }

    /** An error message of {@code type}/{@code code} quoting a UDP datagram's header and 8 bytes. */
    private static MemorySegment error(int type, int code, int rest) {
        MemorySegment m = MemorySegment.ofArray(new byte[8 + 20 + 8]);
        IcmpMessage.writeHeader(m, 0, type, code, rest);
        Ipv4Header.write(m, 8, 0, 20 + 8 + 100, 42, 0, 1, IpProtocol.UDP, 0x0a070002, 0x08080808);
        UdpHeader.write(m, 28, 33434, 53, 108);
        IcmpMessage.fillChecksum(m, 0, (int) m.byteSize());
        return m;
    }

    @Test
    void readsAndWritesEcho() {
        MemorySegment m = echoRequest();
        assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(m, 0, 64));
        assertEquals(IcmpMessage.TYPE_ECHO_REQUEST, IcmpMessage.type(m, 0));
        assertEquals(0, IcmpMessage.code(m, 0));
        assertEquals(0x1234, IcmpMessage.identifier(m, 0));
        assertEquals(1, IcmpMessage.sequence(m, 0));
        assertEquals(0x12340001, IcmpMessage.restOfHeader(m, 0));
        assertTrue(IcmpMessage.checksumValid(m, 0, 64));
        assertFalse(IcmpMessage.isError(IcmpMessage.TYPE_ECHO_REQUEST));
        IcmpMessage.setIdentifier(m, 0, 7);
        IcmpMessage.setSequence(m, 0, 0xffff);
        assertEquals(7, IcmpMessage.identifier(m, 0));
        assertEquals(0xffff, IcmpMessage.sequence(m, 0));
        assertEquals(IcmpMessage.Problem.BAD_CHECKSUM, IcmpMessage.validate(m, 0, 64));
        IcmpMessage.fillChecksum(m, 0, 64);
        assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(m, 0, 64));
    }

    @Test
    void turnsAnEchoRequestIntoItsReplyWithAnIncrementalChecksum() {
        MemorySegment m = echoRequest();
        IcmpMessage.turnEchoRequestIntoReply(m, 0);
        assertEquals(IcmpMessage.TYPE_ECHO_REPLY, IcmpMessage.type(m, 0));
        assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(m, 0, 64));
        int patched = IcmpMessage.checksum(m, 0);
        IcmpMessage.fillChecksum(m, 0, 64);
        assertEquals(IcmpMessage.checksum(m, 0), patched, "RFC 1624 update equals recomputation");
        assertEquals(0x1234, IcmpMessage.identifier(m, 0));
    }

    @Test
    void readsDestinationUnreachableWithNextHopMtu() {
        MemorySegment m = MemorySegment.ofArray(new byte[36]);
        IcmpMessage.writeDestinationUnreachable(m, 0, IcmpMessage.CODE_FRAGMENTATION_NEEDED, 1400);
        Ipv4Header.write(m, 8, 0, 1500, 9, Ipv4Header.FLAG_DONT_FRAGMENT, 64, IpProtocol.TCP, 0x0a070002, 0x0a070001);
        IcmpMessage.fillChecksum(m, 0, 36);
        assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(m, 0, 36));
        assertTrue(IcmpMessage.isError(IcmpMessage.type(m, 0)));
        assertEquals(IcmpMessage.CODE_FRAGMENTATION_NEEDED, IcmpMessage.code(m, 0));
        assertEquals(1400, IcmpMessage.nextHopMtu(m, 0));
        assertEquals("0304", HexFormat.of().formatHex(m.asSlice(0, 2).toArray(ValueLayout.JAVA_BYTE)));
        assertEquals("0000" + "0578", HexFormat.of().formatHex(m.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE)));
        // The quote is an IPv4 header the layer reads in place.
        assertEquals(IpProtocol.TCP, Ipv4Header.protocol(m, IcmpMessage.OFFSET_DATA));
        assertEquals(0x0a070001, Ipv4Header.destination(m, IcmpMessage.OFFSET_DATA));
        assertEquals(8, IcmpMessage.quotedDataLength(m, 0, 36));
        IcmpMessage.setNextHopMtu(m, 0, 576);
        assertEquals(576, IcmpMessage.nextHopMtu(m, 0));
    }

    @Test
    void readsTimeExceededParameterProblemAndRedirect() {
        MemorySegment te = error(IcmpMessage.TYPE_TIME_EXCEEDED, IcmpMessage.CODE_TTL_EXCEEDED_IN_TRANSIT, 0);
        assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(te, 0, 36));
        assertEquals(33434, UdpHeader.sourcePort(te, 28));

        MemorySegment pp = MemorySegment.ofArray(new byte[36]);
        IcmpMessage.writeParameterProblem(pp, 0, IcmpMessage.CODE_POINTER_INDICATES_ERROR, 22);
        Ipv4Header.write(pp, 8, 0, 28, 1, 0, 64, IpProtocol.UDP, 1, 2);
        IcmpMessage.fillChecksum(pp, 0, 36);
        assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(pp, 0, 36));
        assertEquals(22, IcmpMessage.pointer(pp, 0));

        MemorySegment rd = error(IcmpMessage.TYPE_REDIRECT, IcmpMessage.CODE_REDIRECT_HOST, 0x0a070001);
        assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(rd, 0, 36));
        assertEquals(0x0a070001, IcmpMessage.gateway(rd, 0));

        MemorySegment tx = MemorySegment.ofArray(new byte[36]);
        IcmpMessage.writeTimeExceeded(tx, 0, IcmpMessage.CODE_FRAGMENT_REASSEMBLY_TIME_EXCEEDED);
        assertEquals(IcmpMessage.TYPE_TIME_EXCEEDED, IcmpMessage.type(tx, 0));
        assertEquals(1, IcmpMessage.code(tx, 0));
        assertEquals(0, IcmpMessage.restOfHeader(tx, 0));
    }

    @Test
    void reportsEachProblem() {
        MemorySegment echo = echoRequest();
        assertEquals(IcmpMessage.Problem.TRUNCATED, IcmpMessage.validate(echo, 0, 7));
        assertEquals(IcmpMessage.Problem.TRUNCATED, IcmpMessage.validate(echo.asSlice(0, 40), 0, 64), "bytes missing for the checksum");
        assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(echo.asSlice(0, 40), 0, 64, false));
        echo.set(ValueLayout.JAVA_BYTE, 63, (byte) 0);
        assertEquals(IcmpMessage.Problem.BAD_CHECKSUM, IcmpMessage.validate(echo, 0, 64));

        MemorySegment ts = MemorySegment.ofArray(new byte[20]);
        IcmpMessage.writeHeader(ts, 0, IcmpMessage.TYPE_TIMESTAMP_REQUEST, 0, 0);
        IcmpMessage.fillChecksum(ts, 0, 16);
        assertEquals(IcmpMessage.Problem.TRUNCATED, IcmpMessage.validate(ts, 0, 16));
        IcmpMessage.fillChecksum(ts, 0, 20);
        assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(ts, 0, 20));

        int[][] badCodes = {{IcmpMessage.TYPE_DESTINATION_UNREACHABLE, 16}, {IcmpMessage.TYPE_TIME_EXCEEDED, 2},
            {IcmpMessage.TYPE_PARAMETER_PROBLEM, 3}, {IcmpMessage.TYPE_REDIRECT, 4}, {IcmpMessage.TYPE_SOURCE_QUENCH, 1}};
        for (int[] tc : badCodes) {
            assertEquals(IcmpMessage.Problem.BAD_CODE, IcmpMessage.validate(error(tc[0], tc[1], 0), 0, 36), tc[0] + "/" + tc[1]);
            assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(error(tc[0], tc[1] - 1, 0), 0, 36), tc[0] + "/" + (tc[1] - 1));
        }

        // The quote must hold a whole IPv4 header: 20 bytes, and IHL × 4 of them.
        MemorySegment shortQuote = error(IcmpMessage.TYPE_DESTINATION_UNREACHABLE, IcmpMessage.CODE_PORT_UNREACHABLE, 0);
        IcmpMessage.fillChecksum(shortQuote, 0, 27);
        assertEquals(IcmpMessage.Problem.TRUNCATED_QUOTED_HEADER, IcmpMessage.validate(shortQuote, 0, 27));
        MemorySegment ihl6 = error(IcmpMessage.TYPE_DESTINATION_UNREACHABLE, IcmpMessage.CODE_PORT_UNREACHABLE, 0);
        Ipv4Header.setVersionAndHeaderLength(ihl6, 8, 24);
        IcmpMessage.fillChecksum(ihl6, 0, 30);
        assertEquals(IcmpMessage.Problem.TRUNCATED_QUOTED_HEADER, IcmpMessage.validate(ihl6, 0, 30));
        IcmpMessage.fillChecksum(ihl6, 0, 36);
        assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(ihl6, 0, 36));
        assertEquals(4, IcmpMessage.quotedDataLength(ihl6, 0, 36), "fewer than 8 transport bytes: the transport's call");
        MemorySegment v6 = error(IcmpMessage.TYPE_TIME_EXCEEDED, 0, 0);
        v6.set(ValueLayout.JAVA_BYTE, 8, (byte) 0x60);
        IcmpMessage.fillChecksum(v6, 0, 36);
        assertEquals(IcmpMessage.Problem.BAD_QUOTED_HEADER, IcmpMessage.validate(v6, 0, 36));
        v6.set(ValueLayout.JAVA_BYTE, 8, (byte) 0x43);
        IcmpMessage.fillChecksum(v6, 0, 36);
        assertEquals(IcmpMessage.Problem.BAD_QUOTED_HEADER, IcmpMessage.validate(v6, 0, 36));

        // Unknown types are well formed as far as this codec can tell; the layer drops them.
        MemorySegment unknown = MemorySegment.ofArray(new byte[8]);
        IcmpMessage.writeHeader(unknown, 0, 42, 9, 0);
        IcmpMessage.fillChecksum(unknown, 0, 8);
        assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(unknown, 0, 8));
    }

    @Test
    void quoteLengthFollowsRfc1812() {
        assertEquals(28, IcmpMessage.quoteLength(28));
        assertEquals(548, IcmpMessage.quoteLength(1500), "576 - 20 - 8");
        assertEquals(548, IcmpMessage.quoteLength(548));
    }

    @Test
    void verifiesAChecksumAcrossPacketFragments() {
        PacketPool pool = PacketPool.unowned(SlabBufferPool.unowned(16, 256, 0));
        Random rnd = new Random(792);
        byte[] msg = new byte[3508]; // a reassembled 3.5 KB ping, as in cs-ip_frag_source
        rnd.nextBytes(msg);
        MemorySegment flat = MemorySegment.ofArray(msg);
        IcmpMessage.writeEcho(flat, 0, IcmpMessage.TYPE_ECHO_REQUEST, 1, 2);
        IcmpMessage.fillChecksum(flat, 0, msg.length);
        PacketPool big = PacketPool.unowned(SlabBufferPool.unowned(64, 128, 0));
        Packet p = big.allocate();
        int pos = 0;
        while (pos < msg.length) {
            int n = Math.min(1 + rnd.nextInt(127), msg.length - pos); // odd splits on purpose
            var b = big.buffers().allocate();
            MemorySegment.copy(flat, pos, b.memory(), 0, n);
            p.append(b, 0, n);
            pos += n;
        }
        assertTrue(p.fragmentCount() > 20);
        assertTrue(IcmpMessage.checksumValid(p, 0, msg.length));
        p.setU8(100, p.getU8(100) ^ 1);
        assertFalse(IcmpMessage.checksumValid(p, 0, msg.length));
        p.release();
        assertTrue(big.buffers().isFull());
        assertTrue(pool.buffers().isFull());
    }

    @Test
    void validateNeverThrowsOnArbitraryInput() {
        Random rnd = new Random(1191);
        int[] seen = new int[IcmpMessage.Problem.values().length];
        byte[] valid = error(IcmpMessage.TYPE_DESTINATION_UNREACHABLE, 3, 0).toArray(ValueLayout.JAVA_BYTE);
        int[] types = {0, 3, 4, 5, 8, 11, 12, 13, 14, 17, 18, 200};
        for (int i = 0; i < 300_000; i++) {
            byte[] b = new byte[rnd.nextInt(44)];
            System.arraycopy(valid, 0, b, 0, Math.min(b.length, valid.length));
            if (b.length > 1) {
                b[0] = (byte) types[rnd.nextInt(types.length)];
                b[1] = (byte) rnd.nextInt(rnd.nextBoolean() ? 4 : 256);
            }
            for (int k = rnd.nextInt(3); k > 0 && b.length > 8; k--) {
                b[8 + rnd.nextInt(b.length - 8)] = (byte) rnd.nextInt();
            }
            MemorySegment seg = MemorySegment.ofArray(b);
            if (b.length >= 8 && rnd.nextBoolean()) {
                IcmpMessage.fillChecksum(seg, 0, b.length);
            }
            int length = rnd.nextInt(5) == 0 ? rnd.nextInt() : b.length;
            IcmpMessage.Problem p = IcmpMessage.validate(seg, 0, length, rnd.nextInt(4) > 0);
            assertNotNull(p);
            seen[p.ordinal()]++;
        }
        assertEquals(IcmpMessage.Problem.TRUNCATED, IcmpMessage.validate(null, 0, 64));
        for (IcmpMessage.Problem p : IcmpMessage.Problem.values()) {
            assertTrue(seen[p.ordinal()] > 0, "never produced " + p);
        }
    }
}
