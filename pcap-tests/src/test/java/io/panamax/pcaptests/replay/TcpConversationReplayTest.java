package io.panamax.pcaptests.replay;

import io.panamax.nic.pcap.Tshark;
import io.panamax.pcaptests.oracle.DecodeOracle;
import io.panamax.pcaptests.oracle.DecodedFrame;
import io.panamax.pcaptests.oracle.TcpSegment;
import io.panamax.pcaptests.oracle.TsharkView;
import io.panamax.reactor.testing.SharedData;
import io.panamax.pcaptests.replay.StackReplay;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static io.panamax.pcaptests.oracle.TcpSegment.ACK;
import static io.panamax.pcaptests.oracle.TcpSegment.FIN;
import static io.panamax.pcaptests.oracle.TcpSegment.RST;
import static io.panamax.pcaptests.oracle.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The well-formed TCP conversations of the shared captures, their client side replayed into the
 * full stack as their server (sequence spaces aligned by {@link AlignedReplay}, the capture's own
 * pacing on the virtual clock, sinks or the echo sample on the server ports, the stack offering the
 * TCP options the recorded server offered): what the stack sends
 * decodes cleanly with tshark and pcap4j and is correct TCP. A SYN to a listening port gets a
 * SYN-ACK acknowledging ISN+1, to a closed port a RST-ACK; every data segment the stack can accept
 * is acknowledged (cumulatively, or, beyond a hole the capture leaves, by a duplicate ACK whose
 * SACK blocks cover it); a FIN is acknowledged; every reply comes from the address and port the
 * client spoke to.
 */
class TcpConversationReplayTest {

    static Stream<Arguments> conversations() {
        return Stream.of(
                // capture, server ports served, client segments judged (at least), of which beyond a hole
                Arguments.of("cs-tcp_handshake.pcapng", true, 0, 0),
                Arguments.of("cs-http_google.pcapng", true, 1, 0),
                Arguments.of("cs-latency1.pcapng", true, 1, 0),
                Arguments.of("cs-tcp_refuseconnection.pcapng", false, 0, 0),
                Arguments.of("dnscap-1qtcppadd.pcap", true, 1, 0),
                Arguments.of("dnscap-dnso1tcp-midmiss.pcap", true, 2, 0),
                Arguments.of("td-dns_tcp.pcap", true, 1, 0),
                Arguments.of("td-whois.pcap", true, 1, 0),
                Arguments.of("td-print-flags.pcap", true, 1, 0),
                Arguments.of("td-accecn_handshake.pcap", true, 1, 0),
                Arguments.of("zeek-tcp-handshake-reorder.pcap", true, 1, 0),
                Arguments.of("zeek-tcp-options.pcap", true, 1, 0),
                Arguments.of("zeek-tcp-window-scale-range.pcap", true, 1, 0),
                // The request is cut by the capture's snaplen (so left out); the FIN acks unsent data.
                Arguments.of("zeek-communityid-tcp.pcap", true, 0, 0),
                Arguments.of("zeek-workshop_2011_browse.pcap", true, 6, 0),
                Arguments.of("sv-http-protocol-nodup.pcap", true, 1, 0),
                Arguments.of("sv-tcp-fastopen-01.pcap", true, 1, 0),
                Arguments.of("zeek-tls-tls1.2.pcap", true, 1, 0));
    }

