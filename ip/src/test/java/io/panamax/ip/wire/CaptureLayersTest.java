package io.panamax.ip.wire;

import io.panamax.reactor.testing.SharedData;
import io.panamax.nic.pcap.Pcap4jFrames;
import io.panamax.ethernet.wire.EtherType;
import io.panamax.ethernet.wire.EthernetHeader;
import io.panamax.ip.IpProtocol;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV4CommonPacket;
import org.pcap4j.packet.IcmpV4DestinationUnreachablePacket;
import org.pcap4j.packet.IcmpV4EchoPacket;
import org.pcap4j.packet.IcmpV4EchoReplyPacket;
import org.pcap4j.packet.IcmpV4TimeExceededPacket;
import org.pcap4j.packet.IllegalPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.Packet;
import org.pcap4j.packet.UdpPacket;
import org.pcap4j.packet.namednumber.IpV4OptionType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every frame of every shared capture walked through the layers as a host would (Ethernet → ARP,
 * IPv4 → ICMP or UDP, IPv6 → extension headers → ICMPv6 and ND, see {@link LayerWalk}): each gets a
 * parse or a named problem, never an
 * exception; the malformed captures get the problems their MANIFEST.tsv notes describe; and
 * wherever pcap4j decodes IPv4, ICMP or UDP, the codecs read the same values.
 */
class CaptureLayersTest {

    private static MemorySegment exact(Arena arena, byte[] data) {
        MemorySegment seg = arena.allocate(Math.max(1, data.length));
        MemorySegment.copy(MemorySegment.ofArray(data), 0, seg, 0, data.length);
        return seg.asSlice(0, data.length);
    }

    /** Outcome → frame numbers, e.g. {@code {icmp:NONE=[2], ipv4:BAD_CHECKSUM=[1]}}. */
    private static Map<String, List<Integer>> walk(String file) throws Exception {
        Map<String, List<Integer>> outcomes = new TreeMap<>();
        try (Arena arena = Arena.ofConfined()) {
            for (Pcap4jFrames.Frame f : Pcap4jFrames.sharedCapture(file)) {
                String o;
                try {
                    o = LayerWalk.walk(exact(arena, f.data()), 0, f.data().length);
                } catch (RuntimeException e) {
                    throw new AssertionError(file + " frame " + f.number() + ": the layer walk threw", e);
                }
                outcomes.computeIfAbsent(o, k -> new ArrayList<>()).add(f.number());
            }
        }
        return outcomes;
    }

    /**
     * The verdicts for the captures that exist to be malformed, and for the well-formed ones whose
     * verdict says something. Each reason is checked against the MANIFEST.tsv note and tshark.
     */
    private static final Map<String, String> EXPECTED = new LinkedHashMap<>();

