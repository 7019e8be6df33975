package io.panamax.ethernet.wire;

import io.panamax.reactor.buffer.NetworkBytes;
import io.panamax.reactor.testing.SharedData;
import io.panamax.nic.pcap.Pcap4jFrames;
import org.junit.jupiter.api.Test;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.packet.ArpPacket;
import org.pcap4j.packet.Dot1qVlanTagPacket;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IllegalPacket;
import org.pcap4j.packet.Packet;
import org.pcap4j.util.MacAddress;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every frame of every shared capture through {@link EthernetHeader} and {@link ArpMessage}, with
 * pcap4j as the independent decoder: a verdict for each frame, never an exception, and the same
 * field values wherever pcap4j decodes the layer. pcap4j decodes neither 802.1ad (0x88a8) nor
 * RARP (0x8035); {@link EthernetTsharkTest} covers those with tshark.
 */
class EthernetCapturesTest {

    /** A frame copied into memory of exactly its size, so that any read past it would throw. */
    private static MemorySegment exact(Arena arena, byte[] data) {
        MemorySegment seg = arena.allocate(Math.max(1, data.length));
        MemorySegment.copy(MemorySegment.ofArray(data), 0, seg, 0, data.length);
        return seg.asSlice(0, data.length);
    }

    @Test
    void everyFrameOfEveryCaptureGetsAVerdictAndAgreesWithPcap4j() throws Exception {
        Map<EthernetHeader.Problem, Integer> ethernet = new EnumMap<>(EthernetHeader.Problem.class);
        Map<ArpMessage.Problem, Integer> arp = new EnumMap<>(ArpMessage.Problem.class);
        int frames = 0;
        int taggedCompared = 0;
        int arpCompared = 0;
        List<String> files = new ArrayList<>();
        List<String> undecodable = new ArrayList<>();
        for (SharedData.Capture entry : SharedData.captures()) {
            if (entry.rejected()) {
                continue;
            }
            files.add(entry.file());
            List<Pcap4jFrames.Frame> captured = Pcap4jFrames.sharedCapture(entry.file());
            assertEquals(entry.packets(), captured.size(), entry.file() + ": frames per MANIFEST.tsv");
            try (Arena arena = Arena.ofConfined()) {
                for (Pcap4jFrames.Frame frame : captured) {
                    frames++;
                    String where = entry.file() + " frame " + frame.number();
                    byte[] data = frame.data();
                    MemorySegment seg = exact(arena, data);
                    EthernetHeader.Problem p;
                    try {
                        p = EthernetHeader.validate(seg, 0, data.length);
                    } catch (RuntimeException e) {
                        throw new AssertionError(where + ": validate threw", e);
                    }
                    ethernet.merge(p, 1, Integer::sum);

                    EthernetPacket decoded;
                    try {
                        decoded = EthernetPacket.newPacket(data, 0, data.length);
                    } catch (IllegalRawDataException e) {
                        // pcap4j refuses a frame shorter than 14 bytes or with an 802.3 length
                        // beyond the data: both are problems here too.
                        assertNotEquals(EthernetHeader.Problem.NONE, p, where + ": pcap4j refused it: " + e.getMessage());
                        continue;
                    } catch (RuntimeException e) {
                        // pcap4j throws on some malformed IPv6 extension headers (shared/pcaps-v6):
                        // the oracle cannot decode the frame, which says nothing about its Ethernet
                        // header; counted, never a failure.
                        undecodable.add(where + ": " + e.getClass().getSimpleName());
                        continue;
                    }
                    assertEquals(EthernetHeader.Problem.NONE, p, where + ": pcap4j decodes it");
                    EthernetPacket.EthernetHeader h = decoded.getHeader();
                    assertEquals(bits(h.getDstAddr()), EthernetHeader.destination(seg, 0), where + ": destination");
                    assertEquals(bits(h.getSrcAddr()), EthernetHeader.source(seg, 0), where + ": source");
                    assertEquals(h.getType().value() & 0xffff, EthernetHeader.etherType(seg, 0), where + ": type");

                    // pcap4j nests one Dot1qVlanTagPacket per 0x8100 tag.
                    Packet payload = decoded.getPayload();
                    int tag = 0;
                    while (payload instanceof Dot1qVlanTagPacket q) {
                        Dot1qVlanTagPacket.Dot1qVlanTagHeader qh = q.getHeader();
                        int tci = EthernetHeader.tagControl(seg, 0, tag);
                        assertEquals(qh.getPriority(), VlanTag.priority(tci), where + ": PCP");
                        assertEquals(qh.getCfi(), VlanTag.dropEligible(tci), where + ": DEI");
                        assertEquals(qh.getVidAsInt(), VlanTag.vlanId(tci), where + ": VID");
                        assertEquals(qh.getType().value() & 0xffff,
                                NetworkBytes.getU16(seg, EthernetHeader.OFFSET_ETHER_TYPE + (tag + 1) * VlanTag.LENGTH), where + ": type after tag");
                        tag++;
                        taggedCompared++;
                        payload = q.getPayload();
                    }
                    if (tag > 0) {
                        assertEquals(tag, EthernetHeader.tagCount(seg, 0), where + ": tags");
                        assertEquals(payload == null ? -1 : EthernetHeader.innerEtherType(seg, 0),
                                payload == null ? -1 : NetworkBytes.getU16(seg, EthernetHeader.headerLength(seg, 0) - 2));
                    }

                    if (EthernetHeader.innerEtherType(seg, 0) == EtherType.ARP) {
                        int l2 = EthernetHeader.headerLength(seg, 0);
                        ArpMessage.Problem ap = ArpMessage.validate(seg, l2, data.length - l2);
                        arp.merge(ap, 1, Integer::sum);
                        if (payload instanceof ArpPacket a) {
                            compareArp(a.getHeader(), seg, l2, where);
                            // pcap4j decodes any ARP of 28 bytes at fixed 6/4 offsets; every such
                            // ARP in the captures is Ethernet/IPv4 request or reply.
                            assertEquals(ArpMessage.Problem.NONE, ap, where);
                            arpCompared++;
                        } else if (payload instanceof IllegalPacket) {
                            assertNotEquals(ArpMessage.Problem.NONE, ap, where + ": pcap4j refused this ARP");
                        }
                        // Otherwise pcap4j stopped before the ARP (an 802.1ad tag it does not
                        // parse): EthernetTsharkTest compares those with tshark.
                    }
                }
            }
        }
        System.out.printf("%d files, %d frames: ethernet %s, arp %s; pcap4j agreed on %d VLAN tags and %d ARP messages,"
                + " could not decode %d frames: %s%n", files.size(), frames, ethernet, arp, taggedCompared, arpCompared,
                undecodable.size(), undecodable);
        assertTrue(undecodable.size() < 100, "pcap4j decodes most frames: " + undecodable.size() + " it cannot");
        assertTrue(taggedCompared >= 28, "the VLAN captures were compared");
        assertTrue(arpCompared >= 23, "the ARP captures were compared");
    }

