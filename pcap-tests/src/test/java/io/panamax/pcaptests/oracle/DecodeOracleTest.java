package io.panamax.pcaptests.oracle;

import io.panamax.nic.pcap.Tshark;
import io.panamax.reactor.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The oracle has teeth: real captures with a known bad checksum or a malformed frame are
 * reported with their frame numbers by both decoders, and a clean capture passes.
 */
class DecodeOracleTest {

    @Test
    void badTcpChecksumIsReportedByBothDecodersWithTsharksMessage() throws Exception {
        Tshark.require();
        List<DecodeOracle.Finding> f = DecodeOracle.examine(SharedData.pcap("zeek-chksums-ip4-tcp-bad-chksum.pcap"), null);
        assertTrue(f.stream().anyMatch(x -> x.frame() == 1 && x.decoder().equals("tshark") && x.message().contains("Bad checksum")), f.toString());
        assertTrue(f.stream().anyMatch(x -> x.frame() == 1 && x.decoder().equals("pcap4j") && x.message().contains("bad TCP checksum")), f.toString());
    }

    @Test
    void badIpv4AndUdpChecksumsAreReported() throws Exception {
        Tshark.require();
        var ip = DecodeOracle.examine(SharedData.pcap("zeek-chksums-ip4-bad-chksum.pcap"), null);
        assertTrue(ip.stream().anyMatch(x -> x.decoder().equals("pcap4j") && x.message().contains("IPv4")), ip.toString());
        assertTrue(ip.stream().anyMatch(x -> x.decoder().equals("tshark")), ip.toString());
        var udp = DecodeOracle.examine(SharedData.pcap("zeek-chksums-ip4-udp-bad-chksum.pcap"), null);
        assertTrue(udp.stream().anyMatch(x -> x.decoder().equals("pcap4j") && x.message().contains("UDP")), udp.toString());
        assertTrue(udp.stream().anyMatch(x -> x.decoder().equals("tshark")), udp.toString());
    }

    @Test
    void malformedFramesAreReportedWithTheirNumbers() throws Exception {
        Tshark.require();
        // Frames 3-8 of suricata's decode-too-small capture are malformed (MANIFEST: 6 frames).
        var f = DecodeOracle.examine(SharedData.pcap("sv-decode-too-small.pcap"), null);
        List<Integer> tsharkFrames = f.stream().filter(x -> x.decoder().equals("tshark")).map(DecodeOracle.Finding::frame).distinct().toList();
        assertEquals(List.of(3, 4, 5, 6, 7, 8), tsharkFrames, f.toString());
        assertTrue(f.stream().anyMatch(x -> x.message().contains("Malformed")), f.toString());
        AssertionError e = assertThrows(AssertionError.class,
                () -> DecodeOracle.assertClean(SharedData.pcap("sv-decode-too-small.pcap"), null, "suricata's capture"));
        assertTrue(e.getMessage().contains("frame 3 (tshark)"), e.getMessage());
    }

    @Test
    void aCleanCapturePasses() throws Exception {
        Tshark.require();
        DecodeOracle.assertClean(SharedData.pcap("zeek-chksums-ip4-tcp-good-chksum.pcap"), null, "zeek's good-checksum SYN");
        DecodeOracle.assertClean(SharedData.pcap("cs-tcp_handshake.pcapng"), null, "a handshake");
    }

    @Test
    void onlyTheGivenSourceIsJudgedAndAnEmptySelectionFails() throws Exception {
        Tshark.require();
        var none = io.panamax.nic.MacAddress.parse("02:00:00:00:00:99");
        AssertionError e = assertThrows(AssertionError.class,
                () -> DecodeOracle.assertClean(SharedData.pcap("zeek-chksums-ip4-tcp-bad-chksum.pcap"), none, "nobody's frames"));
        assertTrue(e.getMessage().contains("holds no frame"), e.getMessage());
        assertEquals(List.of(), DecodeOracle.examine(SharedData.pcap("zeek-chksums-ip4-tcp-bad-chksum.pcap"), none));
    }
}
