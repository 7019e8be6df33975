package io.panamax.ip.wire;

import io.panamax.ip.IpProtocol;
import io.panamax.ip.Ipv4Address;
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

class UdpHeaderTest {
    private static final int SRC = Ipv4Address.parse("192.168.1.2");
    private static final int DST = Ipv4Address.parse("192.168.1.1");

    /** A DNS query for example.com, 29 bytes of data. */
    private static final String QUERY = "abcd01000001000000000000076578616d706c6503636f6d0000010001";

    private static MemorySegment datagram(int extraTrailing) {
        byte[] q = HexFormat.of().parseHex(QUERY);
        MemorySegment seg = MemorySegment.ofArray(new byte[8 + q.length + extraTrailing]);
        UdpHeader.write(seg, 0, 51234, 53, 8 + q.length);
        MemorySegment.copy(MemorySegment.ofArray(q), 0, seg, 8, q.length);
        UdpHeader.fillChecksum(seg, 0, 8 + q.length, SRC, DST);
        return seg;
    }

    @Test
    void readsWritesAndChecksums() {
        MemorySegment d = datagram(0);
        assertEquals(UdpHeader.Problem.NONE, UdpHeader.validate(d, 0, 37, SRC, DST));
        assertEquals(51234, UdpHeader.sourcePort(d, 0));
        assertEquals(53, UdpHeader.destinationPort(d, 0));
        assertEquals(37, UdpHeader.length(d, 0));
        assertEquals(29, UdpHeader.payloadLength(d, 0));
        assertTrue(UdpHeader.checksumValid(d, 0, 37, SRC, DST));
        // The checksum equals an independent sum: pseudo header words, then header and data.
        long sum = (SRC >>> 16) + (SRC & 0xffff) + (DST >>> 16) + (DST & 0xffff) + IpProtocol.UDP + 37;
        byte[] b = d.toArray(ValueLayout.JAVA_BYTE);
        b[6] = 0;
        b[7] = 0;
        for (int i = 0; i < b.length; i += 2) {
            sum += (b[i] & 0xff) << 8 | (i + 1 < b.length ? b[i + 1] & 0xff : 0);
        }
        while (sum > 0xffff) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        assertEquals(~sum & 0xffff, UdpHeader.checksum(d, 0));

        UdpHeader.setSourcePort(d, 0, 1);
        UdpHeader.setDestinationPort(d, 0, 65535);
        assertEquals(1, UdpHeader.sourcePort(d, 0));
        assertEquals(65535, UdpHeader.destinationPort(d, 0));
        assertEquals(UdpHeader.Problem.BAD_CHECKSUM, UdpHeader.validate(d, 0, 37, SRC, DST));
        assertEquals(UdpHeader.Problem.NONE, UdpHeader.validate(d, 0, 37, SRC, DST, false));
        // The wrong pseudo header (another destination) fails too.
        UdpHeader.fillChecksum(d, 0, 37, SRC, DST);
        assertEquals(UdpHeader.Problem.BAD_CHECKSUM, UdpHeader.validate(d, 0, 37, SRC, DST + 1));
    }

