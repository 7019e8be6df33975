package io.panamax.pcaptests.replay;

import io.panamax.nic.pcap.PcapNic;
import io.panamax.pcaptests.oracle.DecodedFrame;
import io.panamax.pcaptests.replay.StackReplay;
import io.panamax.reactor.Loop;
import io.panamax.stack.ShardStack;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * One capture through the full stack the way {@code bin/panamax replay} runs it (the echo
 * sample's services, replay mode, the pcap backend), plus sinks on the server ports the shared
 * captures talk to, with everything the stack saw and sent recorded in order (the timeline).
 *
 * @param result   what {@link StackReplay#replay} reported
 * @param sent     the frames the stack sent (pcap)
 * @param timeline every frame received and sent, in the order the stack handled them (pcapng)
 */
public record ReplayRun(StackReplay.Result result, Path sent, Path timeline) {
    /** TCP ports with a listener: the sample's echo (7) and discard (9), and the sinks. */
    public static final Set<Integer> LISTENING = Set.of(7, 9, 22, 25, 43, 53, 80, 443);
    /** The sinks: discard servers on the server ports of the shared captures' conversations. */
    public static final List<Integer> SINK_PORTS = List.of(22, 25, 43, 53, 80, 443);
    /** The stack's MAC in a replay, as pcap4j frames show a source: 12 hex digits. */
    public static final String STACK_MAC = HexFormat.of().formatHex(StackReplay.STACK_MAC.toBytes());

    /** The settings every replay test starts from: {@code shards} shards, the sinks installed. */
    public static StackReplay.Settings settings(int shards) {
        return StackReplay.Settings.defaults().withShards(shards).withServices(ReplayRun::installSinks);
    }

    /** Discard servers on {@link #SINK_PORTS}: they read everything and close after the peer's FIN. */
    public static void installSinks(ShardStack s) {
        for (int port : SINK_PORTS) {
            s.tcp().listen(port, c -> io.panamax.reactor.ShardFuture.repeat(() -> c.read().map(data -> {
                boolean end = data.isEmpty();
                data.release();
                return end ? Loop.STOP : Loop.CONTINUE;
            })).then(v -> c.close()).recover(e -> {
                c.abort();
                return null;
            }));
        }
    }

    /** Replays {@code capture} with {@code settings}, writing the sent frames and the timeline under {@code dir}. */
    public static ReplayRun of(Path capture, StackReplay.Settings settings, Path dir) throws IOException {
        Path sent = dir.resolve("sent.pcap");
        Path timeline = dir.resolve("timeline.pcapng");
        StackReplay.Result r = StackReplay.replay(capture, settings.withOutput(sent).withTimeline(timeline));
        return new ReplayRun(r, sent, timeline);
    }

    /**
     * Every capture, two shards, as fast as the shards poll, then three minutes of virtual time: longer than a
     * passive open waits in SYN-RECEIVED (six SYN-ACK retransmissions, 1 + 2 + ... + 64 s), so that closing
     * the stack finds nothing half-open to reset outside the timeline.
     */
    public static ReplayRun asap(Path capture, Path dir) throws IOException {
        return of(capture, settings(2).withPacing(PcapNic.Pacing.ASAP).withLinger(Duration.ofMinutes(3)), dir);
    }

    /** The timeline's frames, decoded by pcap4j. */
    public List<DecodedFrame> frames() {
        return DecodedFrame.read(timeline);
    }

    /** Whether a frame of the timeline was sent by the stack (rather than replayed into it). */
    public static boolean outbound(DecodedFrame f) {
        return f.from(STACK_MAC);
    }
}
