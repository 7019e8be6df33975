package io.panamax.pcaptests.fuzz;

import io.panamax.nic.pcap.Pcap4jFrames;
import io.panamax.reactor.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed corpus of the fuzz targets: real headers and frames cut out of the shared captures
 * (the ones the captures' authors kept because they broke a decoder are among them), committed
 * as {@code seed-*} files in each target's Jazzer inputs directory, where regression mode runs
 * them as ordinary tests and fuzzing starts from them. This test derives them again and fails if
 * a committed seed differs or is missing; {@code -Dpanamax.fuzz.seeds.write=true} (re)writes them.
 * Inputs the fuzzer found are kept beside them under other names and left alone here.
 */
class FuzzSeedsTest {
    private static final Path INPUTS = Path.of(System.getProperty("user.dir"))
            .resolve("src/test/resources/io/panamax/pcaptests/fuzz");

    /** Which frames of which captures seed which target, and how a frame becomes an input. */
    record Target(String testClass, String method, Map<String, List<Integer>> frames, Function<byte[], byte[]> input) {
        Path directory() {
            return INPUTS.resolve(testClass + "Inputs").resolve(method);
        }
    }

    static List<Target> targets() {
        return List.of(
                new Target("EthernetHeaderFuzzTest", "validateAcceptsOnlyWholeHeadersAndNeverThrows",
                        Map.of("cs-tcp_handshake.pcapng", List.of(1), "zeek-http-vlan-0.pcap", List.of(1),
                                "td-802.1ad_QinQ.pcap", List.of(1), "zeek-trunc-trunc-hdr.pcap", List.of(1),
                                "libpcap-rarp_req_reply.pcapng", List.of(1)),
                        f -> FuzzBytes.encode(0, false, 0, new byte[0], f)),
                new Target("ArpMessageFuzzTest", "validateAndReplyKeepTheirPromises",
                        Map.of("cs-arp_resolution.pcapng", List.of(1, 2), "td-arp-too-long-tha.pcap", List.of(1),
                                "td-getname_2_read4_asan.pcap", List.of(1), "libpcap-rarp_req_reply.pcapng", List.of(1)),
                        f -> FuzzBytes.encode(0, false, 0, new byte[] {2, 0, 0, 0, 0, 1}, l3(f))),
                new Target("Ipv4HeaderFuzzTest", "validateAndTheOptionIteratorKeepTheirPromises",
                        Map.of("cs-tcp_handshake.pcapng", List.of(1), "td-ip_printroute_asan.pcap", List.of(1),
                                "cs-ip_frag_source.pcapng", List.of(1, 3), "td-ipv4_invalid_hdr_length.pcap", List.of(1),
                                "zeek-trunc-ipv4-internally-truncated-header.pcap", List.of(1),
                                "td-vrrp-vrrp_print-oobr-2.pcap", List.of(1), "sv-ipv4-truncated.pcap", List.of(1)),
                        f -> FuzzBytes.encode(0, true, 0, new byte[0], l3(f))),
                new Target("IcmpMessageFuzzTest", "validateAndTheEchoReplyKeepTheirPromises",
                        Map.of("cs-icmp_echo.pcapng", List.of(1), "zeek-chksums-ip4-icmp-good-chksum.pcap", List.of(1),
                                "cs-icmp_traceroute.pcapng", List.of(2, 26), "zeek-icmp-icmp-destunreach-udp.pcap", List.of(1),
                                "zeek-icmp-icmp-destunreach-ip.pcap", List.of(1), "td-icmp-length-zero.pcapng", List.of(1)),
                        f -> FuzzBytes.encode(0, true, 0, new byte[0], l4(f))),
                new Target("UdpHeaderFuzzTest", "validateAndChecksumKeepTheirPromises",
                        Map.of("cs-udp_dnsrequest.pcapng", List.of(1), "sv-udp-5379-udp-len-invalid.pcap", List.of(1),
                                "sv-udp-5379-udp-trailing-data.pcap", List.of(1), "zeek-chksums-ip4-udp-bad-chksum.pcap", List.of(1)),
                        f -> FuzzBytes.encode(0, true, 0, Arrays.copyOfRange(l3(f), 12, 20), l4(f))),
                new Target("TcpHeaderFuzzTest", "checkAndTheOptionAreaKeepTheirPromises",
                        Map.of("cs-tcp_handshake.pcapng", List.of(1, 3), "td-tcp_header_heapoverflow.pcap", List.of(1),
                                "td-mptcp-dss-oobr.pcap", List.of(1), "td-tcp_eight_lowest_weight_flags_set.pcap", List.of(1),
                                "zeek-tcp-truncated-header.pcap", List.of(1)),
                        f -> FuzzBytes.encode(0, false, 0, new byte[0], l4(f))),
                new Target("TcpOptionsFuzzTest", "parseAcceptsOnlyWhatTheRfcsAllowAndAgreesWithTheWriters",
                        Map.of("cs-tcp_handshake.pcapng", List.of(1), "zeek-tcp-option-sack.pcap", List.of(4),
                                "zeek-tcp-window-scale-range.pcap", List.of(1), "zeek-tcp-timestamp.pcap", List.of(5),
                                "td-tfo-5c1fa7f9ae91.pcap", List.of(1), "td-mptcp-dss-oobr.pcap", List.of(1)),
                        f -> FuzzBytes.encode(0, false, 0, new byte[0], tcpOptions(f))),
                new Target("HttpRequestParserFuzzTest", "parsesTheSameRequestsHoweverSplitAndKeepsItsLimits",
                        Map.of("cs-http_google.pcapng", List.of(4), "sv-http-protocol-nodup.pcap", List.of(4),
                                "zeek-workshop_2011_browse.pcap", List.of(4), "td-print-flags.pcap", List.of(4),
                                "sv-tcp-fastopen-01.pcap", List.of(3)),
                        f -> FuzzBytes.encode(0, false, 0, new byte[] {0x40, 0, 0x11, 3}, tcpPayload(f))),
                new Target("TlsRecordHeaderFuzzTest", "checkAcceptsOnlyWellFormedRecordsAndAProblemIsFinal",
                        Map.of("zeek-tls-hrr.pcap", List.of(6, 8), "zeek-tls-tls1.2.pcap", List.of(8, 10, 13, 18),
                                "zeek-tls-tls-1.2-handshake-failure.pcap", List.of(6)),
                        f -> FuzzBytes.encode(0, false, 0, new byte[0], tcpPayload(f))),
                new Target("ClientHelloParserFuzzTest", "parsesWithinBoundsAndTheSameHelloHoweverFragmented",
                        Map.of("zeek-tls-hrr.pcap", List.of(4, 8), "zeek-tls-tls1.2.pcap", List.of(4),
                                "zeek-tls-tls-1.2-handshake-failure.pcap", List.of(4), "zeek-tls-tls13_wolfssl.pcap", List.of(4)),
                        f -> FuzzBytes.encode(0, false, 0, new byte[] {0}, tcpPayload(f))),
                new Target("DhcpMessageFuzzTest", "parseNeverThrowsAndWhatItAcceptsRoundTrips",
                        Map.of("cs-dhcp_nolease_initialization.pcapng", List.of(1, 2, 3, 4), "td-dhcp-option-108.pcapng", List.of(1, 2),
                                "sv-dhcp-option-52-overload.pcap", List.of(1), "zeek-dhcp-dhcp_time_and_nameserver.pcap", List.of(1),
                                "cs-dhcp_inlease_renewal.pcapng", List.of(1, 2)),
                        f -> FuzzBytes.encode(0, false, 0, new byte[0], udpPayload(f))),
                new Target("Ipv6HeaderWalkFuzzTest", "validateAndTheWalkKeepTheirPromises",
                        Map.of("sv-ipv6-hdr-keyword-02.pcap", List.of(1), "zeek-ipv6-hbh-routing0.pcap", List.of(1),
                                "zeek-ipv6-http-atomic-frag.pcap", List.of(1, 2, 3), "cs-ipv6_fragments.pcapng", List.of(1, 2),
                                "td-ipv6-routing-header.pcap", List.of(1), "sv-ipv6-covert-dstopts.pcap", List.of(1),
                                "td-ipv6_jumbogram_1.pcap", List.of(1), "td-ipv6_no_next_header.pcap", List.of(1)),
                        f -> FuzzBytes.encode(0, false, 0, new byte[0], l3(f))),
                new Target("NdpMessageFuzzTest", "icmpv6AndNdOptionsKeepTheirPromises",
                        Map.of("cs-icmpv6_neighbor_solicitation.pcapng", List.of(1, 2), "zeek-icmp-icmp6-nd-options.pcap", List.of(1, 2),
                                "td-icmpv6-ra-pref64.pcap", List.of(1), "td-icmpv6_opt24.pcap", List.of(1),
                                "zeek-icmp-icmp6-redirect.pcap", List.of(1), "zeek-icmp-icmp6-toobig.pcap", List.of(1),
                                "zeek-icmp-icmp6-paramprob.pcap", List.of(1)),
                        f -> FuzzBytes.encode(0, true, 0, new byte[0], l3(f))),
                new Target("StackFrameFuzzTest", "noFrameCrashesTheStackOrLeaksABuffer",
                        Map.of("cs-tcp_handshake.pcapng", List.of(1, 3), "cs-arp_resolution.pcapng", List.of(1),
                                "cs-icmp_echo.pcapng", List.of(1), "cs-ip_frag_source.pcapng", List.of(4, 5, 6),
                                "cs-udp_dnsrequest.pcapng", List.of(1), "zeek-ipv4-fragmented-1.pcap", List.of(1, 2, 3),
                                "sv-tcp-fastopen-01.pcap", List.of(1), "td-tcp_rst_data.pcap", List.of(1)),
                        FuzzSeedsTest::lengthPrefixed));
    }

    @Test
    void theCommittedSeedsAreWhatTheSharedCapturesGive() throws IOException {
        boolean write = Boolean.getBoolean("panamax.fuzz.seeds.write");
        List<String> stale = new ArrayList<>();
        for (Target t : targets()) {
            for (var e : seeds(t).entrySet()) {
                Path file = t.directory().resolve(e.getKey());
                if (write) {
                    Files.createDirectories(t.directory());
                    Files.write(file, e.getValue());
                } else if (!Files.isRegularFile(file)) {
                    stale.add(file + " is missing");
                } else {
                    byte[] committed = Files.readAllBytes(file);
                    if (!Arrays.equals(committed, e.getValue())) {
                        stale.add(file + " differs");
                    }
                }
            }
        }
        assertTrue(stale.isEmpty(), "seed corpus out of date (rewrite with -Dpanamax.fuzz.seeds.write=true): " + stale);
    }

    @Test
    void theStackSeedsGroupEachCapturesFramesIntoOneInput() throws IOException {
        Target stack = targets().getLast();
        byte[] handshake = seeds(stack).get("seed-cs-tcp_handshake");
        List<byte[]> frames = Pcap4jFrames.bytes(SharedData.pcap("cs-tcp_handshake.pcapng"));
        assertArrayEquals(lengthPrefixed(frames.get(0)), Arrays.copyOf(handshake, 2 + frames.get(0).length));
    }

    /** The seeds of {@code t}, by file name: one per capture frame, or per capture for the stack target. */
    static Map<String, byte[]> seeds(Target t) throws IOException {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        for (var e : new java.util.TreeMap<>(t.frames()).entrySet()) {
            List<byte[]> all = Pcap4jFrames.bytes(SharedData.pcap(e.getKey()));
            String base = e.getKey().substring(0, e.getKey().lastIndexOf('.')); // the capture's name without its extension
            if (t.testClass().equals("StackFrameFuzzTest")) {
                ByteArrayOutputStream grouped = new ByteArrayOutputStream();
                for (int n : e.getValue()) {
                    grouped.write(t.input().apply(all.get(n - 1)));
                }
                seeds.put("seed-" + base, grouped.toByteArray());
            } else {
                for (int n : e.getValue()) {
                    seeds.put("seed-" + base + "-" + n, t.input().apply(all.get(n - 1)));
                }
            }
        }
        return seeds;
    }

    /** What follows the UDP header. */
    static byte[] udpPayload(byte[] frame) {
        byte[] udp = l4(frame);
        return Arrays.copyOfRange(udp, Math.min(udp.length, 8), udp.length);
    }

    /** A frame as the stack target reads it: a 2-byte big-endian length, then the frame. */
    static byte[] lengthPrefixed(byte[] frame) {
        byte[] out = new byte[2 + frame.length];
        out[0] = (byte) (frame.length >> 8);
        out[1] = (byte) frame.length;
        System.arraycopy(frame, 0, out, 2, frame.length);
        return out;
    }

    /** What follows the Ethernet header and its VLAN tags. */
    static byte[] l3(byte[] frame) {
        int at = 12;
        int type;
        while (at + 2 <= frame.length && ((type = (frame[at] & 0xff) << 8 | (frame[at + 1] & 0xff)) == 0x8100 || type == 0x88a8)) {
            at += 4;
        }
        return Arrays.copyOfRange(frame, Math.min(frame.length, at + 2), frame.length);
    }

    /** What follows the IPv4 header (by its IHL). */
    static byte[] l4(byte[] frame) {
        byte[] ip = l3(frame);
        int ihl = ip.length > 0 ? (ip[0] & 0x0f) * 4 : 0;
        return Arrays.copyOfRange(ip, Math.min(ip.length, ihl), ip.length);
    }

    /** What the TCP segment carries (by the IPv4 total length, so Ethernet padding is left out). */
    static byte[] tcpPayload(byte[] frame) {
        byte[] ip = l3(frame);
        int total = ip.length >= 4 ? Math.min(ip.length, (ip[2] & 0xff) << 8 | (ip[3] & 0xff)) : 0;
        int ihl = ip.length > 0 ? (ip[0] & 0x0f) * 4 : 0;
        byte[] tcp = Arrays.copyOfRange(ip, Math.min(total, ihl), total);
        int header = tcp.length > 12 ? ((tcp[12] & 0xf0) >> 4) * 4 : 0;
        return Arrays.copyOfRange(tcp, Math.min(tcp.length, header), tcp.length);
    }

    /** The option area of the TCP header (by its data offset), as far as the frame holds it. */
    static byte[] tcpOptions(byte[] frame) {
        byte[] tcp = l4(frame);
        int header = tcp.length > 12 ? ((tcp[12] & 0xf0) >> 4) * 4 : 0;
        return Arrays.copyOfRange(tcp, Math.min(tcp.length, 20), Math.min(tcp.length, Math.max(20, header)));
    }
}
