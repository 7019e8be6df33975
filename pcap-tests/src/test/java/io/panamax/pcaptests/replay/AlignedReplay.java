package io.panamax.pcaptests.replay;

import io.panamax.nic.pcap.CaptureFileWriter;
import io.panamax.nic.pcap.Pcap4jFrames;
import io.panamax.pcaptests.oracle.DecodedFrame;
import io.panamax.pcaptests.oracle.TcpSegment;
import io.panamax.pcaptests.replay.StackReplay;
import io.panamax.tcp.TcpConfig;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Replays the client side of recorded TCP conversations into a fresh stack so that the stack can
 * carry them on as their server. The recorded client acknowledges the sequence numbers of the
 * server it talked to; a fresh stack picks its own initial sequence number (RFC 6528) and
 * timestamp clock, so those acknowledgments would all be unacceptable. Hence two passes over the
 * pcap backend:
 * <ol>
 * <li>the client's frames as recorded: the stack answers each SYN with a SYN-ACK, and that gives
 *     its ISN and first TSval on every connection;</li>
 * <li>the client's frames with every acknowledgment number, SACK edge and TSecr moved from the
 *     recorded server's sequence space into the stack's (and checksums recomputed); the stack
 *     meets the same SYNs at the same virtual times with the same ISN key, so it picks the same
 *     ISNs, which this class checks, and now the conversation goes on.</li>
 * </ol>
 * Checksums of the client's frames are recomputed in both passes: the shared captures were mostly
 * taken on the client, whose NIC filled its checksums after the capture point.
 */
public final class AlignedReplay {
    private AlignedReplay() {
    }

    /** A frame to replay: its bytes and its time. */
    public record Input(byte[] data, long timestampNanos) {
    }

    /** How a server started a connection: its ISN, and its TSval in the SYN-ACK (-1 without). */
    public record Start(long isn, long tsVal) {
    }

    /** The options a server's SYN-ACK carried: what it negotiated. */
    public record Offer(boolean windowScale, boolean sackPermitted, boolean timestamps) {
    }

    /**
     * The client side of the TCP conversations of a capture: the frames of every connection
     * whose SYN (without ACK) the capture holds, sent by the SYN's sender, and how the recorded
     * server started each (keyed by the connection as the client sees it, "client:port>server:port").
     */
    public record ClientSide(List<Input> frames, Map<String, Start> recordedServer, Map<String, Offer> recordedOffers) {
        /**
         * {@code base} with window scaling, SACK and timestamps offered as the recorded server
         * offered them on its first connection: the client's later segments follow what it
         * negotiated (no timestamps on any segment if the server offered none, RFC 7323 3.2),
         * so the stack playing that server must negotiate the same.
         */
        public TcpConfig serverLike(TcpConfig base) {
            if (recordedOffers.isEmpty()) {
                return base;
            }
            Offer o = recordedOffers.values().iterator().next();
            return base.toBuilder().windowScaling(o.windowScale()).sackPermitted(o.sackPermitted())
                    .timestamps(o.timestamps()).build();
        }

        public static ClientSide of(Path capture) {
            List<Pcap4jFrames.Frame> all = Pcap4jFrames.read(capture);
            Set<String> clients = new LinkedHashSet<>();
            for (Pcap4jFrames.Frame f : all) {
                RawTcpFrame t = RawTcpFrame.of(f.data().clone());
                if (t != null && (t.flags() & 0x17) == TcpSegment.SYN) {
                    clients.add(t.flow());
                }
            }
            Map<String, Start> server = new LinkedHashMap<>();
            Map<String, Offer> offers = new LinkedHashMap<>();
            List<Input> frames = new ArrayList<>();
            for (Pcap4jFrames.Frame f : all) {
                RawTcpFrame t = RawTcpFrame.of(f.data().clone());
                if (t == null) {
                    continue;
                }
                if (clients.contains(t.flow())) {
                    frames.add(new Input(f.data().clone(), f.timestampNanos()));
                    continue;
                }
                String back = reverse(t.flow());
                if (clients.contains(back) && (t.flags() & 0x16) == (TcpSegment.SYN | TcpSegment.ACK) && !server.containsKey(back)) {
                    long[] ts = t.timestamps();
                    server.put(back, new Start(t.seq(), ts == null ? -1 : ts[0]));
                    DecodedFrame d = DecodedFrame.decode(0, f.data());
                    TcpSegment seg = d.segment();
                    if (seg != null) {
                        offers.put(back, new Offer(seg.windowScale() >= 0, seg.sackPermitted(), seg.tsVal() >= 0));
                    }
                }
            }
            return new ClientSide(List.copyOf(frames), Map.copyOf(server), offers);
        }
    }

