package io.panamax.pcaptests.golden;

import io.panamax.nic.pcap.Pcap4jFrames;
import io.panamax.pcaptests.oracle.DecodedFrame;
import io.panamax.pcaptests.replay.AlignedReplay;
import io.panamax.pcaptests.replay.ReplayRun;
import io.panamax.pcaptests.replay.StackReplay;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The golden comparison: the client side of a recorded conversation fed back into a fresh stack
 * through the pcap backend (sequence spaces aligned, {@link AlignedReplay}), and what the stack
 * sends then, rendered by {@link StackSideRenderer}, next to the recorded stack side rendered
 * the same way.
 *
 * @param recorded the recorded stack side, one line per frame
 * @param replayed the replayed stack side
 * @param run      the replay (its timeline for a closer look)
 */
public record GoldenReplay(List<String> recorded, List<String> replayed, ReplayRun run) {

    /** Replays the client side of {@code recording} under {@code dir}. */
    public static GoldenReplay of(Path recording, Path dir) throws IOException {
        return of(recording, dir, s -> s);
    }

    /** The same with the replay's settings changed by {@code change} (a test that the comparison notices). */
    public static GoldenReplay of(Path recording, Path dir, UnaryOperator<StackReplay.Settings> change) throws IOException {
        List<Pcap4jFrames.Frame> all = Pcap4jFrames.read(recording);
        List<DecodedFrame> decoded = DecodedFrame.read(recording);
        List<AlignedReplay.Input> client = new ArrayList<>();
        long lastClient = 0;
        long last = 0;
        for (int i = 0; i < all.size(); i++) {
            last = Math.max(last, all.get(i).timestampNanos());
            if (!ReplayRun.outbound(decoded.get(i))) {
                client.add(new AlignedReplay.Input(all.get(i).data(), all.get(i).timestampNanos()));
                lastClient = all.get(i).timestampNanos();
            }
        }
        // How the recorded stack started each connection: the alignment moves the client's
        // acknowledgments from that sequence space into the replaying stack's.
        Map<String, AlignedReplay.Start> starts = AlignedReplay.stackStarts(decoded);
        AlignedReplay.ClientSide side = new AlignedReplay.ClientSide(client, starts, Map.of());
        // The replay runs as long after the client's last frame as the recording went on.
        Duration linger = Duration.ofNanos(Math.max(0, last - lastClient) + 1_000_000);
        StackReplay.Settings settings = StackReplay.Settings.defaults().withAddress(GoldenConversation.STACK_IP + "/24")
                .withLinger(linger).withServices(GoldenServices::httpEcho);
        ReplayRun run = AlignedReplay.run(side, change.apply(settings), dir).run();
        return new GoldenReplay(StackSideRenderer.render(decoded, ReplayRun.STACK_MAC),
                StackSideRenderer.render(run.frames(), ReplayRun.STACK_MAC), run);
    }

    /** Whether the replay sent what the recording holds, field by field. */
    public boolean matches() {
        return recorded.equals(replayed);
    }

    /** The two sides as text, for assertEquals' diff. */
    public static String text(List<String> lines) {
        return String.join("\n", lines) + "\n";
    }
}