    static {
        // IPv4/UDP claiming total length 65028 with ~1.5 KB present.
        EXPECTED.put("sv-ipv4-truncated.pcap", "{ipv4:BAD_TOTAL_LENGTH=[1]}");
        // IHL 4: a 16-byte header cannot hold the fixed fields.
        EXPECTED.put("td-ipv4_invalid_hdr_length.pcap", "{ipv4:BAD_IHL=[1]}");
        // Total length one byte more than the data present.
        EXPECTED.put("td-ipv4_invalid_total_length.pcap", "{ipv4:BAD_TOTAL_LENGTH=[1]}");
        // Total length 0 (pcap4j takes 0 for "TSO, use what is there"; a receiver cannot).
        EXPECTED.put("td-icmp-length-zero.pcapng", "{ipv4:BAD_TOTAL_LENGTH=[1]}");
        // IHL 15 but the capture stops 14 bytes into the options (snaplen 60); the options
        // themselves are checked in fuzzedRouteOptionIsRejected.
        EXPECTED.put("td-ip_printroute_asan.pcap", "{ipv4:TRUNCATED=[1]}");
        // UDP length 5 (< 8) inside a 100-byte IPv4 packet.
        EXPECTED.put("sv-udp-5379-udp-len-invalid.pcap", "{udp:BAD_LENGTH=[1]}");
        // UDP length 72 in an 86-byte IP payload: the 14 trailing bytes are trimmed, not an error.
        EXPECTED.put("sv-udp-5379-udp-trailing-data.pcap", "{udp:NONE=[1]}");
        EXPECTED.put("zeek-chksums-ip4-bad-chksum.pcap", "{ipv4:BAD_CHECKSUM=[1]}");
        EXPECTED.put("zeek-chksums-ip4-udp-bad-chksum.pcap", "{udp:BAD_CHECKSUM=[1]}");
        EXPECTED.put("zeek-chksums-ip4-icmp-good-chksum.pcap", "{icmp:NONE=[1]}");
        // TCP checksums are the TCP layer's; IPv4 is fine.
        EXPECTED.put("zeek-chksums-ip4-tcp-bad-chksum.pcap", "{ipv4-proto-6:NONE=[1]}");
        EXPECTED.put("zeek-trunc-ip4-trunc.pcap", "{ipv4:TRUNCATED=[1]}");
        EXPECTED.put("zeek-trunc-ipv4-internally-truncated-header.pcap", "{ipv4:TRUNCATED=[1]}");
        // IHL 15, total length 20: the total length cannot hold the header.
        EXPECTED.put("zeek-trunc-ipv4-truncated-broken-header.pcap", "{ipv4:BAD_TOTAL_LENGTH=[1]}");
        // Snaplen cut inside ICMP: the IP total length promises bytes that are not there.
        EXPECTED.put("zeek-trunc-icmp-header-trunc.pcap", "{ipv4:BAD_TOTAL_LENGTH=[1, 2]}");
        EXPECTED.put("zeek-trunc-trunc-hdr.pcap", "{ethernet:TRUNCATED=[1]}");
        // The sender's capture: checksum 0 on the first fragment group (TX offload, filled in
        // later by the NIC) fails here as it would on the wire's far end had the NIC not filled it.
        EXPECTED.put("cs-ip_frag_source.pcapng", "{ipv4-fragment:NONE=[4, 5, 6], ipv4:BAD_CHECKSUM=[1, 2, 3]}");
        EXPECTED.put("cs-ip_ttl_source.pcapng", "{icmp:NONE=[2], ipv4:BAD_CHECKSUM=[1]}");
        // Padding must be ignored: the IP checksum of this crafted RST is wrong anyway.
        EXPECTED.put("dnscap-ether_padd.pcap", "{ipv4:BAD_CHECKSUM=[1]}");
        // Crafted: TCP (1), UDP headers shorter than 8 bytes (2, 3), GRE (4), IPv6 (5-8).
        EXPECTED.put("sv-decode-too-small.pcap", "{ipv4-proto-47:NONE=[4], ipv4-proto-6:NONE=[1], ipv6-proto-17:NONE=[6, 7], "
                + "ipv6-proto-47:NONE=[8], ipv6-proto-6:NONE=[5], udp:TRUNCATED=[2, 3]}");
        // The record is 74 bytes but the file's snap length is 73: libpcap hands over 73, so the
        // IPv4 total length of 60 overruns the 59 bytes left (tshark reads all 74).
        EXPECTED.put("td-mptcp-dss-oobr.pcap", "{ipv4:BAD_TOTAL_LENGTH=[1]}");
        EXPECTED.put("td-heapoverflow-tcp_print.pcap", "{ipv4:BAD_CHECKSUM=[1]}");
        EXPECTED.put("td-tcp_header_heapoverflow.pcap", "{ipv4:BAD_CHECKSUM=[1]}");
        EXPECTED.put("td-vrrp-vrrp_print-oobr-2.pcap", "{ipv4:BAD_CHECKSUM=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}");
        // Non-last fragments of 18 bytes (not a multiple of 8, RFC 791): FreeBSD drops them,
        // Linux trims them to 16; this codec names them.
        EXPECTED.put("zeek-ipv4-fragmented-1.pcap", "{ipv4-fragment:NONE=[2, 3], ipv4:BAD_FRAGMENT_LENGTH=[1]}");
        EXPECTED.put("zeek-ipv4-fragmented-2.pcap", "{ipv4-fragment:NONE=[2], ipv4:BAD_FRAGMENT_LENGTH=[1, 3]}");
        EXPECTED.put("zeek-ipv4-fragmented-syn.pcap", "{ipv4-fragment:NONE=[1, 2]}");
        EXPECTED.put("sv-exception-policy-defrag-01.pcap", "{icmp:NONE=[3], ipv4-fragment:NONE=[1, 2]}");
        EXPECTED.put("libpcap-rarp_req_reply.pcapng", "{rarp:UNSUPPORTED_OPERATION=[1, 2]}");
        EXPECTED.put("td-arp-too-long-tha.pcap", "{arp:UNSUPPORTED_HARDWARE_TYPE=[1]}");
        EXPECTED.put("td-getname_2_read4_asan.pcap", "{rarp:UNSUPPORTED_HARDWARE_TYPE=[1]}");
        EXPECTED.put("td-802.1ad_QinQ.pcap", "{arp:NONE=[1, 2]}");
        EXPECTED.put("zeek-icmp-icmp-destunreach-ip.pcap", "{icmp:NONE=[1]}");
        EXPECTED.put("zeek-icmp-icmp-destunreach-udp.pcap", "{icmp:NONE=[1]}");
        EXPECTED.put("cs-icmp_echo.pcapng", "{icmp:NONE=[1, 2, 3, 4, 5, 6, 7, 8]}");
        EXPECTED.put("cs-http_ip4and6.pcapng", "{ipv4-proto-6:NONE=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "
                + "ipv6-proto-6:NONE=[11, 12, 13, 14, 15, 16, 17, 18, 19, 20]}");
        // shared/pcaps-v6: the malformed and refused ones, each as its MANIFEST.tsv note describes.
        // Routing header type 0 with segments left (RFC 5095): refused at the type field.
        EXPECTED.put("td-ipv6-routing-header.pcap", "{ipv6-ext:ROUTING_TYPE_0=[1, 2, 3, 4]}");
        EXPECTED.put("zeek-ipv6-hbh-routing0.pcap", "{ipv6-ext:ROUTING_TYPE_0=[1]}");
        EXPECTED.put("zeek-chksums-ip6-route0-tcp-good-chksum.pcap", "{ipv6-ext:ROUTING_TYPE_0=[1]}");
        // The Mobile IPv6 Home Address option (0xc9: action 11, RFC 8200 4.2), which a host without MIPv6 refuses.
        EXPECTED.put("zeek-chksums-ip6-hoa-tcp-good-chksum.pcap", "{ipv6-ext:UNKNOWN_OPTION_UNLESS_MULTICAST=[1]}");
        // Jumbograms (payload length 0, RFC 2675), with and without the option, and a payload length beyond the frame.
        EXPECTED.put("td-ipv6_jumbogram_1.pcap", "{ipv6:BAD_PAYLOAD_LENGTH=[1]}");
        EXPECTED.put("td-ipv6_missing_jumbo_payload_option.pcap", "{ipv6:BAD_PAYLOAD_LENGTH=[1]}");
        EXPECTED.put("td-ipv6_invalid_length_2.pcap", "{ipv6:BAD_PAYLOAD_LENGTH=[1]}");
        EXPECTED.put("td-ipv6_frag6_negative_len.pcap", "{ipv6-ext:TRUNCATED=[1]}");
        EXPECTED.put("td-ipv6-bad-version.pcap", "{ipv6:BAD_VERSION=[2, 4], ndp:NONE=[1, 3]}");
        EXPECTED.put("td-ipv6_no_next_header.pcap", "{ipv6-proto-59:NONE=[1]}");
        EXPECTED.put("zeek-trunc-ip6-trunc.pcap", "{ipv6:TRUNCATED=[1]}");
        // Echo requests to all-nodes from a multicast source ("remote smurf"): RFC 4291 2.7 forbids the source.
        EXPECTED.put("sv-ipv6-rsmurf.pcap", "{ipv6:BAD_SOURCE_ADDRESS=" + java.util.stream.IntStream.rangeClosed(1, 1000)
                .boxed().toList() + "}");
        EXPECTED.put("cs-ipv6_fragments.pcapng", "{ipv6-fragment:NONE=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, "
                + "19, 20], ndp:NONE=[21, 22]}");
        EXPECTED.put("zeek-ipv6_zero_len_ah.pcap", "{icmpv6:NONE=[1, 4, 6, 7, 8], ipv6-proto-51:NONE=[5], ndp:NONE=[2, 3, 9, 10]}");
        EXPECTED.put("cs-dhcp_nolease_initialization.pcapng", "{udp:NONE=[1, 2, 3, 4]}");
    }

