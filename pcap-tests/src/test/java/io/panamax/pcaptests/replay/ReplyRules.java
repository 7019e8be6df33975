package io.panamax.pcaptests.replay;

import io.panamax.pcaptests.oracle.DecodedFrame;
import io.panamax.pcaptests.oracle.TcpSegment;
import org.pcap4j.packet.IpV4Packet;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.panamax.pcaptests.oracle.TcpSegment.ACK;
import static io.panamax.pcaptests.oracle.TcpSegment.RST;
import static io.panamax.pcaptests.oracle.TcpSegment.SYN;

/**
 * Protocol rules that hold for what a stack sends in answer to any capture, checked on a replay's
 * timeline (pcap4j's decode, in the order the stack received and sent): who a reply may come
 * from, how a SYN is answered (RFC 9293 3.10.7.1 and 3.10.7.2, RFC 7323, RFC 2018) and what a
 * reset may carry. Each method returns the violations, one readable line each.
 */
public final class ReplyRules {
    private ReplyRules() {
    }

    /**
     * Every IPv4 datagram the stack sent goes back along a path a received datagram came: its
     * source is an address a peer sent to and its destination that peer (for TCP and UDP, with
     * the ports swapped too).
     */
    public static List<String> repliesComeFromTheAddressTheClientSpokeTo(List<DecodedFrame> timeline) {
        Set<String> heard = new HashSet<>();
        List<String> problems = new ArrayList<>();
        for (DecodedFrame f : timeline) {
            IpV4Packet ip = f.ipv4();
            if (ip == null) {
                continue;
            }
            String src = ip.getHeader().getSrcAddr().getHostAddress();
            String dst = ip.getHeader().getDstAddr().getHostAddress();
            int[] ports = ports(ip);
            if (!ReplayRun.outbound(f)) {
                heard.add(src + ">" + dst);
                if (ports != null) {
                    heard.add(src + ":" + ports[0] + ">" + dst + ":" + ports[1]);
                }
                continue;
            }
            String back = ports == null ? dst + ">" + src : dst + ":" + ports[1] + ">" + src + ":" + ports[0];
            if (!heard.contains(back)) {
                problems.add("frame " + f.number() + ": the stack sent " + (ports == null ? src + " -> " + dst
                        : src + ":" + ports[0] + " -> " + dst + ":" + ports[1]) + ", but nothing had come the other way");
            }
        }
        return problems;
    }

    /**
     * The TCP or UDP ports of a datagram that carries the start of one (a whole datagram or a
     * first fragment with 4 bytes of it, read from pcap4j's IPv4 payload bytes), else null.
     */
    private static int[] ports(IpV4Packet ip) {
        var h = ip.getHeader();
        int protocol = h.getProtocol().value() & 0xff;
        if ((protocol != 6 && protocol != 17) || h.getFragmentOffset() != 0 || ip.getPayload() == null) {
            return null;
        }
        byte[] b = ip.getPayload().getRawData();
        if (b.length < 4) {
            return null;
        }
        return new int[] {(b[0] & 0xff) << 8 | (b[1] & 0xff), (b[2] & 0xff) << 8 | (b[3] & 0xff)};
    }

    /**
     * Whether the stack, with no VLAN configured, takes the frame past its Ethernet layer: an
     * untagged frame or one priority-tagged (802.1Q VID 0); other VLANs are counted drops.
     */
    static boolean reachesIp(DecodedFrame f) {
        byte[] d = f.data();
        if (d.length < 14) {
            return false;
        }
        int type = (d[12] & 0xff) << 8 | (d[13] & 0xff);
        if (type == 0x88a8) {
            return false;
        }
        if (type == 0x8100) {
            return d.length >= 18 && (((d[14] & 0x0f) << 8) | (d[15] & 0xff)) == 0;
        }
        return true;
    }