    private static void compareArp(ArpPacket.ArpHeader a, MemorySegment seg, long off, String where) {
        assertEquals(a.getHardwareType().value() & 0xffff, ArpMessage.hardwareType(seg, off), where + ": htype");
        assertEquals(a.getProtocolType().value() & 0xffff, ArpMessage.protocolType(seg, off), where + ": ptype");
        assertEquals(a.getHardwareAddrLengthAsInt(), ArpMessage.hardwareLength(seg, off), where + ": hlen");
        assertEquals(a.getProtocolAddrLengthAsInt(), ArpMessage.protocolLength(seg, off), where + ": plen");
        assertEquals(a.getOperation().value() & 0xffff, ArpMessage.operation(seg, off), where + ": op");
        assertEquals(bits(a.getSrcHardwareAddr()), ArpMessage.senderHardwareAddress(seg, off), where + ": sha");
        assertEquals(ip(a.getSrcProtocolAddr()), ArpMessage.senderProtocolAddress(seg, off), where + ": spa");
        assertEquals(bits(a.getDstHardwareAddr()), ArpMessage.targetHardwareAddress(seg, off), where + ": tha");
        assertEquals(ip(a.getDstProtocolAddr()), ArpMessage.targetProtocolAddress(seg, off), where + ": tpa");
    }