    @Test
    void everyFrameOfEveryCaptureGetsAParseOrANamedProblem() throws Exception {
        int frames = 0;
        Map<String, Integer> totals = new TreeMap<>();
        Map<String, String> seen = new TreeMap<>();
        for (SharedData.Capture entry : SharedData.captures()) {
            if (entry.rejected()) {
                continue;
            }
            Map<String, List<Integer>> outcomes = walk(entry.file());
            int n = outcomes.values().stream().mapToInt(List::size).sum();
            assertEquals(entry.packets(), n, entry.file() + ": every frame has a verdict");
            frames += n;
            outcomes.forEach((o, list) -> totals.merge(o, list.size(), Integer::sum));
            seen.put(entry.file(), outcomes.toString());
        }
        System.out.println(frames + " frames: " + totals);
        for (Map.Entry<String, String> e : EXPECTED.entrySet()) {
            assertEquals(e.getValue(), seen.get(e.getKey()), e.getKey());
        }
        assertEquals(3792 + 1519, frames, "all frames of the 93 readable captures of pcaps and the 51 of pcaps-v6");
    }

    /**
     * The "auto" notes of MANIFEST.tsv count, per capture, the frames Wireshark found with a bad
     * IPv4 header checksum or a bad UDP checksum. The codecs' checksum verdicts must give the same
     * counts (checked on every frame whose header, or datagram, is all there).
     */
    @Test
    void checksumVerdictsMatchTheManifestCounts() throws Exception {
        Pattern badIp = Pattern.compile("(\\d+) bad IPv4 cksum");
        Pattern badUdp = Pattern.compile("(\\d+) bad UDP cksum");
        int ipChecked = 0;
        int udpChecked = 0;
        for (SharedData.Capture entry : SharedData.captures()) {
            if (entry.rejected()) {
                continue;
            }
            int ipBad = 0;
            int udpBad = 0;
            try (Arena arena = Arena.ofConfined()) {
                for (Pcap4jFrames.Frame f : Pcap4jFrames.sharedCapture(entry.file())) {
                    MemorySegment seg = exact(arena, f.data());
                    int n = f.data().length;
                    if (EthernetHeader.validate(seg, 0, n) != EthernetHeader.Problem.NONE
                            || EthernetHeader.innerEtherType(seg, 0) != EtherType.IPV4) {
                        continue;
                    }
                    long ip = EthernetHeader.headerLength(seg, 0);
                    int avail = n - (int) ip;
                    Ipv4Header.Problem p = Ipv4Header.validate(seg, ip, avail, false);
                    if (p == Ipv4Header.Problem.TRUNCATED || p == Ipv4Header.Problem.BAD_VERSION || p == Ipv4Header.Problem.BAD_IHL
                            || Ipv4Header.headerLength(seg, ip) > avail) {
                        continue; // no whole header to sum
                    }
                    ipChecked++;
                    if (!Ipv4Header.checksumValid(seg, ip)) {
                        ipBad++;
                    }
                    if (Ipv4Header.protocol(seg, ip) != IpProtocol.UDP || Ipv4Header.isFragment(seg, ip)
                            || Ipv4Header.totalLength(seg, ip) > avail) {
                        continue;
                    }
                    long udp = ip + Ipv4Header.headerLength(seg, ip);
                    int len = Ipv4Header.payloadLength(seg, ip);
                    if (UdpHeader.validate(seg, udp, len, 0, 0, false) != UdpHeader.Problem.NONE) {
                        continue;
                    }
                    udpChecked++;
                    if (!UdpHeader.checksumValid(seg, udp, UdpHeader.length(seg, udp), Ipv4Header.source(seg, ip), Ipv4Header.destination(seg, ip))) {
                        udpBad++;
                    }
                }
            }
            assertEquals(count(badIp, entry.notes()), ipBad, entry.file() + ": bad IPv4 header checksums");
            assertEquals(count(badUdp, entry.notes()), udpBad, entry.file() + ": bad UDP checksums");
        }
        System.out.println("checked " + ipChecked + " IPv4 header and " + udpChecked + " UDP checksums against MANIFEST.tsv");
        assertTrue(ipChecked > 3000 && udpChecked >= 140, "checksums compared");
    }

