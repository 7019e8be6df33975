package io.panamax.ip.wire;

import io.panamax.ethernet.wire.EtherType;
import io.panamax.ethernet.wire.EthernetHeader;
import io.panamax.ip.IpProtocol;
import io.panamax.ip.Ipv6Address;
import io.panamax.nic.pcap.Pcap4jFrames;
import io.panamax.nic.pcap.Tshark;
import io.panamax.reactor.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Ipv6Header}, {@link Ipv6Extensions}, {@link Icmpv6Message} and {@link NdpMessage} against
 * tshark on every IPv6 frame of the 51 captures of {@code shared/pcaps-v6}: header fields, where
 * the walk lands (the upper-layer header tshark decodes at the same place), ICMPv6 checksum
 * verdicts, and the Neighbor Discovery targets and options.
 */
class Ipv6CapturesTest {

    private static final String[] FIELDS = {"frame.protocols", "ipv6.version", "ipv6.plen", "ipv6.nxt", "ipv6.hlim",
            "ipv6.src", "ipv6.dst", "icmpv6.type", "icmpv6.code", "icmpv6.checksum.status", "udp.srcport", "tcp.srcport",
            "icmpv6.nd.ns.target_address", "icmpv6.nd.na.target_address", "icmpv6.opt.type", "icmpv6.opt.linkaddr",
            "icmpv6.opt.prefix", "_ws.malformed", "ipv6.fraghdr.offset"};