    static long bits(MacAddress mac) {
        long v = 0;
        for (byte b : mac.getAddress()) {
            v = v << 8 | (b & 0xff);
        }
        return v;
    }

    static int ip(InetAddress a) {
        int v = 0;
        for (byte b : a.getAddress()) {
            v = v << 8 | (b & 0xff);
        }
        return v;
    }

    @Test
    void capturesWithNamedProblemsGetThem() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            // Frame shorter than an Ethernet header.
            byte[] cut = Pcap4jFrames.sharedFrame("zeek-trunc-trunc-hdr.pcap", 1).data();
            assertTrue(cut.length < EthernetHeader.HEADER_LENGTH);
            assertEquals(EthernetHeader.Problem.TRUNCATED, EthernetHeader.validate(exact(arena, cut), 0, cut.length));

            // An 802.1ad tag (VID 48) in front of an ARP with hardware type 0x3030 and hardware
            // length 14: well-formed Ethernet, an ARP this stack does not speak.
            MemorySegment f = exact(arena, Pcap4jFrames.sharedFrame("td-arp-too-long-tha.pcap", 1).data());
            int n = (int) f.byteSize();
            assertEquals(EthernetHeader.Problem.NONE, EthernetHeader.validate(f, 0, n));
            assertEquals(1, EthernetHeader.tagCount(f, 0));
            assertEquals(EtherType.QINQ, EthernetHeader.tagProtocol(f, 0, 0));
            assertEquals(48, EthernetHeader.outerVlanId(f, 0));
            assertEquals(EtherType.ARP, EthernetHeader.innerEtherType(f, 0));
            assertEquals(ArpMessage.Problem.UNSUPPORTED_HARDWARE_TYPE, ArpMessage.validate(f, 18, n - 18));
            assertEquals(0x3030, ArpMessage.hardwareType(f, 18));
            assertEquals(14, ArpMessage.hardwareLength(f, 18));
            // Were the hardware type Ethernet, the length would be the next complaint.
            ArpMessage.setHardwareType(f, 18, ArpMessage.HARDWARE_TYPE_ETHERNET);
            assertEquals(ArpMessage.Problem.BAD_HARDWARE_LENGTH, ArpMessage.validate(f, 18, n - 18));

            // RARP (RFC 903): EtherType 0x8035 is not ARP, so an IPv4 host drops it by type; fed
            // to the ARP codec anyway, its operations 3 and 4 are UNSUPPORTED_OPERATION.
            List<Pcap4jFrames.Frame> rarp = Pcap4jFrames.sharedCapture("libpcap-rarp_req_reply.pcapng");
            int[] ops = {ArpMessage.OPERATION_RARP_REQUEST, ArpMessage.OPERATION_RARP_REPLY};
            for (int i = 0; i < 2; i++) {
                MemorySegment r = exact(arena, rarp.get(i).data());
                assertEquals(EthernetHeader.Problem.NONE, EthernetHeader.validate(r, 0, (int) r.byteSize()));
                assertEquals(EtherType.RARP, EthernetHeader.innerEtherType(r, 0));
                assertEquals(ArpMessage.Problem.UNSUPPORTED_OPERATION, ArpMessage.validate(r, 14, (int) r.byteSize() - 14));
                assertEquals(ops[i], ArpMessage.operation(r, 14));
            }
            MemorySegment reply = exact(arena, rarp.get(1).data());
            assertEquals(0x000c_29c5_f69bL, ArpMessage.senderHardwareAddress(reply, 14));
            assertEquals(0x0a01010a, ArpMessage.senderProtocolAddress(reply, 14)); // 10.1.1.10
            assertEquals(0x000c_2934_0bdeL, ArpMessage.targetHardwareAddress(reply, 14));
            assertEquals(0x0a010164, ArpMessage.targetProtocolAddress(reply, 14)); // 10.1.1.100, the answer