    private static int count(Pattern p, String notes) {
        Matcher m = p.matcher(notes);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    @Test
    void fieldsAgreeWithPcap4j() throws Exception {
        int ipCompared = 0;
        int optionsCompared = 0;
        int icmpCompared = 0;
        int quotesCompared = 0;
        int udpCompared = 0;
        for (SharedData.Capture entry : SharedData.captures()) {
            if (entry.rejected()) {
                continue;
            }
            try (Arena arena = Arena.ofConfined()) {
                for (Pcap4jFrames.Frame f : Pcap4jFrames.sharedCapture(entry.file())) {
                    String where = entry.file() + " frame " + f.number();
                    byte[] data = f.data();
                    MemorySegment seg = exact(arena, data);
                    if (EthernetHeader.validate(seg, 0, data.length) != EthernetHeader.Problem.NONE
                            || EthernetHeader.innerEtherType(seg, 0) != EtherType.IPV4) {
                        continue;
                    }
                    long ip = EthernetHeader.headerLength(seg, 0);
                    int avail = data.length - (int) ip;
                    Ipv4Header.Problem ipProblem = Ipv4Header.validate(seg, ip, avail);

                    EthernetPacket eth;
                    try {
                        eth = EthernetPacket.newPacket(data, 0, data.length);
                    } catch (IllegalRawDataException e) {
                        throw new AssertionError(where + ": pcap4j refused the Ethernet frame", e);
                    }
                    Packet l3 = eth.getPayload();
                    while (l3 != null && !(l3 instanceof IpV4Packet) && !(l3 instanceof IllegalPacket) && l3.getPayload() != null
                            && l3.getClass().getSimpleName().startsWith("Dot1q")) {
                        l3 = l3.getPayload();
                    }
                    if (l3 instanceof IllegalPacket) {
                        // pcap4j refuses fewer than 20 bytes, IHL < 5, a header longer than the
                        // data, a total length below the header: problems here too.
                        assertNotEquals(Ipv4Header.Problem.NONE, ipProblem, where + ": pcap4j refused this IPv4 header");
                        continue;
                    }
                    if (!(l3 instanceof IpV4Packet v4)) {
                        throw new AssertionError(where + ": pcap4j did not decode IPv4: " + (l3 == null ? null : l3.getClass()));
                    }
                    compareIpv4(v4.getHeader(), seg, ip, where);
                    ipCompared++;
                    if (ipProblem != Ipv4Header.Problem.BAD_OPTION_LENGTH && ipProblem != Ipv4Header.Problem.BAD_OPTION
                            && Ipv4Header.headerLength(seg, ip) > Ipv4Header.MIN_HEADER_LENGTH) {
                        assertEquals(pcap4jOptions(v4.getHeader()), options(seg, ip), where + ": options");
                        optionsCompared++;
                    }
                    if (ipProblem != Ipv4Header.Problem.NONE || Ipv4Header.isFragment(seg, ip)) {
                        continue;
                    }
                    long l4 = ip + Ipv4Header.headerLength(seg, ip);
                    int l4Length = Ipv4Header.payloadLength(seg, ip);
                    Packet t = v4.getPayload();
                    if (Ipv4Header.protocol(seg, ip) == IpProtocol.ICMP && t instanceof IcmpV4CommonPacket icmp) {
                        IcmpMessage.Problem p = IcmpMessage.validate(seg, l4, l4Length);
                        IcmpV4CommonPacket.IcmpV4CommonHeader h = icmp.getHeader();
                        assertEquals(h.getType().value() & 0xff, IcmpMessage.type(seg, l4), where + ": ICMP type");
                        assertEquals(h.getCode().value() & 0xff, IcmpMessage.code(seg, l4), where + ": ICMP code");
                        assertEquals(h.getChecksum() & 0xffff, IcmpMessage.checksum(seg, l4), where + ": ICMP checksum");
                        assertEquals(icmp.hasValidChecksum(false), IcmpMessage.checksumValid(seg, l4, l4Length), where + ": ICMP checksum verdict");
                        Packet body = icmp.getPayload();
                        if (body instanceof IcmpV4EchoPacket echo) {
                            assertEquals(echo.getHeader().getIdentifierAsInt(), IcmpMessage.identifier(seg, l4), where);
                            assertEquals(echo.getHeader().getSequenceNumberAsInt(), IcmpMessage.sequence(seg, l4), where);
                        } else if (body instanceof IcmpV4EchoReplyPacket echo) {
                            assertEquals(echo.getHeader().getIdentifierAsInt(), IcmpMessage.identifier(seg, l4), where);
                            assertEquals(echo.getHeader().getSequenceNumberAsInt(), IcmpMessage.sequence(seg, l4), where);
                        } else if (body instanceof IcmpV4DestinationUnreachablePacket du) {
                            // pcap4j keeps the 32 bits after the checksum as "unused"; RFC 1191
                            // puts the next-hop MTU in their low half.
                            assertEquals(du.getHeader().getUnused() & 0xffff, IcmpMessage.nextHopMtu(seg, l4), where);
                            quotesCompared += compareQuote(du.getPayload(), seg, l4, where);
                        } else if (body instanceof IcmpV4TimeExceededPacket te) {
                            assertEquals(te.getHeader().getUnused(), IcmpMessage.restOfHeader(seg, l4), where);
                            quotesCompared += compareQuote(te.getPayload(), seg, l4, where);
                        }
                        if (body instanceof IllegalPacket) {
                            assertNotEquals(IcmpMessage.Problem.NONE, p, where + ": pcap4j refused the ICMP body");
                        }
                        icmpCompared++;
                    } else if (Ipv4Header.protocol(seg, ip) == IpProtocol.UDP && t instanceof UdpPacket u) {
                        UdpHeader.Problem p = UdpHeader.validate(seg, l4, l4Length, Ipv4Header.source(seg, ip), Ipv4Header.destination(seg, ip));
                        UdpPacket.UdpHeader h = u.getHeader();
                        assertEquals(h.getSrcPort().valueAsInt(), UdpHeader.sourcePort(seg, l4), where + ": source port");
                        assertEquals(h.getDstPort().valueAsInt(), UdpHeader.destinationPort(seg, l4), where + ": destination port");
                        assertEquals(h.getLengthAsInt(), UdpHeader.length(seg, l4), where + ": length");
                        assertEquals(h.getChecksum() & 0xffff, UdpHeader.checksum(seg, l4), where + ": checksum");
                        if (p != UdpHeader.Problem.BAD_LENGTH) {
                            boolean pcap4jValid = u.hasValidChecksum(v4.getHeader().getSrcAddr(), v4.getHeader().getDstAddr(), true);
                            assertEquals(pcap4jValid, p == UdpHeader.Problem.NONE, where + ": UDP checksum verdict " + p);
                        }
                        udpCompared++;
                    } else if (Ipv4Header.protocol(seg, ip) == IpProtocol.UDP && t instanceof IllegalPacket) {
                        // pcap4j refuses UDP shorter than 8 bytes or a length field below 8.
                        UdpHeader.Problem p = UdpHeader.validate(seg, l4, l4Length, 0, 0, false);
                        assertTrue(p == UdpHeader.Problem.TRUNCATED || p == UdpHeader.Problem.BAD_LENGTH, where + ": " + p);
                    }
                }
            }
        }
        System.out.printf("pcap4j agreed on %d IPv4 headers (%d with options), %d ICMP messages (%d quotes), %d UDP datagrams%n",
                ipCompared, optionsCompared, icmpCompared, quotesCompared, udpCompared);
        assertTrue(ipCompared > 3500, "IPv4 headers compared: " + ipCompared);
        assertTrue(icmpCompared >= 100, "ICMP messages compared: " + icmpCompared);
        assertTrue(quotesCompared >= 20, "ICMP quotes compared: " + quotesCompared);
        assertTrue(udpCompared >= 139, "UDP datagrams compared: " + udpCompared);
    }

    /** ICMP errors from real routers and hosts: the quote is read in place with Ipv4Header and UdpHeader. */
    @Test
    void icmpErrorsQuoteTheDatagramThatCausedThem() throws Exception {
        // A destination unreachable quoting only an IP header (protocol 0), no data after it:
        // well formed for the codec, too short for a transport to find its ports.
        MemorySegment f = MemorySegment.ofArray(Pcap4jFrames.sharedFrame("zeek-icmp-icmp-destunreach-ip.pcap", 1).data());
        long icmp = 14 + 20;
        int len = Ipv4Header.payloadLength(f, 14);
        assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(f, icmp, len));
        assertEquals(IcmpMessage.TYPE_DESTINATION_UNREACHABLE, IcmpMessage.type(f, icmp));
        assertEquals(0, Ipv4Header.protocol(f, icmp + IcmpMessage.OFFSET_DATA));
        assertEquals(0, IcmpMessage.quotedDataLength(f, icmp, len));

        // Port unreachable for a DNS answer from port 53 to 59207 (tshark's reading).
        MemorySegment u = MemorySegment.ofArray(Pcap4jFrames.sharedFrame("zeek-icmp-icmp-destunreach-udp.pcap", 1).data());
        len = Ipv4Header.payloadLength(u, 14);
        assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(u, icmp, len));
        assertEquals(IcmpMessage.CODE_PORT_UNREACHABLE, IcmpMessage.code(u, icmp));
        long quoted = icmp + IcmpMessage.OFFSET_DATA;
        assertEquals(IpProtocol.UDP, Ipv4Header.protocol(u, quoted));
        assertTrue(IcmpMessage.quotedDataLength(u, icmp, len) >= IcmpMessage.QUOTED_DATA_MIN);
        long quotedUdp = quoted + Ipv4Header.headerLength(u, quoted);
        assertEquals(53, UdpHeader.sourcePort(u, quotedUdp));
        assertEquals(59207, UdpHeader.destinationPort(u, quotedUdp));