    /**
     * A connection request (a SYN without ACK, RST or FIN, its checksums good, not a fragment) is
     * answered on its own 4-tuple: a listening port with a SYN-ACK that acknowledges ISN+1 and
     * offers window scaling, SACK and timestamps only if the SYN did (echoing its TSval), with an
     * MSS; a closed port with a RST-ACK of sequence 0 acknowledging ISN+SEG.LEN. Only the first
     * SYN of a 4-tuple is judged (later ones meet a connection already there), and only one the
     * stack takes at all (not on a VLAN it does not serve).
     */
    public static List<String> synsAreAnsweredAsRfc9293Says(List<DecodedFrame> timeline, Set<Integer> listening) {
        List<String> problems = new ArrayList<>();
        Set<String> judged = new HashSet<>();
        for (int i = 0; i < timeline.size(); i++) {
            DecodedFrame f = timeline.get(i);
            TcpSegment syn = f.segment();
            if (ReplayRun.outbound(f) || syn == null || !syn.isPureSyn() || !judged.add(syn.flow()) || f.pcap4jProblem() != null
                    || isFragment(f) || !reachesIp(f)) {
                continue;
            }
            TcpSegment reply = firstOn(timeline, i + 1, syn.reverseFlow());
            String what = "frame " + f.number() + " " + syn;
            if (reply == null) {
                problems.add(what + ": no answer at all");
                continue;
            }
            long isnPlusOne = TcpSegment.plus(syn.seq(), 1);
            if (listening.contains(syn.dstPort())) {
                if (reply.flags() != (SYN | ACK) && reply.flags() != (SYN | ACK | 0x40)) {
                    problems.add(what + ": a listening port answered " + reply + ", not SYN-ACK");
                    continue;
                }
                if (reply.ack() != isnPlusOne) {
                    problems.add(what + ": SYN-ACK " + reply + " acknowledges " + reply.ack() + ", not ISN+1 = " + isnPlusOne);
                }
                if (reply.mss() <= 0) {
                    problems.add(what + ": SYN-ACK " + reply + " carries no MSS option");
                }
                if (reply.windowScale() >= 0 && syn.windowScale() < 0) {
                    problems.add(what + ": SYN-ACK offers window scaling to a SYN without it (RFC 7323 2.2)");
                }
                if (reply.sackPermitted() && !syn.sackPermitted()) {
                    problems.add(what + ": SYN-ACK permits SACK to a SYN that did not (RFC 2018 2)");
                }
                if (reply.tsVal() >= 0 && syn.tsVal() < 0) {
                    problems.add(what + ": SYN-ACK has timestamps though the SYN had none (RFC 7323 3.2)");
                }
                if (reply.tsVal() >= 0 && reply.tsEcr() != syn.tsVal()) {
                    problems.add(what + ": SYN-ACK echoes TSecr " + reply.tsEcr() + ", the SYN's TSval is " + syn.tsVal());
                }
            } else {
                long expected = TcpSegment.plus(syn.seq(), syn.sequenceLength());
                if (reply.flags() != (RST | ACK) || reply.seq() != 0 || reply.ack() != expected) {
                    problems.add(what + ": a closed port answered " + reply + ", not RST-ACK seq=0 ack=" + expected);
                }
            }
        }
        return problems;
    }

    /**
     * Every reset the stack sent can be explained (RFC 9293 3.10.7): a RST without ACK carries the
     * ACK field of a segment it received on that connection, or its own next sequence number (an
     * abort); a RST-ACK acknowledges exactly what a received segment occupied.
     */
    public static List<String> resetsCarryWhatRfc9293Says(List<DecodedFrame> timeline) {
        Map<String, Set<Long>> acksSeen = new HashMap<>();
        Map<String, Set<Long>> endsSeen = new HashMap<>();
        Map<String, Long> ownNext = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (DecodedFrame f : timeline) {
            TcpSegment s = f.segment();
            if (s == null || isFragment(f)) {
                continue;
            }
            if (!ReplayRun.outbound(f)) {
                // Keyed by the connection as the stack sees it (its own address first).
                String conn = s.reverseFlow();
                if (s.has(ACK)) {
                    acksSeen.computeIfAbsent(conn, k -> new HashSet<>()).add(s.ack());
                }
                endsSeen.computeIfAbsent(conn, k -> new HashSet<>()).add(TcpSegment.plus(s.seq(), s.sequenceLength()));
                continue;
            }
            String conn = s.flow();
            if (s.has(RST) && !s.has(ACK)) {
                boolean explained = acksSeen.getOrDefault(conn, Set.of()).contains(s.seq())
                        || s.seq() == ownNext.getOrDefault(conn, -1L);
                if (!explained) {
                    problems.add("frame " + f.number() + ": " + s + " has a sequence number no received ACK carried"
                            + " and that is not the stack's next one (" + ownNext.get(conn) + ")");
                }
            } else if (s.has(RST) && s.has(ACK) && !endsSeen.getOrDefault(conn, Set.of()).contains(s.ack())) {
                problems.add("frame " + f.number() + ": " + s + " acknowledges " + s.ack()
                        + ", the end of no segment received on that connection");
            }
            if (!s.has(RST)) {
                ownNext.put(conn, TcpSegment.plus(s.seq(), s.sequenceLength()));
            }
        }
        return problems;
    }

    private static TcpSegment firstOn(List<DecodedFrame> timeline, int from, String flow) {
        for (int j = from; j < timeline.size(); j++) {
            DecodedFrame g = timeline.get(j);
            TcpSegment r = g.segment();
            if (ReplayRun.outbound(g) && r != null && r.flow().equals(flow)) {
                return r;
            }
        }
        return null;
    }

    static boolean isFragment(DecodedFrame f) {
        IpV4Packet ip = f.ipv4();
        return ip != null && (ip.getHeader().getMoreFragmentFlag() || ip.getHeader().getFragmentOffset() != 0);
    }
}
