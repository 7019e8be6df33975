package io.panamax.ethernet.wire;

import io.panamax.nic.MacAddress;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EthernetHeaderTest {
    private static final long DST = 0xffff_ffff_ffffL;
    private static final long SRC = 0x0020_d25a_fb3fL;

    private static MemorySegment hex(String h) {
        return MemorySegment.ofArray(HexFormat.of().parseHex(h.replace(" ", "")));
    }

    @Test
    void parsesAnUntaggedFrame() {
        // The first 14 bytes of an ARP request: broadcast, 00:20:d2:5a:fb:3f, type ARP, then payload.
        MemorySegment f = hex("ffffffffffff 0020d25afb3f 0806 0001080006040001");
        assertEquals(EthernetHeader.Problem.NONE, EthernetHeader.validate(f, 0, (int) f.byteSize()));
        assertEquals(DST, EthernetHeader.destination(f, 0));
        assertEquals(SRC, EthernetHeader.source(f, 0));
        assertEquals(EtherType.ARP, EthernetHeader.etherType(f, 0));
        assertEquals(EtherType.ARP, EthernetHeader.innerEtherType(f, 0));
        assertEquals(0, EthernetHeader.tagCount(f, 0));
        assertFalse(EthernetHeader.isTagged(f, 0));
        assertEquals(14, EthernetHeader.headerLength(f, 0));
        assertEquals(EthernetHeader.NO_VLAN, EthernetHeader.outerVlanId(f, 0));
        assertEquals(EthernetHeader.NO_VLAN, EthernetHeader.innerVlanId(f, 0));
        assertFalse(EthernetHeader.isLengthFramed(f, 0));
    }

    @Test
    void parsesASingle8021QTag() {
        // PCP 5, DEI 1, VID 0x123 = 291, inner IPv4.
        MemorySegment f = hex("ffffffffffff 0020d25afb3f 8100 b123 0800 4500");
        assertEquals(EthernetHeader.Problem.NONE, EthernetHeader.validate(f, 0, (int) f.byteSize()));
        assertEquals(1, EthernetHeader.tagCount(f, 0));
        assertTrue(EthernetHeader.isTagged(f, 0));
        assertEquals(18, EthernetHeader.headerLength(f, 0));
        assertEquals(EtherType.VLAN, EthernetHeader.etherType(f, 0));
        assertEquals(EtherType.VLAN, EthernetHeader.tagProtocol(f, 0, 0));
        assertEquals(EtherType.IPV4, EthernetHeader.innerEtherType(f, 0));
        int tci = EthernetHeader.tagControl(f, 0, 0);
        assertEquals(5, VlanTag.priority(tci));
        assertTrue(VlanTag.dropEligible(tci));
        assertEquals(0x123, VlanTag.vlanId(tci));
        assertEquals(0x123, EthernetHeader.outerVlanId(f, 0));
        assertEquals(0x123, EthernetHeader.innerVlanId(f, 0));
    }

    @Test
    void parsesAn8021adStackWithServiceAndCustomerVlan() {
        // The first frame of td-802.1ad_QinQ.pcap: S-tag VID 200, C-tag VID 2001, ARP.
        MemorySegment f = hex("ffffffffffff 0020d25afb3f 88a8 00c8 8100 07d1 0806 00010800");
        assertEquals(EthernetHeader.Problem.NONE, EthernetHeader.validate(f, 0, (int) f.byteSize()));
        assertEquals(2, EthernetHeader.tagCount(f, 0));
        assertEquals(22, EthernetHeader.headerLength(f, 0));
        assertEquals(EtherType.QINQ, EthernetHeader.tagProtocol(f, 0, 0));
        assertEquals(EtherType.VLAN, EthernetHeader.tagProtocol(f, 0, 1));
        assertEquals(200, EthernetHeader.outerVlanId(f, 0));
        assertEquals(2001, EthernetHeader.innerVlanId(f, 0));
        assertEquals(EtherType.ARP, EthernetHeader.innerEtherType(f, 0));
    }

    @Test
    void recognises8023LengthFrames() {
        // An 802.3/LLC frame (spanning tree BPDU style): length 0x0026 = 38, then LLC 42 42 03.
        byte[] b = new byte[60];
        System.arraycopy(HexFormat.of().parseHex("0180c20000000020d25afb3f0026424203"), 0, b, 0, 17);
        MemorySegment f = MemorySegment.ofArray(b);
        assertEquals(EthernetHeader.Problem.NONE, EthernetHeader.validate(f, 0, 60));
        assertTrue(EthernetHeader.isLengthFramed(f, 0));
        assertTrue(EtherType.isLengthField(EthernetHeader.innerEtherType(f, 0)));
        assertEquals("802.3-length", EtherType.name(EthernetHeader.innerEtherType(f, 0)));
    }

    @Test
    void writesAndReadsBackUntaggedAndTaggedHeaders() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(64);
            assertEquals(14, EthernetHeader.write(seg, 3, DST, SRC, EtherType.IPV4));
            assertEquals(EthernetHeader.Problem.NONE, EthernetHeader.validate(seg, 3, 61));
            assertEquals(DST, EthernetHeader.destination(seg, 3));
            assertEquals(SRC, EthernetHeader.source(seg, 3));
            assertEquals(EtherType.IPV4, EthernetHeader.innerEtherType(seg, 3));
            assertEquals("ffffffffffff0020d25afb3f0800", HexFormat.of().formatHex(seg.asSlice(3, 14).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));

            int tci = VlanTag.tci(3, false, 42);
            assertEquals(18, EthernetHeader.writeTagged(seg, 0, DST, SRC, tci, EtherType.ARP));
            assertEquals(EthernetHeader.Problem.NONE, EthernetHeader.validate(seg, 0, 64));
            assertEquals(1, EthernetHeader.tagCount(seg, 0));
            assertEquals(42, EthernetHeader.innerVlanId(seg, 0));
            assertEquals(3, VlanTag.priority(EthernetHeader.tagControl(seg, 0, 0)));
            assertEquals(EtherType.ARP, EthernetHeader.innerEtherType(seg, 0));
            assertEquals("ffffffffffff0020d25afb3f8100602a0806",
                    HexFormat.of().formatHex(seg.asSlice(0, 18).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));

            EthernetHeader.setDestination(seg, 0, SRC);
            EthernetHeader.setSource(seg, 0, DST);
            EthernetHeader.setEtherType(seg, 0, EtherType.IPV4);
            assertEquals(SRC, EthernetHeader.destination(seg, 0));
            assertEquals(DST, EthernetHeader.source(seg, 0));
            assertEquals(0, EthernetHeader.tagCount(seg, 0));
        }
    }

    @Test
    void padsShortFramesWithZerosToSixtyBytes() {
        assertEquals(18, EthernetHeader.paddingFor(42));
        assertEquals(0, EthernetHeader.paddingFor(60));
        assertEquals(0, EthernetHeader.paddingFor(1514));
        MemorySegment seg = MemorySegment.ofArray(new byte[64]);
        seg.fill((byte) 0x5a);
        assertEquals(60, EthernetHeader.pad(seg, 2, 42));
        for (int i = 2 + 42; i < 62; i++) {
            assertEquals(0, seg.getAtIndex(java.lang.foreign.ValueLayout.JAVA_BYTE, i), "byte " + i);
        }
        assertEquals(0x5a, seg.getAtIndex(java.lang.foreign.ValueLayout.JAVA_BYTE, 62));
        assertEquals(0x5a, seg.getAtIndex(java.lang.foreign.ValueLayout.JAVA_BYTE, 43));
        assertEquals(100, EthernetHeader.pad(seg, 0, 100), "long frames are not touched");
    }

    @Test
    void reportsTruncatedHeaders() {
        MemorySegment f = hex("ffffffffffff 0020d25afb3f 0800");
        assertEquals(EthernetHeader.Problem.TRUNCATED, EthernetHeader.validate(f, 0, 13));
        assertEquals(EthernetHeader.Problem.NONE, EthernetHeader.validate(f, 0, 14));
        // A tag is announced but its TCI and the inner type are missing.
        MemorySegment tagged = hex("ffffffffffff 0020d25afb3f 8100 0001 08");
        assertEquals(EthernetHeader.Problem.TRUNCATED, EthernetHeader.validate(tagged, 0, (int) tagged.byteSize()));
        assertEquals(EthernetHeader.Problem.TRUNCATED, EthernetHeader.validate(tagged, 0, 16));
        // The caller claims more bytes than the segment has: truncated, not an exception.
        assertEquals(EthernetHeader.Problem.TRUNCATED, EthernetHeader.validate(hex("ffffffffffff0020"), 0, 1514));
    }

    @Test
    void reportsMoreThanTwoTags() {
        MemorySegment f = hex("ffffffffffff 0020d25afb3f 88a8 0001 8100 0002 8100 0003 0800 4500");
        assertEquals(EthernetHeader.Problem.TOO_MANY_VLAN_TAGS, EthernetHeader.validate(f, 0, (int) f.byteSize()));
    }

    @Test
    void reportsBadLengthFields() {
        byte[] b = new byte[60];
        MemorySegment f = MemorySegment.ofArray(b);
        EthernetHeader.write(f, 0, DST, SRC, 0x05dc);
        // 1500 bytes of LLC announced, 46 present.
        assertEquals(EthernetHeader.Problem.BAD_LENGTH_FIELD, EthernetHeader.validate(f, 0, 60));
        // 1501..1535 are neither lengths nor types (IEEE 802.3 clause 3.2.6).
        EthernetHeader.setEtherType(f, 0, 0x05dd);
        assertEquals(EthernetHeader.Problem.BAD_LENGTH_FIELD, EthernetHeader.validate(f, 0, 60));
        EthernetHeader.setEtherType(f, 0, 0x05ff);
        assertEquals(EthernetHeader.Problem.BAD_LENGTH_FIELD, EthernetHeader.validate(f, 0, 60));
        EthernetHeader.setEtherType(f, 0, 46);
        assertEquals(EthernetHeader.Problem.NONE, EthernetHeader.validate(f, 0, 60));
        EthernetHeader.setEtherType(f, 0, 47);
        assertEquals(EthernetHeader.Problem.BAD_LENGTH_FIELD, EthernetHeader.validate(f, 0, 60));
        EthernetHeader.setEtherType(f, 0, EtherType.MIN_TYPE);
        assertEquals(EthernetHeader.Problem.NONE, EthernetHeader.validate(f, 0, 60));
    }

    @Test
    void acceptsGroupSourceAddressesAsLinuxDoes() {
        // suricata-verify's crafted captures send from 05:04:03:02:01:00 and 11:11:11:11:11:11.
        MemorySegment f = hex("000102030405 050403020100 0800 4500");
        assertTrue(EthernetAddress.isMulticast(EthernetHeader.source(f, 0)));
        assertEquals(EthernetHeader.Problem.NONE, EthernetHeader.validate(f, 0, (int) f.byteSize()));
    }

    @Test
    void validateNeverThrowsOnArbitraryInput() {
        Random rnd = new Random(826);
        int[] seen = new int[EthernetHeader.Problem.values().length];
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[rnd.nextInt(40)];
            rnd.nextBytes(b);
            // Bias towards tag TPIDs so the tag walk is exercised.
            for (int at = 12; at + 1 < b.length; at += 4) {
                if (rnd.nextInt(3) > 0) {
                    int tpid = rnd.nextBoolean() ? EtherType.VLAN : EtherType.QINQ;
                    b[at] = (byte) (tpid >>> 8);
                    b[at + 1] = (byte) tpid;
                }
            }
            MemorySegment seg = MemorySegment.ofArray(b);
            long off = rnd.nextInt(4) == 0 ? rnd.nextInt(8) - 2 : 0;
            int available = rnd.nextInt(5) == 0 ? rnd.nextInt() : b.length - (int) Math.max(0, off);
            EthernetHeader.Problem p = EthernetHeader.validate(seg, off, available);
            assertNotNull(p);
            seen[p.ordinal()]++;
        }
        assertEquals(EthernetHeader.Problem.TRUNCATED, EthernetHeader.validate(null, 0, 64));
        for (EthernetHeader.Problem p : EthernetHeader.Problem.values()) {
            assertTrue(seen[p.ordinal()] > 0, "random input never produced " + p);
        }
    }

    @Test
    void ethernetAddressHelpers() {
        MemorySegment seg = MemorySegment.ofArray(new byte[8]);
        EthernetAddress.write(seg, 1, SRC);
        assertEquals(SRC, EthernetAddress.read(seg, 1));
        assertEquals(0, seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
        assertEquals(0, seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 7));
        assertEquals("00:20:d2:5a:fb:3f", EthernetAddress.toString(SRC));
        assertEquals(MacAddress.parse("00:20:d2:5a:fb:3f").bits(), SRC, "same encoding as nic's MacAddress");
        assertTrue(EthernetAddress.isBroadcast(EthernetAddress.BROADCAST));
        assertTrue(EthernetAddress.isMulticast(EthernetAddress.BROADCAST));
        assertTrue(EthernetAddress.isUnicast(SRC));
        assertFalse(EthernetAddress.isLocallyAdministered(SRC));
        assertTrue(EthernetAddress.isLocallyAdministered(0x0200_0000_0001L));
        // RFC 1112 §6.4: 224.0.0.251 → 01:00:5e:00:00:fb; 239.255.255.250 → 01:00:5e:7f:ff:fa (bit 24 dropped).
        assertEquals(0x0100_5e00_00fbL, EthernetAddress.ofIpv4Multicast(0xe00000fb));
        assertEquals(0x0100_5e7f_fffaL, EthernetAddress.ofIpv4Multicast(0xeffffffa));
        assertEquals(EthernetAddress.ofIpv4Multicast(0xe07fffff), EthernetAddress.ofIpv4Multicast(0xe0ffffff));
        assertTrue(EthernetAddress.isMulticast(EthernetAddress.ofIpv4Multicast(0xe0000001)));
    }

    @Test
    void vlanTagControlPacksAndUnpacks() {
        for (int pcp = 0; pcp < 8; pcp++) {
            for (int vid : new int[] {0, 1, 100, 2001, 4094, 4095}) {
                for (boolean dei : new boolean[] {false, true}) {
                    int tci = VlanTag.tci(pcp, dei, vid);
                    assertEquals(pcp, VlanTag.priority(tci));
                    assertEquals(dei, VlanTag.dropEligible(tci));
                    assertEquals(vid, VlanTag.vlanId(tci));
                    assertTrue(tci >= 0 && tci <= 0xffff);
                }
            }
        }
        assertEquals(0xe07b, VlanTag.tci(7, false, 123));
    }

    @Test
    void etherTypeNames() {
        assertEquals("IPv4", EtherType.name(EtherType.IPV4));
        assertEquals("802.1ad", EtherType.name(EtherType.QINQ));
        assertEquals("0x88b5", EtherType.name(0x88b5));
        assertTrue(EtherType.isVlanTag(0x8100));
        assertTrue(EtherType.isVlanTag(0x88a8));
        assertFalse(EtherType.isVlanTag(EtherType.QINQ_LEGACY));
        assertTrue(EtherType.isLengthField(0x05ff));
        assertFalse(EtherType.isLengthField(0x0600));
    }
}