        // Traceroute: each time exceeded quotes the echo request whose TTL ran out.
        List<Pcap4jFrames.Frame> trace = Pcap4jFrames.sharedCapture("cs-icmp_traceroute.pcapng");
        MemorySegment request = MemorySegment.ofArray(trace.get(0).data());
        MemorySegment answer = MemorySegment.ofArray(trace.get(1).data());
        assertEquals(IcmpMessage.TYPE_ECHO_REQUEST, IcmpMessage.type(request, icmp));
        assertEquals(1, Ipv4Header.ttl(request, 14));
        len = Ipv4Header.payloadLength(answer, 14);
        assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(answer, icmp, len));
        assertEquals(IcmpMessage.TYPE_TIME_EXCEEDED, IcmpMessage.type(answer, icmp));
        assertEquals(IcmpMessage.CODE_TTL_EXCEEDED_IN_TRANSIT, IcmpMessage.code(answer, icmp));
        long quotedIcmp = quoted + Ipv4Header.headerLength(answer, quoted);
        assertEquals(Ipv4Header.identification(request, 14), Ipv4Header.identification(answer, quoted));
        assertEquals(IcmpMessage.identifier(request, icmp), IcmpMessage.identifier(answer, quotedIcmp));
        assertEquals(IcmpMessage.sequence(request, icmp), IcmpMessage.sequence(answer, quotedIcmp));
    }

    private static void compareIpv4(IpV4Packet.IpV4Header h, MemorySegment seg, long ip, String where) {
        assertEquals(h.getVersion().value() & 0xff, Ipv4Header.version(seg, ip), where + ": version");
        assertEquals(h.getIhlAsInt(), Ipv4Header.ihl(seg, ip), where + ": IHL");
        assertEquals(h.getTos().value() & 0xff, Ipv4Header.dscpEcn(seg, ip), where + ": DSCP/ECN");
        assertEquals(h.getTotalLengthAsInt(), Ipv4Header.totalLength(seg, ip), where + ": total length");
        assertEquals(h.getIdentificationAsInt(), Ipv4Header.identification(seg, ip), where + ": identification");
        assertEquals(h.getReservedFlag(), Ipv4Header.reservedFlag(seg, ip), where + ": reserved flag");
        assertEquals(h.getDontFragmentFlag(), Ipv4Header.dontFragment(seg, ip), where + ": DF");
        assertEquals(h.getMoreFragmentFlag(), Ipv4Header.moreFragments(seg, ip), where + ": MF");
        assertEquals(h.getFragmentOffset(), Ipv4Header.fragmentOffset(seg, ip), where + ": fragment offset");
        assertEquals(h.getTtlAsInt(), Ipv4Header.ttl(seg, ip), where + ": TTL");
        assertEquals(h.getProtocol().value() & 0xff, Ipv4Header.protocol(seg, ip), where + ": protocol");
        assertEquals(h.getHeaderChecksum() & 0xffff, Ipv4Header.headerChecksum(seg, ip), where + ": checksum");
        assertEquals(h.hasValidChecksum(false), Ipv4Header.checksumValid(seg, ip), where + ": checksum verdict");
        assertEquals(ip(h.getSrcAddr()), Ipv4Header.source(seg, ip), where + ": source");
        assertEquals(ip(h.getDstAddr()), Ipv4Header.destination(seg, ip), where + ": destination");
    }

    /** The quoted datagram of an ICMP error as pcap4j decoded it, against the codec's reading. */
    private static int compareQuote(Packet quoted, MemorySegment seg, long icmp, String where) {
        if (!(quoted instanceof IpV4Packet q)) {
            return 0;
        }
        long at = icmp + IcmpMessage.OFFSET_DATA;
        assertEquals(ip(q.getHeader().getSrcAddr()), Ipv4Header.source(seg, at), where + ": quoted source");
        assertEquals(ip(q.getHeader().getDstAddr()), Ipv4Header.destination(seg, at), where + ": quoted destination");
        assertEquals(q.getHeader().getProtocol().value() & 0xff, Ipv4Header.protocol(seg, at), where + ": quoted protocol");
        assertEquals(q.getHeader().getIdentificationAsInt(), Ipv4Header.identification(seg, at), where + ": quoted identification");
        return 1;
    }

    /** "type/length" of each option pcap4j decoded, NOPs left out, up to End of Option List. */
    private static List<String> pcap4jOptions(IpV4Packet.IpV4Header h) {
        List<String> out = new ArrayList<>();
        for (IpV4Packet.IpV4Option o : h.getOptions()) {
            if (o.getType().equals(IpV4OptionType.END_OF_OPTION_LIST)) {
                break;
            }
            if (!o.getType().equals(IpV4OptionType.NO_OPERATION)) {
                out.add((o.getType().value() & 0xff) + "/" + o.length());
            }
        }
        return out;
    }

    private static List<String> options(MemorySegment seg, long ip) {
        List<String> out = new ArrayList<>();
        for (int p = Ipv4Header.firstOption(seg, ip); p >= 0; p = Ipv4Header.nextOption(seg, ip, p)) {
            out.add(Ipv4Header.optionType(seg, ip, p) + "/" + Ipv4Header.optionLength(seg, ip, p));
        }
        return out;
    }

    static int ip(InetAddress a) {
        int v = 0;
        for (byte b : a.getAddress()) {
            v = v << 8 | (b & 0xff);
        }
        return v;
    }
}
