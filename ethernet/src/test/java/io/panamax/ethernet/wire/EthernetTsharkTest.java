package io.panamax.ethernet.wire;

import io.panamax.reactor.buffer.NetworkBytes;
import io.panamax.reactor.testing.SharedData;
import io.panamax.nic.pcap.Pcap4jFrames;
import io.panamax.nic.pcap.Tshark;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tshark as the second decoder of the Ethernet and ARP captures, and the tie-breaker where pcap4j
 * cannot speak: pcap4j 1.8.2 parses neither 802.1ad tags (td-802.1ad_QinQ.pcap,
 * td-arp-too-long-tha.pcap) nor RARP (libpcap-rarp_req_reply.pcapng, td-getname_2_read4_asan.pcap),
 * so for those frames tshark's reading is the reference. Every frame of every capture that holds
 * ARP, RARP or VLAN tags is compared field by field.
 */
class EthernetTsharkTest {
    private static final String[] FIELDS = {
        "eth.dst", "eth.src", "eth.type", "ieee8021ad.id", "vlan.id", "vlan.priority", "vlan.etype",
        "arp.hw.type", "arp.proto.type", "arp.hw.size", "arp.proto.size", "arp.opcode",
        "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4",
    };

    @Test
    void ethernetVlanAndArpFieldsAgreeWithTshark() throws Exception {
        Tshark.require();
        int files = 0;
        int arpCompared = 0;
        int tagsCompared = 0;
        for (SharedData.Capture entry : SharedData.captures()) {
            String protocols = entry.protocols();
            boolean relevant = protocols.contains("arp") || protocols.contains("vlan") || protocols.contains("ieee8021ad")
                    || entry.file().equals("zeek-trunc-trunc-hdr.pcap") || entry.file().contains("rarp");
            if (entry.rejected() || !relevant) {
                continue;
            }
            files++;
            List<Pcap4jFrames.Frame> frames = Pcap4jFrames.sharedCapture(entry.file());
            List<Map<String, String>> rows = Tshark.fieldRows(entry.path(), List.of(), FIELDS);
            assertEquals(frames.size(), rows.size(), entry.file() + ": tshark frame count");
            for (Pcap4jFrames.Frame frame : frames) {
                String where = entry.file() + " frame " + frame.number();
                Map<String, String> t = rows.get(frame.number() - 1);
                MemorySegment seg = MemorySegment.ofArray(frame.data());
                int n = frame.data().length;
                if (EthernetHeader.validate(seg, 0, n) == EthernetHeader.Problem.TRUNCATED) {
                    assertEquals("", t.get("eth.type"), where + ": tshark could not decode Ethernet either");
                    continue;
                }
                assertEquals(Tshark.mac(t.get("eth.dst")), EthernetHeader.destination(seg, 0), where + ": eth.dst");
                assertEquals(Tshark.mac(t.get("eth.src")), EthernetHeader.source(seg, 0), where + ": eth.src");
                assertEquals(Tshark.number(t.get("eth.type")), EthernetHeader.etherType(seg, 0), where + ": eth.type");

                // tshark lists S-tag VIDs under ieee8021ad.id and C-tag VIDs under vlan.id.
                String[] sVids = split(t.get("ieee8021ad.id"));
                String[] cVids = split(t.get("vlan.id"));
                String[] cTypes = split(t.get("vlan.etype"));
                int tags = EthernetHeader.tagCount(seg, 0);
                assertEquals(sVids.length + cVids.length, tags, where + ": tags");
                int s = 0;
                int c = 0;
                for (int i = 0; i < tags; i++) {
                    int vid = VlanTag.vlanId(EthernetHeader.tagControl(seg, 0, i));
                    if (EthernetHeader.tagProtocol(seg, 0, i) == EtherType.QINQ) {
                        assertEquals(Tshark.number(sVids[s++]), vid, where + ": S-VID");
                    } else {
                        assertEquals(Tshark.number(cVids[c]), vid, where + ": C-VID");
                        assertEquals(Tshark.number(cTypes[c]), NetworkBytes.getU16(seg, EthernetHeader.OFFSET_ETHER_TYPE + (i + 1) * VlanTag.LENGTH), where + ": vlan.etype");
                        c++;
                    }
                    tagsCompared++;
                }

                int type = EthernetHeader.innerEtherType(seg, 0);
                if (type != EtherType.ARP && type != EtherType.RARP) {
                    assertEquals("", t.get("arp.opcode"), where + ": tshark saw ARP where the codec saw " + EtherType.name(type));
                    continue;
                }
                int l2 = EthernetHeader.headerLength(seg, 0);
                ArpMessage.Problem p = ArpMessage.validate(seg, l2, n - l2);
                if (p == ArpMessage.Problem.TRUNCATED) {
                    continue;
                }
                assertEquals(Tshark.number(t.get("arp.hw.type")), ArpMessage.hardwareType(seg, l2), where + ": htype");
                assertEquals(Tshark.number(t.get("arp.proto.type")), ArpMessage.protocolType(seg, l2), where + ": ptype");
                assertEquals(Tshark.number(t.get("arp.hw.size")), ArpMessage.hardwareLength(seg, l2), where + ": hlen");
                assertEquals(Tshark.number(t.get("arp.proto.size")), ArpMessage.protocolLength(seg, l2), where + ": plen");
                assertEquals(Tshark.number(t.get("arp.opcode")), ArpMessage.operation(seg, l2), where + ": op");
                // The addresses sit at the fixed Ethernet/IPv4 offsets only when the lengths are
                // 6 and 4: then the codec reads them (for RARP too, whose layout is the same).
                if (p == ArpMessage.Problem.NONE || p == ArpMessage.Problem.UNSUPPORTED_OPERATION) {
                    assertEquals(Tshark.mac(t.get("arp.src.hw_mac")), ArpMessage.senderHardwareAddress(seg, l2), where + ": sha");
                    assertEquals(ip(t.get("arp.src.proto_ipv4")), ArpMessage.senderProtocolAddress(seg, l2), where + ": spa");
                    assertEquals(Tshark.mac(t.get("arp.dst.hw_mac")), ArpMessage.targetHardwareAddress(seg, l2), where + ": tha");
                    assertEquals(ip(t.get("arp.dst.proto_ipv4")), ArpMessage.targetProtocolAddress(seg, l2), where + ": tpa");
                }
                arpCompared++;
            }
        }
        System.out.printf("tshark agreed on %d files: %d VLAN tags, %d ARP/RARP messages%n", files, tagsCompared, arpCompared);
        assertTrue(arpCompared >= 29, "ARP, RARP and the malformed ARP frames were compared: " + arpCompared);
        assertTrue(tagsCompared >= 33, "802.1Q and 802.1ad tags were compared: " + tagsCompared);
    }

    private static String[] split(String v) {
        return v == null || v.isEmpty() ? new String[0] : v.split(",");
    }

    private static int ip(String dotted) throws Exception {
        return EthernetCapturesTest.ip(InetAddress.getByName(dotted));
    }
}
