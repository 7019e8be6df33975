package io.panamax.pcaptests.golden;

import io.panamax.nic.MacAddress;
import io.panamax.nic.capture.CaptureConfig;
import io.panamax.nic.capture.CapturingNic;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.pcap.Tshark;
import io.panamax.nic.tap.TapNic;
import io.panamax.pcaptests.oracle.DecodeOracle;
import io.panamax.reactor.testing.Environment;
import io.panamax.pcaptests.replay.StackReplay;
import io.panamax.stack.Stack;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs each golden conversation's real client (ping, socat, nc, curl, wrk) against a live stack over TAP,
 * inside a network namespace the test creates, records both directions with CapturingNic, and
 * checks the live conversation: the client got what it should, tshark and pcap4j find nothing
 * wrong in what the stack sent, and replaying the recorded client side into a fresh stack (the
 * golden comparison) reproduces the recorded stack side. With {@code -Dpanamax.golden.record=true}
 * the recording and its rendering become the new goldens under src/test/resources/golden/.
 *
 * <p>A recording whose replay differs is recorded again (up to three times): a live run can
 * interleave the client's frames and the stack's timers differently than their recorded times
 * say. If it never matches, the test fails with the diff: the stack then behaves differently
 * live and replayed, which is worth knowing.
 */
class GoldenRecordingTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final int ATTEMPTS = 3;

    static List<GoldenConversation> goldens() {
        return GoldenConversation.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void aLiveConversationIsCorrectAndItsReplayMatches(GoldenConversation g,
                                                       @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp) throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device");
        Environment.requireCommands("ip", "ping", "nc", "socat", "curl", "wrk", "openssl", "tshark");
        GoldenReplay replay = null;
        Path recording = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Path dir = Files.createDirectories(tmp.resolve("attempt" + attempt));
            recording = record(g, dir);
            DecodeOracle.assertClean(recording, StackReplay.STACK_MAC, "what the live stack sent in " + g);
            replay = GoldenReplay.of(recording, dir.resolve("replay"));
            if (replay.matches()) {
                System.out.println(g + ": the replay matched recording " + attempt);
                break;
            }
            System.out.println(g + ": recording " + attempt + " and its replay differ:\n" + GoldenReplay.text(replay.recorded())
                    + "---\n" + GoldenReplay.text(replay.replayed()));
        }
        assertEquals(GoldenReplay.text(replay.recorded()), GoldenReplay.text(replay.replayed()),
                g + ": in " + ATTEMPTS + " recordings, replaying the client side never reproduced the live stack side"
                        + " (last recording " + recording + ")");
        if (Boolean.getBoolean("panamax.golden.record")) {
            Files.createDirectories(GoldenConversation.directory());
            Files.copy(recording, g.recording(), StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(g.rendering(), GoldenReplay.text(replay.recorded()));
        }
    }

    /** One live run of {@code g}'s client against a fresh stack; returns the recording. */
    static Path record(GoldenConversation g, Path dir) throws Exception {
        Path file = dir.resolve(g.name() + ".pcapng");
        String tap = "pmxg" + (ProcessHandle.current().pid() % 100000);
        try (NetworkNamespace ns = NetworkNamespace.createUnique("pmx-pcap")) {
            CapturingNic[] capture = new CapturingNic[1];
            Stack stack = Stack.builder()
                    .nic(queues -> capture[0] = CapturingNic.wrap(TapNic.builder().name(tap).namespace(ns).queues(1)
                            .kernelAddress(GoldenConversation.CLIENT_IP + "/24")
                            .kernelMac(MacAddress.parse(GoldenConversation.CLIENT_MAC)).kernelIpv6(false).open(),
                            CaptureConfig.builder(file).build()))
                    .ipv4(GoldenConversation.STACK_IP + "/24")
                    .mac(StackReplay.STACK_MAC)
                    .tcp(StackReplay.Settings.defaults().tcp())
                    .shards(1)
                    .reactorSettings(r -> r.pinThreads(false))
                    .start();
            try {
                StackReplay.installEchoServices(stack);
                stack.await(stack.onEveryShard(GoldenServices::httpEcho), T);
                NetworkNamespace.Result r = ns.exec(T, "sh", "-c", g.command());
                assertEquals(g.mustSucceed(), r.ok(), g + ": " + g.command() + " exited " + r.exitCode() + ": " + r.stderr());
                assertTrue(r.stdout().contains(g.mustPrint()), g + ": the client printed " + r.stdout());
                // The last ACKs and any delayed ACK of the stack go out before the recording stops.
                Thread.sleep(500);
                capture[0].setEnabled(false);
                assertTrue(capture[0].captureFailure().isEmpty(), () -> "capture failed: " + capture[0].captureFailure());
                assertEquals(0, capture[0].captureStats().droppedRingFull(), "the capture kept every frame");
            } finally {
                stack.close();
            }
            assertNull(stack.leaksAtClose(), "every buffer returned");
        }
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
            fail("no recording written to " + file);
        }
        return file;
    }
}