    /**
     * @param serve       whether the server ports get listeners (the sinks of {@link ReplayRun});
     *                    without, port 80 is closed
     * @param judged      client segments with data or FIN the acknowledgment check must see at least
     *                    (so that it cannot pass by judging nothing)
     * @param beyondHoles of which arrive beyond a hole the capture leaves
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("conversations")
    void theStackCarriesTheConversationAsItsServer(String file, boolean serve, int judged, int beyondHoles, @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp) throws Exception {
        Tshark.require();
        AlignedReplay.ClientSide client = AlignedReplay.ClientSide.of(SharedData.pcap(file));
        assertFalse(client.frames().isEmpty(), file + " holds a client side");
        StackReplay.Settings base = serve ? ReplayRun.settings(1) : StackReplay.Settings.defaults();
        StackReplay.Settings settings = base.withTcp(client.serverLike(base.tcp()));
        AlignedReplay.Result aligned = AlignedReplay.run(client, settings, tmp);
        ReplayRun run = aligned.run();
        assertNull(run.result().failure(), "the stack failed on " + file);

        List<DecodedFrame> frames = run.frames();
        List<TsharkView.Frame> tshark = TsharkView.read(run.timeline());
        DecodeOracle.assertClean(run.timeline(), tshark, frames, StackReplay.STACK_MAC, "what the stack sent in " + file);

        Set<Integer> listening = serve ? ReplayRun.LISTENING : Set.of(7, 9);
        List<String> problems = new ArrayList<>();
        problems.addAll(ReplyRules.repliesComeFromTheAddressTheClientSpokeTo(frames));
        problems.addAll(ReplyRules.synsAreAnsweredAsRfc9293Says(frames, listening));
        problems.addAll(ReplyRules.resetsCarryWhatRfc9293Says(frames));
        Acknowledgments acks = dataAndFinsAreAcknowledged(frames);
        problems.addAll(acks.problems());
        if (!problems.isEmpty()) {
            fail(file + ": " + problems.size() + " protocol problem(s) (timeline " + run.timeline() + "):\n  "
                    + String.join("\n  ", problems));
        }
        assertTrue(acks.judged() >= judged && acks.beyondHoles() >= beyondHoles, () -> file + ": the check judged "
                + acks.judged() + " client segment(s), " + acks.beyondHoles() + " beyond a hole; expected at least "
                + judged + " and " + beyondHoles);
        if (serve) {
            assertFalse(aligned.stackStarts().isEmpty(), file + ": the stack accepted the connections");
            assertTrue(run.result().counter("tcp_payload_bytes_received_total") > 0
                    || client.frames().stream().allMatch(f -> payload(f) == 0), file + ": data reached the listeners");
        }
    }

    /**
     * No shared capture has a client segment arrive beyond a hole with an acceptable ACK (after a
     * hole they all acknowledge server data a sink never sends), so one is made: the DNS query of
     * dnscap's dnso1tcp-midmiss moved 10 bytes further (RFC 9293 3.10.7.4: out-of-order data is
     * kept and answered at once with an ACK for the next byte expected; RFC 2018 4: with a SACK
     * block that covers it, SACK having been negotiated).
     */
    @org.junit.jupiter.api.Test
    void aSegmentBeyondAHoleIsAnsweredWithADuplicateAckThatSacksIt(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp)
            throws Exception {
        Tshark.require();
        AlignedReplay.ClientSide client = AlignedReplay.ClientSide.of(SharedData.pcap("dnscap-dnso1tcp-midmiss.pcap"));
        List<AlignedReplay.Input> frames = new ArrayList<>(client.frames());
        int query = -1;
        for (int i = 0; i < frames.size() && query < 0; i++) {
            TcpSegment s = DecodedFrame.decode(0, frames.get(i).data()).segment();
            if (s != null && s.payload().length > 20) {
                query = i;
            }
        }
        assertTrue(query > 0, "the capture's client sends a DNS query");
        frames.set(query, RawTcpFrame.shiftSequence(frames.get(query), 10));
        AlignedReplay.ClientSide holed = new AlignedReplay.ClientSide(frames, client.recordedServer(), client.recordedOffers());
        StackReplay.Settings base = ReplayRun.settings(1);
        ReplayRun run = AlignedReplay.run(holed, base.withTcp(holed.serverLike(base.tcp())), tmp).run();
        assertNull(run.result().failure());
        List<DecodedFrame> timeline = run.frames();
        DecodeOracle.assertClean(run.timeline(), TsharkView.read(run.timeline()), timeline, StackReplay.STACK_MAC, "the holed conversation");
        Acknowledgments acks = dataAndFinsAreAcknowledged(timeline);
        assertTrue(acks.problems().isEmpty(), () -> String.join("\n", acks.problems()) + " (timeline " + run.timeline() + ")");
        assertTrue(acks.beyondHoles() >= 1, "the moved query was judged as arriving beyond a hole");
        assertTrue(run.result().counter("tcp_out_of_order_segments_total") >= 1, "the stack kept it out of order");
    }

