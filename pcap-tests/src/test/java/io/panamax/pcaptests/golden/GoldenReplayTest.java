package io.panamax.pcaptests.golden;

import io.panamax.nic.pcap.Tshark;
import io.panamax.pcaptests.oracle.DecodeOracle;
import io.panamax.pcaptests.oracle.DecodedFrame;
import io.panamax.pcaptests.oracle.TsharkView;
import io.panamax.pcaptests.replay.ReplayRun;
import io.panamax.pcaptests.replay.StackReplay;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The golden conversations: the client side of each recording (a real client against the stack
 * over TAP, {@link GoldenRecordingTest}) fed back into a fresh stack through the pcap backend must
 * make it send what the recorded stack sent, field by field with sequence numbers relative to the
 * ISNs ({@link StackSideRenderer}). A behaviour change shows up as a line diff against the
 * committed {@code golden/NAME.txt}; when the change is on purpose, re-record (docs/pcap-tests.md).
 */
class GoldenReplayTest {

    static List<GoldenConversation> goldens() {
        return GoldenConversation.all();
    }

    @Test
    void everyGoldenConversationIsRecorded() {
        for (GoldenConversation g : GoldenConversation.all()) {
            assertTrue(g.recorded(), g + ": " + g.recording() + " and " + g.rendering()
                    + " are missing; record them (docs/pcap-tests.md: -Dpanamax.golden.record=true)");
        }
    }

    /**
     * The comparison notices a change: the echo conversation replayed into a stack that no longer
     * offers SACK differs from the golden on the SYN-ACK line, and on that line only.
     */
    @Test
    void aBehaviourChangeShowsAsADiffOfTheLinesItChanged(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp) throws Exception {
        GoldenConversation echo = GoldenConversation.all().stream().filter(g -> g.name().equals("tcp-echo")).findFirst().orElseThrow();
        GoldenReplay changed = GoldenReplay.of(echo.recording(), tmp,
                s -> s.withTcp(s.tcp().toBuilder().sackPermitted(false).build()));
        List<String> a = changed.recorded();
        List<String> b = changed.replayed();
        assertEquals(a.size(), b.size(), "the same frames were sent");
        List<Integer> differing = new java.util.ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).equals(b.get(i))) {
                differing.add(i);
            }
        }
        assertEquals(1, differing.size(), () -> "one line differs:\n" + GoldenReplay.text(a) + "---\n" + GoldenReplay.text(b));
        String line = a.get(differing.getFirst());
        assertTrue(line.contains("[SYN|ACK]") && line.contains("sackOK") && !b.get(differing.getFirst()).contains("sackOK"),
                line + " / " + b.get(differing.getFirst()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void replayingTheClientSideReproducesTheRecordedStackSide(GoldenConversation g,
                                                               @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp) throws Exception {
        assertTrue(g.recorded(), g + " is not recorded");
        GoldenReplay replay = GoldenReplay.of(g.recording(), tmp);
        assertNull(replay.run().result().failure(), "the stack failed replaying " + g);
        String committed = Files.readString(g.rendering());
        assertEquals(committed, GoldenReplay.text(replay.recorded()),
                g.rendering() + " no longer renders from " + g.recording() + ": re-record, or the renderer changed");
        assertEquals(committed, GoldenReplay.text(replay.replayed()),
                g + ": the stack no longer sends what it sent when the golden was recorded (replay timeline "
                        + replay.run().timeline() + ")");
        Tshark.require();
        List<DecodedFrame> frames = replay.run().frames();
        DecodeOracle.assertClean(replay.run().timeline(), TsharkView.read(replay.run().timeline()), frames,
                StackReplay.STACK_MAC, "the replayed stack side of " + g);
        assertTrue(frames.stream().anyMatch(ReplayRun::outbound), "the stack sent something");
    }
}
