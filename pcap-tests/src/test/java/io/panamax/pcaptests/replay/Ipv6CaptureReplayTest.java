package io.panamax.pcaptests.replay;

import io.panamax.reactor.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IPv6 captures of {@code ../shared/pcaps-v6} through a stack with IPv6 on (a static address,
 * router discovery and SLAAC, replay mode: every unicast destination is ours), ASAP and then 70 s
 * of virtual time: their router advertisements, neighbour discovery, ICMPv6 errors, overlapping,
 * duplicate and unfinished fragments, extension headers and malformed frames reach the IPv6 layer,
 * which must come through them all — no exception escaping a shard, no buffer leaked, every frame
 * accounted for by Ethernet; their TCP segments reach TCP over IPv6. (The IPv4-only stack of {@link EveryCaptureReplayTest} drops these
 * frames at the Ethernet layer.)
 */
class Ipv6CaptureReplayTest {

    @Test
    void theIpv6LayerComesThroughEveryIpv6Capture(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp) throws Exception {
        List<String> failures = new ArrayList<>();
        long ipv6Frames = 0;
        long advertisements = 0;
        long fragmentVerdicts = 0;
        long errorsSent = 0;
        long tcpSegments = 0;
        int replayed = 0;
        for (SharedData.Capture capture : SharedData.captures()) {
            if (!capture.directory().equals("pcaps-v6") || !capture.isEthernet() || capture.packets() == 0) {
                continue;
            }
            Path dir = tmp.resolve(capture.baseName());
            java.nio.file.Files.createDirectories(dir);
            StackReplay.Result r = ReplayRun.of(capture.path(), ReplayRun.settings(1).withIpv6("fd00:7::2/64")
                    // Then 70 s of virtual time: reassembly (60 s), DAD and solicitation timers fire.
                    .withPacing(io.panamax.nic.pcap.PcapNic.Pacing.ASAP).withLinger(java.time.Duration.ofSeconds(70)), dir).result();
            replayed++;
            if (r.failure() != null) {
                failures.add(capture + ": " + r.failure());
                continue;
            }
            if (r.totals().rxPackets() != r.counter("ethernet_frames_received_total") + r.sum("ethernet_drops_total")) {
                failures.add(capture + ": frames not accounted for by Ethernet: " + r.drops());
            }
            ipv6Frames += r.counter("ipv6_datagrams_delivered_total") + r.sum("ipv6_drops_total");
            advertisements += r.counter("ndp_router_advertisements_received_total");
            fragmentVerdicts += r.counter("ipv6_datagrams_reassembled_total") + r.sum("ipv6_reassembly_drops_total");
            errorsSent += r.counter("icmpv6_errors_sent_total");
            tcpSegments += r.counter("tcp_segments_received_total");
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(replayed >= 40, "IPv6 captures replayed: " + replayed);
        // Replay mode takes every unicast destination as ours, so the layers behind the checks are reached too.
        assertTrue(ipv6Frames > 1000, "frames the IPv6 layer delivered or dropped: " + ipv6Frames);
        assertTrue(advertisements > 0, "router advertisements acted on");
        assertTrue(fragmentVerdicts > 0, "fragments reassembled or dropped under a reason");
        assertTrue(errorsSent > 0, "ICMPv6 errors sent");
        // TCP is registered for IPv6 too: the captures' TCP segments reach it (answered, or dropped under a reason).
        assertTrue(tcpSegments > 100, "TCP segments over IPv6 received: " + tcpSegments);
        System.out.println("IPv6 captures: " + tcpSegments + " TCP segments received over IPv6");
        assertEquals(List.of(), failures);
    }
}