    @Test
    void zeroChecksumMeansNoneAndAComputedZeroIsSentAsAllOnes() {
        MemorySegment d = datagram(0);
        UdpHeader.setChecksum(d, 0, UdpHeader.CHECKSUM_NONE);
        assertEquals(UdpHeader.Problem.NONE, UdpHeader.validate(d, 0, 37, SRC, DST));

        // Make the sum come out at zero: with the checksum field at 0, choose the last two data
        // bytes so that the whole ones' complement sum is 0xffff.
        MemorySegment z = MemorySegment.ofArray(new byte[10]);
        UdpHeader.write(z, 0, 1000, 2000, 10);
        int partial = InternetChecksum.fold(UdpHeader.pseudoHeaderSum(SRC, DST, 10) + InternetChecksum.sum(z, 0, 10));
        z.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 8, (short) (0xffff - partial));
        assertEquals(0xffff, InternetChecksum.fold(UdpHeader.pseudoHeaderSum(SRC, DST, 10) + InternetChecksum.sum(z, 0, 10)));
        UdpHeader.fillChecksum(z, 0, 10, SRC, DST);
        assertEquals(UdpHeader.CHECKSUM_ZERO_SENT_AS, UdpHeader.checksum(z, 0));
        assertEquals(UdpHeader.Problem.NONE, UdpHeader.validate(z, 0, 10, SRC, DST));
    }

    @Test
    void trailingBytesAfterTheDatagramAreNotAnError() {
        // sv-udp-5379-udp-trailing-data: length 72 in an 86-byte IP payload.
        MemorySegment d = datagram(14);
        assertEquals(UdpHeader.Problem.NONE, UdpHeader.validate(d, 0, 51, SRC, DST));
        assertEquals(37, UdpHeader.length(d, 0));
    }

    @Test
    void reportsEachProblem() {
        MemorySegment d = datagram(0);
        assertEquals(UdpHeader.Problem.TRUNCATED, UdpHeader.validate(d, 0, 7, SRC, DST));
        assertEquals(UdpHeader.Problem.TRUNCATED, UdpHeader.validate(d.asSlice(0, 7), 0, 37, SRC, DST));
        assertEquals(UdpHeader.Problem.BAD_LENGTH, UdpHeader.validate(d, 0, 36, SRC, DST), "longer than the IP payload");
        UdpHeader.setLength(d, 0, 5); // sv-udp-5379-udp-len-invalid
        assertEquals(UdpHeader.Problem.BAD_LENGTH, UdpHeader.validate(d, 0, 37, SRC, DST));
        UdpHeader.setLength(d, 0, 37);
        assertEquals(UdpHeader.Problem.TRUNCATED, UdpHeader.validate(d.asSlice(0, 30), 0, 37, SRC, DST), "bytes missing for the checksum");
        assertEquals(UdpHeader.Problem.NONE, UdpHeader.validate(d.asSlice(0, 30), 0, 37, SRC, DST, false));
        d.set(ValueLayout.JAVA_BYTE, 20, (byte) 'X');
        assertEquals(UdpHeader.Problem.BAD_CHECKSUM, UdpHeader.validate(d, 0, 37, SRC, DST));
        // An empty datagram is legal.
        MemorySegment empty = MemorySegment.ofArray(new byte[8]);
        UdpHeader.write(empty, 0, 9, 9, 8);
        UdpHeader.fillChecksum(empty, 0, 8, SRC, DST);
        assertEquals(UdpHeader.Problem.NONE, UdpHeader.validate(empty, 0, 8, SRC, DST));
    }

    @Test
    void checksumAcrossFragmentsAndForOffload() {
        MemorySegment d = datagram(0);
        PacketPool pool = PacketPool.unowned(SlabBufferPool.unowned(8, 64, 0));
        Packet p = pool.allocate();
        for (int[] piece : new int[][] {{0, 5}, {5, 13}, {18, 19}}) {
            var b = pool.buffers().allocate();
            MemorySegment.copy(d, piece[0], b.memory(), 3, piece[1]);
            p.append(b, 3, piece[1]);
        }
        assertTrue(UdpHeader.checksumValid(p, 0, 37, SRC, DST));
        assertFalse(UdpHeader.checksumValid(p, 0, 37, SRC, DST ^ 0x100));
        p.setU16(6, 0);
        assertTrue(UdpHeader.checksumValid(p, 0, 37, SRC, DST ^ 0x100), "no checksum, nothing to verify");
        p.release();
        assertTrue(pool.buffers().isFull());

        // Offload: the field holds the folded pseudo-header sum; adding header and data on top
        // (what the NIC does) yields the real checksum.
        MemorySegment o = datagram(0);
        int real = UdpHeader.checksum(o, 0);
        UdpHeader.fillPseudoHeaderChecksum(o, 0, 37, SRC, DST);
        assertEquals(InternetChecksum.fold(UdpHeader.pseudoHeaderSum(SRC, DST, 37)), UdpHeader.checksum(o, 0));
        int nic = InternetChecksum.finish(InternetChecksum.sum(o, 0, 37));
        assertEquals(real, nic);
        assertEquals(real, UdpHeader.checksumFor(InternetChecksum.sum(datagramWithZeroChecksum(), 0, 37), SRC, DST, 37));
    }

    private static MemorySegment datagramWithZeroChecksum() {
        MemorySegment d = datagram(0);
        UdpHeader.setChecksum(d, 0, 0);
        return d;
    }

    @Test
    void validateNeverThrowsOnArbitraryInput() {
        Random rnd = new Random(768);
        int[] seen = new int[UdpHeader.Problem.values().length];
        byte[] valid = datagram(0).toArray(ValueLayout.JAVA_BYTE);
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[rnd.nextInt(44)];
            System.arraycopy(valid, 0, b, 0, Math.min(b.length, valid.length));
            for (int k = rnd.nextInt(3); k > 0 && b.length > 0; k--) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt();
            }
            int ipPayload = switch (rnd.nextInt(4)) {
                case 0 -> rnd.nextInt();
                case 1 -> rnd.nextInt(70);
                default -> b.length;
            };
            UdpHeader.Problem p = UdpHeader.validate(MemorySegment.ofArray(b), rnd.nextInt(20) == 0 ? 50 : 0, ipPayload, SRC, DST, rnd.nextInt(4) > 0);
            assertNotNull(p);
            seen[p.ordinal()]++;
        }
        assertEquals(UdpHeader.Problem.TRUNCATED, UdpHeader.validate(null, 0, 8, SRC, DST));
        for (UdpHeader.Problem p : UdpHeader.Problem.values()) {
            assertTrue(seen[p.ordinal()] > 0, "never produced " + p);
        }
    }
}
