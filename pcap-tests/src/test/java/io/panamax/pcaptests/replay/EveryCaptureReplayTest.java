package io.panamax.pcaptests.replay;

import io.panamax.nic.pcap.CaptureFileWriter;
import io.panamax.nic.pcap.PcapFormatException;
import io.panamax.nic.pcap.PcapNic;
import io.panamax.nic.pcap.Tshark;
import io.panamax.pcaptests.oracle.DecodeOracle;
import io.panamax.pcaptests.oracle.DecodedFrame;
import io.panamax.pcaptests.oracle.TsharkView;
import io.panamax.reactor.testing.SharedData;
import io.panamax.pcaptests.replay.StackReplay;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every capture of {@code ../shared/pcaps} through the full stack as {@code bin/panamax replay}
 * runs it (the echo sample's services, replay mode, two shards), with sinks on the server ports
 * the captures use. The stack must come through (no exception escapes a layer, no buffer leaks),
 * account for every frame, count every broken frame under a reason (a bad checksum at each layer
 * under exactly that reason, tshark counting; any frame tshark finds broken, replayed alone, under
 * some reason), and what it sends in answer must decode cleanly (tshark and pcap4j) and obey the
 * rules of {@link ReplyRules}. One tshark pass over the replay's timeline serves every check.
 */
class EveryCaptureReplayTest {

    static List<SharedData.Capture> captures() {
        return SharedData.captures();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void theStackComesThroughAndAnswersCorrectly(SharedData.Capture capture, @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp) throws Exception {
        if (!capture.isEthernet() || capture.packets() == 0) {
            // Files libpcap refuses too: the backend names the file and the problem, nothing runs.
            PcapFormatException e = assertThrows(PcapFormatException.class, () -> ReplayRun.asap(capture.path(), tmp));
            assertTrue(e.getMessage().contains(capture.file()), e.getMessage());
            return;
        }
        Tshark.require();
        ReplayRun run = ReplayRun.asap(capture.path(), tmp);
        StackReplay.Result r = run.result();
        assertNull(r.failure(), "the stack failed on " + capture);
        assertTrue(r.end().complete(), () -> "the whole capture was read: " + r.end());
        assertEquals(capture.packets(), r.end().frames(), "every frame of the manifest was replayed");

        // Accounting: the Ethernet layer passed up or dropped (under a reason) every frame.
        assertEquals(r.totals().rxPackets(), r.counter("ethernet_frames_received_total") + r.sum("ethernet_drops_total"),
                () -> "frames received = passed up + dropped by Ethernet; counters " + r.drops());

        // One decode of the timeline by each decoder serves every check below.
        List<DecodedFrame> frames = run.frames();
        List<TsharkView.Frame> tshark = TsharkView.read(run.timeline());
        assertEquals(r.totals().rxPackets() + r.totals().txPackets(), frames.size(),
                "the timeline holds every frame received and sent");
        assertEquals(frames.size(), tshark.size(), "tshark and pcap4j read the same frames");
        DecodeOracle.assertClean(run.timeline(), tshark, frames, StackReplay.STACK_MAC,
                "frames the stack sent replaying " + capture);

        List<String> problems = new ArrayList<>();
        problems.addAll(ReplyRules.repliesComeFromTheAddressTheClientSpokeTo(frames));
        problems.addAll(ReplyRules.synsAreAnsweredAsRfc9293Says(frames, ReplayRun.LISTENING));
        problems.addAll(ReplyRules.resetsCarryWhatRfc9293Says(frames));
        if (!problems.isEmpty()) {
            fail(capture + ": " + problems.size() + " protocol problem(s) in what the stack sent (timeline "
                    + run.timeline() + "):\n  " + String.join("\n  ", problems));
        }

        // Checksums: the frames tshark finds bad at each layer are the ones the stack dropped for it.
        long ip = 0;
        long tcp = 0;
        long udp = 0;
        long icmp = 0;
        List<DecodedFrame> broken = new ArrayList<>();
        for (TsharkView.Frame t : tshark) {
            DecodedFrame f = frames.get(t.number() - 1);
            if (ReplayRun.outbound(f)) {
                continue;
            }
            if (t.broken()) {
                broken.add(f);
            }
            if (!ReplyRules.reachesIp(f)) {
                continue;
            }
            if (t.ipChecksum().equals("0")) {
                ip++;
            } else if (t.ipChecksum().equals("1") && t.wholeDatagram()) {
                tcp += t.tcpChecksum().equals("0") ? 1 : 0;
                udp += t.udpChecksum().equals("0") ? 1 : 0;
                icmp += t.icmpChecksum().equals("0") ? 1 : 0;
            }
        }
        assertEquals(ip, r.counter("ipv4_drops_total{reason=\"bad_checksum\"}"), "bad IPv4 header checksums (tshark) = IPv4 drops for it");
        assertEquals(tcp, r.counter("tcp_drops_total{reason=\"bad_checksum\"}"), "bad TCP checksums (tshark) = TCP drops for it");
        assertEquals(udp, r.counter("udp_drops_total{reason=\"bad_checksum\"}"), "bad UDP checksums (tshark) = UDP drops for it");
        assertEquals(icmp, r.counter("icmp_drops_total{reason=\"bad_checksum\"}"), "bad ICMP checksums (tshark) = ICMP drops for it");

        // Each frame tshark finds broken, fed alone to a fresh stack, is dropped under a named reason.
        List<String> unnoticed = new ArrayList<>();
        for (DecodedFrame f : broken) {
            Path one = tmp.resolve("frame" + f.number() + ".pcap");
            try (CaptureFileWriter w = CaptureFileWriter.create(one, CaptureFileWriter.Format.PCAP, List.of("x"),
                    CaptureFileWriter.MAX_SNAPLEN)) {
                w.write(0, MemorySegment.ofArray(f.data()), 0, f.data().length, f.data().length, 0,
                        CaptureFileWriter.DIRECTION_UNKNOWN);
            }
            StackReplay.Result alone = StackReplay.replay(one, ReplayRun.settings(1).withPacing(PcapNic.Pacing.ASAP)
                    .withLinger(Duration.ofMinutes(2)));
            assertNull(alone.failure(), capture + " timeline frame " + f.number() + " alone: the stack failed");
            if (alone.drops().isEmpty()) {
                unnoticed.add("timeline frame " + f.number() + " (" + tshark.get(f.number() - 1).describe() + ")");
            }
        }
        assertTrue(unnoticed.isEmpty(), () -> capture + ": tshark finds these frames broken, yet alone the stack counted"
                + " no drop for them: " + unnoticed);
    }
}