    /**
     * The second pass and what the stack chose.
     *
     * @param run         the replay of the aligned client frames
     * @param stackStarts how the stack started each connection (keyed like {@link ClientSide#recordedServer})
     */
    public record Result(ReplayRun run, Map<String, Start> stackStarts) {
    }

    /** Runs both passes with {@code settings} (which must repeat exactly: the defaults' fixed ISN key does), under {@code dir}. */
    public static Result run(ClientSide client, StackReplay.Settings settings, Path dir) throws IOException {
        List<Input> fixed = new ArrayList<>();
        for (Input in : client.frames()) {
            byte[] copy = in.data().clone();
            RawTcpFrame t = RawTcpFrame.of(copy);
            if (t != null) {
                t.fillChecksums();
            }
            fixed.add(new Input(copy, in.timestampNanos()));
        }
        Path first = Files.createDirectories(dir.resolve("pass1"));
        ReplayRun pass1 = ReplayRun.of(write(fixed, first.resolve("client.pcap")), settings, first);
        Map<String, Start> starts = stackStarts(pass1.frames());

        List<Input> aligned = new ArrayList<>();
        for (Input in : fixed) {
            byte[] copy = in.data().clone();
            RawTcpFrame t = RawTcpFrame.of(copy);
            if (t != null) {
                Start recorded = client.recordedServer().get(t.flow());
                Start ours = starts.get(t.flow());
                if (recorded != null && ours != null) {
                    long delta = ours.isn() - recorded.isn();
                    long tsDelta = recorded.tsVal() >= 0 && ours.tsVal() >= 0 ? ours.tsVal() - recorded.tsVal() : 0;
                    if ((t.flags() & TcpSegment.ACK) != 0) {
                        t.setAck(t.ack() + delta);
                    }
                    t.shiftOptions(delta, tsDelta);
                    t.fillChecksums();
                }
            }
            aligned.add(new Input(copy, in.timestampNanos()));
        }
        Path second = Files.createDirectories(dir.resolve("pass2"));
        ReplayRun pass2 = ReplayRun.of(write(aligned, second.resolve("client.pcap")), settings, second);
        Map<String, Start> again = stackStarts(pass2.frames());
        for (var e : starts.entrySet()) {
            assertEquals(e.getValue(), again.get(e.getKey()), "the stack started " + e.getKey()
                    + " the same way in both passes (a fixed ISN key and the same virtual times)");
        }
        return new Result(pass2, starts);
    }

    /** The first SYN-ACK the stack sent on each connection, keyed by the connection as its client sees it. */
    public static Map<String, Start> stackStarts(List<DecodedFrame> timeline) {
        Map<String, Start> starts = new LinkedHashMap<>();
        for (DecodedFrame f : timeline) {
            TcpSegment s = f.segment();
            if (ReplayRun.outbound(f) && s != null && s.has(TcpSegment.SYN) && s.has(TcpSegment.ACK)) {
                starts.putIfAbsent(s.reverseFlow(), new Start(s.seq(), s.tsVal()));
            }
        }
        return starts;
    }

    static Path write(List<Input> frames, Path file) throws IOException {
        try (CaptureFileWriter w = CaptureFileWriter.create(file, CaptureFileWriter.Format.PCAP_NANOS, List.of("client"),
                CaptureFileWriter.MAX_SNAPLEN)) {
            for (Input in : frames) {
                w.write(in.timestampNanos(), MemorySegment.ofArray(in.data()), 0, in.data().length, in.data().length, 0,
                        CaptureFileWriter.DIRECTION_UNKNOWN);
            }
        }
        return file;
    }

    private static String reverse(String flow) {
        int gt = flow.indexOf('>');
        return flow.substring(gt + 1) + ">" + flow.substring(0, gt);
    }
}
