package io.panamax.pcaptests.oracle;

import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.TcpMaximumSegmentSizeOption;
import org.pcap4j.packet.TcpPacket;
import org.pcap4j.packet.TcpSackOption;
import org.pcap4j.packet.TcpSackPermittedOption;
import org.pcap4j.packet.TcpTimestampsOption;
import org.pcap4j.packet.TcpWindowScaleOption;

import java.util.ArrayList;
import java.util.List;

/**
 * A TCP segment as pcap4j decoded it, in plain values (sequence numbers unsigned, in
 * {@code long}s). The tests reason about TCP with these, never with the stack's own parser.
 *
 * @param frame     the frame number it came from
 * @param srcIp     source address (dotted quad)
 * @param dstIp     destination address
 * @param ipId      the IPv4 identification
 * @param ttl       the IPv4 TTL
 * @param dontFragment the IPv4 DF flag
 * @param flags     the eight control bits (CWR ECE URG ACK PSH RST SYN FIN), as on the wire
 * @param payload   the data bytes (empty for none)
 * @param mss       the MSS option, or -1
 * @param windowScale the Window Scale shift, or -1
 * @param tsVal     TSval, or -1 without a Timestamps option
 * @param tsEcr     TSecr, or -1 without a Timestamps option
 * @param sackBlocks SACK blocks as [left, right] pairs
 * @param optionKinds the option kinds in order (NOP and EOL included), for layout comparisons
 */
public record TcpSegment(int frame, String srcIp, int srcPort, String dstIp, int dstPort, int ipId, int ttl,
                         boolean dontFragment, long seq, long ack, int flags, int window, byte[] payload, int mss,
                         int windowScale, boolean sackPermitted, long tsVal, long tsEcr, List<long[]> sackBlocks,
                         List<Integer> optionKinds) {
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    /** The segment in {@code f}, or null when it carries no TCP (or an unfragmented one pcap4j refused). */
    static TcpSegment of(DecodedFrame f) {
        TcpPacket t = f.tcp();
        IpV4Packet ip = f.ipv4();
        if (t == null || ip == null) {
            return null;
        }
        var h = t.getHeader();
        byte[] raw = h.getRawData();
        int flags = raw[13] & 0xff;
        int mss = -1;
        int ws = -1;
        boolean sackOk = false;
        long tsVal = -1;
        long tsEcr = -1;
        List<long[]> sacks = new ArrayList<>();
        List<Integer> kinds = new ArrayList<>();
        for (TcpPacket.TcpOption o : h.getOptions()) {
            kinds.add(o.getKind().value() & 0xff);
            switch (o) {
                case TcpMaximumSegmentSizeOption m -> mss = m.getMaxSegSizeAsInt();
                case TcpWindowScaleOption w -> ws = w.getShiftCountAsInt();
                case TcpSackPermittedOption p -> sackOk = true;
                case TcpTimestampsOption ts -> {
                    tsVal = ts.getTsValueAsLong();
                    tsEcr = ts.getTsEchoReplyAsLong();
                }
                case TcpSackOption s -> {
                    byte[] b = s.getRawData();
                    for (int i = 2; i + 8 <= b.length; i += 8) {
                        sacks.add(new long[] {u32(b, i), u32(b, i + 4)});
                    }
                }
                default -> { } // NOP, EOL, kinds this check does not interpret
            }
        }
        byte[] payload = t.getPayload() == null ? new byte[0] : t.getPayload().getRawData();
        var ih = ip.getHeader();
        return new TcpSegment(f.number(), ih.getSrcAddr().getHostAddress(), h.getSrcPort().valueAsInt(),
                ih.getDstAddr().getHostAddress(), h.getDstPort().valueAsInt(), ih.getIdentificationAsInt(), ih.getTtlAsInt(),
                ih.getDontFragmentFlag(), h.getSequenceNumberAsLong(), h.getAcknowledgmentNumberAsLong(), flags,
                h.getWindowAsInt(), payload, mss, ws, sackOk, tsVal, tsEcr, List.copyOf(sacks), List.copyOf(kinds));
    }

    private static long u32(byte[] b, int i) {
        return ((b[i] & 0xffL) << 24) | ((b[i + 1] & 0xffL) << 16) | ((b[i + 2] & 0xffL) << 8) | (b[i + 3] & 0xffL);
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** Only SYN among SYN, ACK, RST, FIN: a connection request. */
    public boolean isPureSyn() {
        return has(SYN) && !has(ACK) && !has(RST) && !has(FIN);
    }

    /** The sequence space the segment takes: its data, plus one for SYN and one for FIN. */
    public long sequenceLength() {
        return payload.length + (has(SYN) ? 1 : 0) + (has(FIN) ? 1 : 0);
    }

    /** The connection from this segment's sender's point of view: "src:port>dst:port". */
    public String flow() {
        return srcIp + ":" + srcPort + ">" + dstIp + ":" + dstPort;
    }

    /** The same connection seen from the other end. */
    public String reverseFlow() {
        return dstIp + ":" + dstPort + ">" + srcIp + ":" + srcPort;
    }

    /** The control bits as text ("SYN|ACK"). */
    public static String flagNames(int flags) {
        String[] names = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            if ((flags & (1 << i)) != 0) {
                sb.append(sb.isEmpty() ? "" : "|").append(names[i]);
            }
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }

    /** seq + n modulo 2^32. */
    public static long plus(long seq, long n) {
        return (seq + n) & 0xffffffffL;
    }

    @Override
    public String toString() {
        return "#" + frame + " " + flow() + " [" + flagNames(flags) + "] seq=" + seq + " ack=" + ack + " len=" + payload.length;
    }
}
