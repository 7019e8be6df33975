package io.panamax.ip.wire;

import io.panamax.ip.IpProtocol;
import io.panamax.ip.Ipv4Address;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Ipv4HeaderTest {
    /** The textbook header (UDP, 115 bytes, DF, TTL 64, 192.168.0.1 → 192.168.0.199), checksum 0xb861. */
    private static final String TEXTBOOK = "4500 0073 0000 4000 4011 b861 c0a80001 c0a800c7";

    private static byte[] bytes(String h) {
        return HexFormat.of().parseHex(h.replace(" ", ""));
    }

    /** A datagram: {@code header} then zero bytes up to its total length, then {@code extra} bytes of padding. */
    private static MemorySegment datagram(String header, int extra) {
        byte[] h = bytes(header);
        MemorySegment seg = MemorySegment.ofArray(h);
        byte[] d = new byte[Math.max(h.length, Ipv4Header.totalLength(seg, 0)) + extra];
        System.arraycopy(h, 0, d, 0, h.length);
        return MemorySegment.ofArray(d);
    }

    @Test
    void readsEveryFieldOfTheTextbookHeader() {
        MemorySegment h = datagram(TEXTBOOK, 0);
        assertEquals(Ipv4Header.Problem.NONE, Ipv4Header.validate(h, 0, 0x73));
        assertEquals(4, Ipv4Header.version(h, 0));
        assertEquals(5, Ipv4Header.ihl(h, 0));
        assertEquals(20, Ipv4Header.headerLength(h, 0));
        assertEquals(0, Ipv4Header.dscpEcn(h, 0));
        assertEquals(0, Ipv4Header.dscp(h, 0));
        assertEquals(0, Ipv4Header.ecn(h, 0));
        assertEquals(115, Ipv4Header.totalLength(h, 0));
        assertEquals(95, Ipv4Header.payloadLength(h, 0));
        assertEquals(0, Ipv4Header.identification(h, 0));
        assertEquals(Ipv4Header.FLAG_DONT_FRAGMENT, Ipv4Header.flagsAndFragmentOffset(h, 0));
        assertTrue(Ipv4Header.dontFragment(h, 0));
        assertFalse(Ipv4Header.moreFragments(h, 0));
        assertFalse(Ipv4Header.reservedFlag(h, 0));
        assertEquals(0, Ipv4Header.fragmentOffset(h, 0));
        assertFalse(Ipv4Header.isFragment(h, 0));
        assertEquals(64, Ipv4Header.ttl(h, 0));
        assertEquals(IpProtocol.UDP, Ipv4Header.protocol(h, 0));
        assertEquals(0xb861, Ipv4Header.headerChecksum(h, 0));
        assertTrue(Ipv4Header.checksumValid(h, 0));
        assertEquals(0xb861, Ipv4Header.computeChecksum(h, 0));
        assertEquals(Ipv4Address.parse("192.168.0.1"), Ipv4Header.source(h, 0));
        assertEquals(Ipv4Address.parse("192.168.0.199"), Ipv4Header.destination(h, 0));
        assertEquals(-1, Ipv4Header.firstOption(h, 0));
    }

    @Test
    void writesTheTextbookHeaderByteForByte() {
        MemorySegment seg = MemorySegment.ofArray(new byte[24]);
        int n = Ipv4Header.write(seg, 2, 0, 115, 0, Ipv4Header.FLAG_DONT_FRAGMENT, 64, IpProtocol.UDP,
                Ipv4Address.parse("192.168.0.1"), Ipv4Address.parse("192.168.0.199"));
        assertEquals(20, n);
        assertArrayEquals(bytes(TEXTBOOK), seg.asSlice(2, 20).toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void settersRoundTripAndFillChecksumMakesItValid() {
        MemorySegment seg = MemorySegment.ofArray(new byte[60]);
        Ipv4Header.write(seg, 0, 0, 60, 1, 0, 1, IpProtocol.ICMP, 1, 2);
        Ipv4Header.setDscpEcn(seg, 0, 46 << 2 | Ipv4Header.ECN_CE);
        Ipv4Header.setTotalLength(seg, 0, 44);
        Ipv4Header.setIdentification(seg, 0, 0xbeef);
        Ipv4Header.setFlagsAndFragmentOffset(seg, 0, Ipv4Header.FLAG_MORE_FRAGMENTS | 185);
        Ipv4Header.setTtl(seg, 0, 255);
        Ipv4Header.setProtocol(seg, 0, IpProtocol.TCP);
        Ipv4Header.setSource(seg, 0, Ipv4Address.parse("10.7.0.2"));
        Ipv4Header.setDestination(seg, 0, Ipv4Address.parse("10.7.0.1"));
        assertFalse(Ipv4Header.checksumValid(seg, 0));
        Ipv4Header.fillChecksum(seg, 0);
        assertTrue(Ipv4Header.checksumValid(seg, 0));
        assertEquals(46, Ipv4Header.dscp(seg, 0));
        assertEquals(Ipv4Header.ECN_CE, Ipv4Header.ecn(seg, 0));
        assertEquals(44, Ipv4Header.totalLength(seg, 0));
        assertEquals(0xbeef, Ipv4Header.identification(seg, 0));
        assertTrue(Ipv4Header.moreFragments(seg, 0));
        assertTrue(Ipv4Header.isFragment(seg, 0));
        assertEquals(185, Ipv4Header.fragmentOffset(seg, 0));
        assertEquals(1480, Ipv4Header.fragmentOffsetBytes(seg, 0));
        assertEquals(255, Ipv4Header.ttl(seg, 0));
        assertEquals(IpProtocol.TCP, Ipv4Header.protocol(seg, 0));
        assertEquals(Ipv4Address.parse("10.7.0.2"), Ipv4Header.source(seg, 0));
        assertEquals(Ipv4Address.parse("10.7.0.1"), Ipv4Header.destination(seg, 0));
        assertEquals(Ipv4Header.Problem.NONE, Ipv4Header.validate(seg, 0, 60), "24 data bytes with MF: a multiple of 8");
        // The pseudo header for a 24-byte TCP segment 10.7.0.2 → 10.7.0.1.
        assertEquals(InternetChecksum.pseudoHeaderSum(0x0a070002, 0x0a070001, 6, 24), Ipv4Header.pseudoHeaderSum(seg, 0));
    }

    /** A header with options, its IHL and checksum set; the datagram is header-only. */
    private static MemorySegment withOptions(String options) {
        byte[] opt = bytes(options);
        assertEquals(0, opt.length % 4, "options fill whole 32-bit words: " + options);
        int hl = Ipv4Header.MIN_HEADER_LENGTH + opt.length;
        MemorySegment seg = MemorySegment.ofArray(new byte[hl]);
        Ipv4Header.write(seg, 0, 0, hl, 7, 0, 64, IpProtocol.UDP, 0x0a000001, 0x0a000002);
        Ipv4Header.setVersionAndHeaderLength(seg, 0, hl);
        MemorySegment.copy(MemorySegment.ofArray(opt), 0, seg, 20, opt.length);
        Ipv4Header.fillChecksum(seg, 0);
        return seg;
    }

    private static List<String> options(MemorySegment seg) {
        List<String> out = new ArrayList<>();
        for (int p = Ipv4Header.firstOption(seg, 0); p >= 0; p = Ipv4Header.nextOption(seg, 0, p)) {
            out.add(Ipv4Header.optionType(seg, 0, p) + "/" + Ipv4Header.optionLength(seg, 0, p) + "@" + p);
        }
        return out;
    }

    @Test
    void iteratesOptionsSkippingPaddingAndUnknownTypes() {
        // NOP, router alert (148, len 4), record route with room for 2 addresses (pointer 4),
        // unknown type 30 (len 3), timestamp flag 1 with one slot (len 12, pointer 5), EOL, padding.
        MemorySegment seg = withOptions("01 94040000 07 0b 04 0000000000000000 1e 03 aa 44 0c 05 01 0000000000000000 00");
        assertEquals(Ipv4Header.Problem.NONE, Ipv4Header.validate(seg, 0, (int) seg.byteSize()));
        assertEquals(List.of("148/4@21", "7/11@25", "30/3@36", "68/12@39"), options(seg));
        assertTrue(Ipv4Option.isCopied(Ipv4Option.ROUTER_ALERT));
        assertFalse(Ipv4Option.isCopied(Ipv4Option.RECORD_ROUTE));
        assertEquals(2, Ipv4Option.optionClass(Ipv4Option.TIMESTAMP));
        assertEquals(4, Ipv4Option.number(Ipv4Option.TIMESTAMP));
        assertEquals(3, Ipv4Option.number(Ipv4Option.LOOSE_SOURCE_ROUTE));
        // A full route (pointer = length + 1) is legal.
        MemorySegment full = withOptions("83 07 08 0a000001 00");
        assertEquals(Ipv4Header.Problem.NONE, Ipv4Header.validate(full, 0, (int) full.byteSize()));
        assertEquals(List.of("131/7@20"), options(full));
    }

    @Test
    void reportsMalformedOptions() {
        // Length octets: 0, 1, past the header, missing.
        for (String bad : new String[] {"1e 00 0000", "1e 01 0000", "1e 09 0000", "01 01 01 1e"}) {
            MemorySegment seg = withOptions(bad);
            assertEquals(Ipv4Header.Problem.BAD_OPTION_LENGTH, Ipv4Header.validate(seg, 0, (int) seg.byteSize()), bad);
        }
        // Route pointer below 4, not on an address boundary, beyond length + 1; length not 3 + 4n.
        // Timestamp pointer below 5, flag 2, wrong slot size. Router alert and stream id not 4 long.
        for (String bad : new String[] {"07 07 03 00000000 00", "83 07 05 00000000 00", "89 07 0c 00000000 00",
                "07 06 04 000000 0000", "44 08 04 00 00000000", "44 08 05 02 00000000", "44 0a 05 01 000000000000 0000",
                "94 05 0000 00 000000", "88 03 00 00"}) {
            MemorySegment seg = withOptions(bad);
            assertEquals(Ipv4Header.Problem.BAD_OPTION, Ipv4Header.validate(seg, 0, (int) seg.byteSize()), bad);
        }
        // Whatever follows End of Option List is padding, even garbage.
        MemorySegment padded = withOptions("00 1e 00 ff");
        assertEquals(Ipv4Header.Problem.NONE, Ipv4Header.validate(padded, 0, (int) padded.byteSize()));
        assertEquals(List.of(), options(padded));
        // Iteration stops at a broken length instead of looping or reading past the header.
        assertEquals(List.of("30/3@20"), options(withOptions("1e 03 00 1e 00 000000")));
        assertEquals(List.of(), options(withOptions("01 01 01 1e")));
    }

    @Test
    void reportsEachStructuralProblem() {
        MemorySegment ok = datagram(TEXTBOOK, 0);
        assertEquals(Ipv4Header.Problem.TRUNCATED, Ipv4Header.validate(ok, 0, 19));
        assertEquals(Ipv4Header.Problem.TRUNCATED, Ipv4Header.validate(ok.asSlice(0, 19), 0, 115));

        MemorySegment v6 = datagram(TEXTBOOK, 0);
        v6.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x65);
        assertEquals(Ipv4Header.Problem.BAD_VERSION, Ipv4Header.validate(v6, 0, 115));

        MemorySegment ihl4 = datagram(TEXTBOOK, 0);
        ihl4.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x44);
        assertEquals(Ipv4Header.Problem.BAD_IHL, Ipv4Header.validate(ihl4, 0, 115));

        // IHL 15 (60 bytes) but only 40 bytes there; and total length 40 can't hold 60 bytes of header.
        MemorySegment ihl15 = datagram(TEXTBOOK, 0);
        ihl15.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x4f);
        assertEquals(Ipv4Header.Problem.TRUNCATED, Ipv4Header.validate(ihl15.asSlice(0, 40), 0, 40));
        Ipv4Header.setTotalLength(ihl15, 0, 40);
        assertEquals(Ipv4Header.Problem.BAD_TOTAL_LENGTH, Ipv4Header.validate(ihl15.asSlice(0, 40), 0, 40));

        MemorySegment bad = datagram(TEXTBOOK, 0);
        Ipv4Header.setHeaderChecksum(bad, 0, 0xb862);
        assertEquals(Ipv4Header.Problem.BAD_CHECKSUM, Ipv4Header.validate(bad, 0, 115));
        assertEquals(Ipv4Header.Problem.NONE, Ipv4Header.validate(bad, 0, 115, false), "checksum left to the NIC");

        assertEquals(Ipv4Header.Problem.BAD_TOTAL_LENGTH, Ipv4Header.validate(ok, 0, 114), "one byte short");
        assertEquals(Ipv4Header.Problem.NONE, Ipv4Header.validate(datagram(TEXTBOOK, 18), 0, 133), "Ethernet padding");
        MemorySegment zero = datagram(TEXTBOOK, 0);
        Ipv4Header.setTotalLength(zero, 0, 0);
        Ipv4Header.fillChecksum(zero, 0);
        assertEquals(Ipv4Header.Problem.BAD_TOTAL_LENGTH, Ipv4Header.validate(zero, 0, 115), "total length 0 (TSO capture)");
    }

    @Test
    void reportsBadFragmentsAndSources() {
        MemorySegment seg = MemorySegment.ofArray(new byte[1500]);
        // Last fragment at 65528 carrying 8 bytes ends at 65536: one past the largest datagram.
        Ipv4Header.write(seg, 0, 0, 28, 1, 8191, 64, IpProtocol.UDP, 0x0a000001, 0x0a000002);
        assertEquals(Ipv4Header.Problem.BAD_FRAGMENT_OFFSET, Ipv4Header.validate(seg, 0, 1500));
        Ipv4Header.write(seg, 0, 0, 27, 1, 8191, 64, IpProtocol.UDP, 0x0a000001, 0x0a000002);
        assertEquals(Ipv4Header.Problem.NONE, Ipv4Header.validate(seg, 0, 1500), "ends exactly at 65535");
        // A non-last fragment must carry a non-zero multiple of 8 bytes.
        Ipv4Header.write(seg, 0, 0, 20 + 13, 1, Ipv4Header.FLAG_MORE_FRAGMENTS, 64, IpProtocol.UDP, 0x0a000001, 0x0a000002);
        assertEquals(Ipv4Header.Problem.BAD_FRAGMENT_LENGTH, Ipv4Header.validate(seg, 0, 1500));
        Ipv4Header.write(seg, 0, 0, 20, 1, Ipv4Header.FLAG_MORE_FRAGMENTS, 64, IpProtocol.UDP, 0x0a000001, 0x0a000002);
        assertEquals(Ipv4Header.Problem.BAD_FRAGMENT_LENGTH, Ipv4Header.validate(seg, 0, 1500));
        Ipv4Header.write(seg, 0, 0, 20 + 1480, 1, Ipv4Header.FLAG_MORE_FRAGMENTS, 64, IpProtocol.UDP, 0x0a000001, 0x0a000002);
        assertEquals(Ipv4Header.Problem.NONE, Ipv4Header.validate(seg, 0, 1500));
        // The last fragment may have any length; the reserved flag is tolerated.
        Ipv4Header.write(seg, 0, 0, 20 + 13, 1, Ipv4Header.FLAG_RESERVED | 185, 64, IpProtocol.UDP, 0x0a000001, 0x0a000002);
        assertEquals(Ipv4Header.Problem.NONE, Ipv4Header.validate(seg, 0, 1500));

        for (String src : new String[] {"224.0.0.1", "239.255.255.250", "255.255.255.255"}) {
            Ipv4Header.write(seg, 0, 0, 20, 1, 0, 64, IpProtocol.UDP, Ipv4Address.parse(src), 0x0a000002);
            assertEquals(Ipv4Header.Problem.BAD_SOURCE_ADDRESS, Ipv4Header.validate(seg, 0, 20), src);
        }
        // 0.0.0.0 is how DHCP clients speak before they have an address (RFC 1122 §3.2.1.3 (a)).
        Ipv4Header.write(seg, 0, 0, 20, 1, 0, 64, IpProtocol.UDP, 0, Ipv4Address.BROADCAST);
        assertEquals(Ipv4Header.Problem.NONE, Ipv4Header.validate(seg, 0, 20));
    }

    @Test
    void validateNeverThrowsOnArbitraryInput() {
        Random rnd = new Random(791);
        MemorySegment base = withOptions("01 94040000 07 0b 04 0000000000000000 1e 03 aa 44 0c 05 01 0000000000000000 00");
        byte[] valid = base.toArray(ValueLayout.JAVA_BYTE);
        int[] seen = new int[Ipv4Header.Problem.values().length];
        for (int i = 0; i < 300_000; i++) {
            byte[] b = new byte[rnd.nextInt(72)];
            System.arraycopy(valid, 0, b, 0, Math.min(b.length, valid.length));
            for (int k = rnd.nextInt(4); k > 0 && b.length > 0; k--) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt();
            }
            MemorySegment seg = MemorySegment.ofArray(b);
            if (rnd.nextBoolean() && b.length >= 20 && (b[0] & 0xf) >= 5 && (b[0] & 0xf) * 4 <= b.length) {
                Ipv4Header.fillChecksum(seg, 0); // let half the cases get past the checksum
            }
            int available = switch (rnd.nextInt(4)) {
                case 0 -> rnd.nextInt();
                case 1 -> rnd.nextInt(70000);
                default -> b.length;
            };
            Ipv4Header.Problem p = Ipv4Header.validate(seg, 0, available, rnd.nextBoolean());
            assertNotNull(p);
            seen[p.ordinal()]++;
            // Option iteration is safe on any header whose bytes are there.
            if (b.length >= 20 && (b[0] & 0xf) * 4 <= b.length) {
                int guard = 0;
                for (int q = Ipv4Header.firstOption(seg, 0); q >= 0; q = Ipv4Header.nextOption(seg, 0, q)) {
                    assertTrue(++guard <= 40, "iteration terminates");
                    assertTrue(q + Ipv4Header.optionLength(seg, 0, q) <= Ipv4Header.headerLength(seg, 0));
                }
            }
        }
        assertEquals(Ipv4Header.Problem.TRUNCATED, Ipv4Header.validate(null, 0, 20));
        assertEquals(Ipv4Header.Problem.TRUNCATED, Ipv4Header.validate(base, -4, 60));
        for (Ipv4Header.Problem p : Ipv4Header.Problem.values()) {
            assertTrue(seen[p.ordinal()] > 0, "never produced " + p);
        }
    }
}