            // Fuzzed RARP, 22 bytes: hardware type 0xff00, lengths 0: the type is the first complaint.
            MemorySegment g = exact(arena, Pcap4jFrames.sharedFrame("td-getname_2_read4_asan.pcap", 1).data());
            assertEquals(22, g.byteSize());
            assertEquals(EtherType.RARP, EthernetHeader.innerEtherType(g, 0));
            assertEquals(ArpMessage.Problem.UNSUPPORTED_HARDWARE_TYPE, ArpMessage.validate(g, 14, 8));

            // QinQ: S-VID 200, C-VID 2001, ARP request 172.21.79.97 asks for 172.21.79.100.
            for (Pcap4jFrames.Frame q : Pcap4jFrames.sharedCapture("td-802.1ad_QinQ.pcap")) {
                MemorySegment s = exact(arena, q.data());
                assertEquals(EthernetHeader.Problem.NONE, EthernetHeader.validate(s, 0, (int) s.byteSize()));
                assertEquals(2, EthernetHeader.tagCount(s, 0));
                assertEquals(22, EthernetHeader.headerLength(s, 0));
                assertEquals(200, EthernetHeader.outerVlanId(s, 0));
                assertEquals(2001, EthernetHeader.innerVlanId(s, 0));
                assertEquals(ArpMessage.Problem.NONE, ArpMessage.validate(s, 22, (int) s.byteSize() - 22));
            }

            // VLAN 0: a priority tag (802.1Q table 9-2), IPv4 inside.
            MemorySegment v0 = exact(arena, Pcap4jFrames.sharedFrame("zeek-http-vlan-0.pcap", 1).data());
            assertEquals(EthernetHeader.Problem.NONE, EthernetHeader.validate(v0, 0, (int) v0.byteSize()));
            assertEquals(VlanTag.VID_PRIORITY_ONLY, EthernetHeader.innerVlanId(v0, 0));
            assertEquals(EtherType.IPV4, EthernetHeader.innerEtherType(v0, 0));

            // A gratuitous ARP announces its sender's own address.
            MemorySegment ga = exact(arena, Pcap4jFrames.sharedFrame("cs-arp_gratuitous.pcapng", 1).data());
            assertEquals(ArpMessage.Problem.NONE, ArpMessage.validate(ga, 14, (int) ga.byteSize() - 14));
            assertTrue(ArpMessage.isGratuitous(ga, 14));
        }
    }

    @Test
    void rejectedCaptureFilesAreRejectedByTheReader() {
        int rejected = 0;
        for (SharedData.Capture entry : SharedData.captures()) {
            if (entry.rejected()) {
                Path path = entry.path();
                assertTrue(path.toFile().isFile(), path + " exists");
                // pcap4j's reader wraps libpcap's refusal.
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> Pcap4jFrames.sharedCapture(entry.file()), entry.file());
                assertInstanceOf(PcapNativeException.class, e.getCause(), entry.file() + ": libpcap refuses it");
                rejected++;
            }
        }
        assertEquals(2, rejected, "MANIFEST.tsv lists two files libpcap must reject");
    }

    @Test
    void sharedCapturesAreFound() {
        Path dir = SharedData.pcapsDirectory();
        assertTrue(dir.resolve("MANIFEST.tsv").toFile().isFile(), dir.toString());
        if (SharedData.captures().size() < 90) {
            fail("MANIFEST.tsv lists only " + SharedData.captures().size() + " captures");
        }
    }
}