    static List<Path> captures() throws IOException {
        Path dir = SharedData.directory().resolve("pcaps-v6");
        List<Path> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("MANIFEST.tsv"))) {
            if (!line.startsWith("file\t") && !line.isBlank()) {
                out.add(dir.resolve(line.substring(0, line.indexOf('\t'))));
            }
        }
        return out;
    }

    @Test
    void everyIpv6FrameAgreesWithTshark() throws IOException {
        Tshark.require();
        int headers = 0;
        int walks = 0;
        int icmp = 0;
        int nd = 0;
        List<Path> files = captures();
        assertEquals(51, files.size(), "pcaps-v6/MANIFEST.tsv lists 51 captures");
        // One tshark run over all captures end to end (mergecap -a): one per capture took minutes.
        Path all = Files.createTempFile("pmx-pcaps-v6", ".pcapng");
        List<String> merge = new ArrayList<>(List.of("mergecap", "-a", "-F", "pcapng", "-w", all.toString()));
        files.forEach(f -> merge.add(f.toString()));
        try {
            Process m = new ProcessBuilder(merge).redirectErrorStream(true).start();
            String out = new String(m.getInputStream().readAllBytes());
            assertEquals(0, m.waitFor(), "mergecap: " + out);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        List<Map<String, String>> allRows;
        try {
            allRows = Tshark.fieldRows(all, List.of(), FIELDS);
        } finally {
            Files.deleteIfExists(all);
        }
        int row = 0;
        for (Path file : files) {
            List<Pcap4jFrames.Frame> frames = Pcap4jFrames.read(file);
            List<Map<String, String>> rows = allRows.subList(row, Math.min(allRows.size(), row + frames.size()));
            row += frames.size();
            assertEquals(frames.size(), rows.size(), file.toString());
            for (int i = 0; i < frames.size(); i++) {
                byte[] f = frames.get(i).data();
                MemorySegment seg = MemorySegment.ofArray(f);
                if (EthernetHeader.validate(seg, 0, f.length) != EthernetHeader.Problem.NONE
                        || EthernetHeader.innerEtherType(seg, 0) != EtherType.IPV6) {
                    continue;
                }
                Map<String, String> t = rows.get(i);
                String where = file.getFileName() + " frame " + (i + 1);
                int ip = EthernetHeader.headerLength(seg, 0);
                int available = f.length - ip;
                Ipv6Header.Problem p = Ipv6Header.validate(seg, ip, available);
                if (!first(t, "ipv6.version").equals("6")) {
                    assertNotEquals(Ipv6Header.Problem.NONE, p, where + ": tshark sees version " + t.get("ipv6.version"));
                    continue;
                }
                if (p == Ipv6Header.Problem.TRUNCATED) {
                    continue;
                }
                assertEquals(Integer.parseInt(first(t, "ipv6.plen")), Ipv6Header.payloadLength(seg, ip), where);
                assertEquals(Integer.parseInt(first(t, "ipv6.nxt")), Ipv6Header.nextHeader(seg, ip), where);
                assertEquals(Integer.parseInt(first(t, "ipv6.hlim")), Ipv6Header.hopLimit(seg, ip), where);
                assertEquals(first(t, "ipv6.src"), Ipv6Address.toString(Ipv6Header.sourceHigh(seg, ip), Ipv6Header.sourceLow(seg, ip)), where);
                assertEquals(first(t, "ipv6.dst"), Ipv6Address.toString(Ipv6Header.destinationHigh(seg, ip), Ipv6Header.destinationLow(seg, ip)), where);
                headers++;
                if (p != Ipv6Header.Problem.NONE) {
                    continue;
                }
                int length = Ipv6Header.HEADER_LENGTH + Ipv6Header.payloadLength(seg, ip);
                long r = Ipv6Extensions.walk(seg.asSlice(0, ip + length), ip, length);
                if (Ipv6Extensions.problem(r) != Ipv6Extensions.Problem.NONE) {
                    continue;
                }
                walks++;
                int upper = ip + Ipv6Extensions.upperLayerOffset(r);
                int upperLength = length - Ipv6Extensions.upperLayerOffset(r);
                String protocols = t.get("frame.protocols");
                switch (Ipv6Extensions.protocol(r)) {
                    case IpProtocol.UDP -> {
                        if (!first(t, "udp.srcport").isEmpty()) {
                            assertEquals(Integer.parseInt(first(t, "udp.srcport")), UdpHeader.sourcePort(seg, upper), where);
                        }
                    }
                    case IpProtocol.TCP -> {
                        if (!first(t, "tcp.srcport").isEmpty()) {
                            assertEquals(Integer.parseInt(first(t, "tcp.srcport")), UdpHeader.sourcePort(seg, upper), where);
                        }
                    }
                    case Ipv6Extensions.FRAGMENT -> assertTrue(protocols.contains("ipv6.fraghdr"), where + " " + protocols);
                    case IpProtocol.ICMPV6 -> {
                        assertTrue(protocols.contains("icmpv6"), where + " " + protocols);
                        icmp += checkIcmpv6(seg, ip, upper, upperLength, t, where);
                        nd += checkNd(seg, ip, upper, upperLength, t, where);
                    }
                    default -> {
                    }
                }
            }
        }
        assertTrue(headers >= 1400 && walks >= 450 && icmp >= 200 && nd >= 60,
                "compared " + headers + " headers, " + walks + " walks, " + icmp + " ICMPv6 checksums, " + nd + " ND messages");
    }

    private static int checkIcmpv6(MemorySegment seg, int ip, int at, int length, Map<String, String> t, String where) {
        if (at + length > seg.byteSize() || length < Icmpv6Message.HEADER_LENGTH) {
            return 0;
        }
        assertEquals(Integer.parseInt(first(t, "icmpv6.type")), Icmpv6Message.type(seg, at), where);
        assertEquals(Integer.parseInt(first(t, "icmpv6.code")), Icmpv6Message.code(seg, at), where);
        String status = first(t, "icmpv6.checksum.status");
        if (status.isEmpty() || status.equals("2")) {
            return 0; // unverified by tshark
        }
        Icmpv6Message.Problem p = Icmpv6Message.validate(seg, at, length, Icmpv6Message.pseudoHeaderSum(seg, ip, length), true);
        assertEquals(status.equals("1"), p == Icmpv6Message.Problem.NONE, where + ": tshark's checksum status " + status + ", ours " + p);
        return 1;
    }

    private static int checkNd(MemorySegment seg, int ip, int at, int length, Map<String, String> t, String where) {
        NdpMessage.Problem p = NdpMessage.validate(seg, at, length, Ipv6Header.hopLimit(seg, ip),
                Ipv6Header.sourceHigh(seg, ip), Ipv6Header.sourceLow(seg, ip),
                Ipv6Header.destinationHigh(seg, ip), Ipv6Header.destinationLow(seg, ip));
        if (p == NdpMessage.Problem.NOT_NDP) {
            return 0;
        }
        assertEquals(NdpMessage.Problem.NONE, p, where + " is a valid ND message to tshark (" + t.get("_ws.malformed") + ")");
        int type = Icmpv6Message.type(seg, at);
        String target = type == Icmpv6Message.TYPE_NEIGHBOR_SOLICITATION ? first(t, "icmpv6.nd.ns.target_address")
                : type == Icmpv6Message.TYPE_NEIGHBOR_ADVERTISEMENT ? first(t, "icmpv6.nd.na.target_address") : null;
        if (target != null) {
            assertEquals(target, Ipv6Address.toString(NdpMessage.targetHigh(seg, at), NdpMessage.targetLow(seg, at)), where);
        }
        List<String> types = new ArrayList<>();
        List<String> macs = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        for (int o = NdpMessage.firstOption(seg, at, length); o >= 0; o = NdpMessage.nextOption(seg, at, length, o)) {
            int ot = NdpMessage.optionType(seg, at, o);
            types.add(Integer.toString(ot));
            if ((ot == NdpMessage.OPTION_SOURCE_LINK_LAYER_ADDRESS || ot == NdpMessage.OPTION_TARGET_LINK_LAYER_ADDRESS)
                    && NdpMessage.optionWellFormed(seg, at, o)) {
                macs.add(new io.panamax.nic.MacAddress(NdpMessage.linkLayerAddress(seg, at, o)).toString());
            }
            if (ot == NdpMessage.OPTION_PREFIX_INFORMATION && NdpMessage.optionWellFormed(seg, at, o)) {
                prefixes.add(Ipv6Address.toString(NdpMessage.prefixHigh(seg, at, o), NdpMessage.prefixLow(seg, at, o)));
            }
        }
        // tshark lists the options of the message first; a redirected header's quoted packet may add more.
        List<String> theirs = List.of(t.get("icmpv6.opt.type").split(","));
        assertEquals(types, theirs.subList(0, Math.min(theirs.size(), types.size())), where + " option types");
        if (!macs.isEmpty()) {
            assertEquals(macs, List.of(t.get("icmpv6.opt.linkaddr").split(",")).subList(0, macs.size()), where + " link-layer addresses");
        }
        if (!prefixes.isEmpty()) {
            assertEquals(prefixes, List.of(t.get("icmpv6.opt.prefix").split(",")).subList(0, prefixes.size()), where + " prefixes");
        }
        return 1;
    }

    private static String first(Map<String, String> t, String field) {
        String v = t.getOrDefault(field, "");
        int comma = v.indexOf(',');
        return comma < 0 ? v : v.substring(0, comma);
    }
}