    /**
     * Every client data segment or FIN the stack can accept (its acknowledgment within what the
     * stack has sent, RFC 9293 3.10.7.4) is acknowledged by a later segment of the stack: by the
     * cumulative ACK once everything before it arrived, else by a duplicate ACK at the hole whose
     * SACK blocks (when the connection permits SACK) cover it.
     */
    static Acknowledgments dataAndFinsAreAcknowledged(List<DecodedFrame> timeline) {
        List<String> problems = new ArrayList<>();
        int judged = 0;
        int beyondHoles = 0;
        Map<String, Conn> conns = new HashMap<>();
        for (int i = 0; i < timeline.size(); i++) {
            DecodedFrame f = timeline.get(i);
            TcpSegment s = f.segment();
            if (s == null) {
                continue;
            }
            if (ReplayRun.outbound(f)) {
                Conn c = conns.get(s.reverseFlow());
                if (c != null && !s.has(RST)) {
                    if (s.has(SYN)) {
                        c.stackIsn = s.seq();
                        c.sack = s.sackPermitted() && c.clientSack;
                    }
                    c.stackMax = Math.max(c.stackMax, rel(c.stackIsn, TcpSegment.plus(s.seq(), s.sequenceLength())));
                }
                continue;
            }
            if (s.isPureSyn()) {
                Conn c = new Conn();
                c.clientIsn = s.seq();
                c.clientSack = s.sackPermitted();
                conns.put(s.flow(), c);
                c.received.add(new long[] {0, 1});
                continue;
            }
            Conn c = conns.get(s.flow());
            if (c == null || c.stackIsn < 0 || s.has(RST) || s.has(SYN) || (s.payload().length == 0 && !s.has(FIN))) {
                continue;
            }
            if (!s.has(ACK) || rel(c.stackIsn, s.ack()) > c.stackMax || rel(c.stackIsn, s.ack()) == 0) {
                continue; // acknowledges nothing the stack sent, or more: RFC 9293 drops it (with an ACK)
            }
            long start = rel(c.clientIsn, s.seq());
            long end = start + s.payload().length + (s.has(FIN) ? 1 : 0);
            boolean hole = !c.covers(start);
            c.received.add(new long[] {start, end});
            judged++;
            beyondHoles += hole ? 1 : 0;
            String what = "frame " + f.number() + " " + s;
            TcpSegment answer = null;
            for (int j = i + 1; j < timeline.size() && answer == null; j++) {
                DecodedFrame g = timeline.get(j);
                TcpSegment r = g.segment();
                if (!ReplayRun.outbound(g) || r == null || !r.flow().equals(s.reverseFlow()) || !r.has(ACK) || r.has(RST)) {
                    continue;
                }
                long ack = rel(c.clientIsn, r.ack());
                if (!hole && ack >= end) {
                    answer = r;
                } else if (hole && ack <= start && (!c.sack || sacked(c.clientIsn, r, start, end))) {
                    answer = r;
                }
            }
            if (answer == null) {
                problems.add(what + (hole ? ": beyond a hole, no duplicate ACK" + (c.sack ? " with a SACK block covering it" : "")
                        : ": never acknowledged"));
            }
        }
        return new Acknowledgments(problems, judged, beyondHoles);
    }

    /** What {@link #dataAndFinsAreAcknowledged} found: its violations, and how many segments it judged. */
    record Acknowledgments(List<String> problems, int judged, int beyondHoles) {
    }

    private static boolean sacked(long isn, TcpSegment r, long start, long end) {
        for (long[] b : r.sackBlocks()) {
            if (rel(isn, b[0]) <= start && rel(isn, b[1]) >= Math.min(end, start + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Position of {@code seq} in the sequence space that starts at {@code isn} (0 = the SYN). */
    private static long rel(long isn, long seq) {
        return (seq - isn) & 0xffffffffL;
    }

    private static int payload(AlignedReplay.Input in) {
        DecodedFrame f = DecodedFrame.decode(0, in.data());
        TcpSegment s = f.segment();
        return s == null ? 0 : s.payload().length;
    }

    /** One connection as the checker follows it. */
    private static final class Conn {
        long clientIsn;
        long stackIsn = -1;
        long stackMax;
        boolean clientSack;
        boolean sack;
        /** Client bytes seen, as [start, end) positions in its sequence space. */
        final List<long[]> received = new ArrayList<>();

        /** Whether every position before {@code position} has arrived. */
        boolean covers(long position) {
            long reach = 0;
            boolean grew = true;
            while (grew) {
                grew = false;
                for (long[] r : received) {
                    if (r[0] <= reach && r[1] > reach) {
                        reach = r[1];
                        grew = true;
                    }
                }
            }
            return reach >= position;
        }
    }
}
