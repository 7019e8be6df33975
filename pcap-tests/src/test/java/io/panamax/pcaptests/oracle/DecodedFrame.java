package io.panamax.pcaptests.oracle;

import io.panamax.nic.pcap.Pcap4jFrames;
import org.pcap4j.packet.ArpPacket;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV4CommonPacket;
import org.pcap4j.packet.IllegalPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.Packet;
import org.pcap4j.packet.TcpPacket;
import org.pcap4j.packet.UdpPacket;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One frame of a capture as pcap4j (libpcap's reader, pcap4j's decoders) sees it: the project's
 * independent decoder for what the stack sent and received. Frames are numbered from 1, as
 * tshark numbers them.
 *
 * @param number     1-based position in the file
 * @param data       the captured bytes
 * @param source     the Ethernet source address as 12 hex digits, or "" for a runt
 * @param packet     pcap4j's decode, or null when pcap4j refused the frame ({@link #problem})
 * @param problem    why pcap4j could not decode the frame, or null
 */
public record DecodedFrame(int number, byte[] data, String source, Packet packet, String problem) {

    /** Every frame of {@code file}, decoded. */
    public static List<DecodedFrame> read(Path file) {
        List<DecodedFrame> frames = new ArrayList<>();
        int n = 0;
        for (Pcap4jFrames.Frame f : Pcap4jFrames.read(file)) {
            frames.add(decode(++n, f.data()));
        }
        return frames;
    }

    /** Decodes one Ethernet frame. */
    public static DecodedFrame decode(int number, byte[] data) {
        String source = data.length >= 12 ? java.util.HexFormat.of().formatHex(data, 6, 12) : "";
        try {
            Packet p = EthernetPacket.newPacket(data, 0, data.length);
            return new DecodedFrame(number, data, source, p, null);
        } catch (IllegalRawDataException | RuntimeException e) {
            return new DecodedFrame(number, data, source, null, "pcap4j cannot decode it: " + e.getMessage());
        }
    }

    /** Whether the frame came from the Ethernet address {@code mac} (12 hex digits, lower case). */
    public boolean from(String mac) {
        return source.equals(mac);
    }

    public IpV4Packet ipv4() {
        return packet == null ? null : packet.get(IpV4Packet.class);
    }

    /** The TCP segment the outer IPv4 header carries (not one an ICMP error quotes), or null. */
    public TcpPacket tcp() {
        IpV4Packet ip = ipv4();
        return ip != null && ip.getPayload() instanceof TcpPacket t ? t : null;
    }

    /** The UDP datagram the outer IPv4 header carries, or null. */
    public UdpPacket udp() {
        IpV4Packet ip = ipv4();
        return ip != null && ip.getPayload() instanceof UdpPacket u ? u : null;
    }

    public IcmpV4CommonPacket icmp() {
        return packet == null ? null : packet.get(IcmpV4CommonPacket.class);
    }

    public ArpPacket arp() {
        return packet == null ? null : packet.get(ArpPacket.class);
    }

    private static boolean isError(byte type) {
        return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    }

    /** The frame's TCP segment as plain values, or null when it holds none (or pcap4j refused it). */
    public TcpSegment segment() {
        return TcpSegment.of(this);
    }

    /**
     * What pcap4j finds wrong with the frame: a decode it refused, a part it could only keep as
     * an {@link IllegalPacket}, or a header checksum (IPv4, TCP, UDP, ICMP) that does not verify.
     * Null when nothing is wrong.
     */
    public String pcap4jProblem() {
        if (problem != null) {
            return problem;
        }
        for (Packet p : packet) {
            if (p instanceof IcmpV4CommonPacket icmp && isError(icmp.getHeader().getType().value())) {
                break; // an ICMP error's quote is cut short on purpose (RFC 792: header + 8 bytes)
            }
            if (p instanceof IllegalPacket) {
                return "pcap4j kept part of it as an illegal packet: " + p;
            }
        }
        IpV4Packet ip = ipv4();
        if (ip == null) {
            return null;
        }
        if (!ip.getHeader().hasValidChecksum(false)) {
            return "pcap4j: bad IPv4 header checksum";
        }
        if (ip.getHeader().getMoreFragmentFlag() || ip.getHeader().getFragmentOffset() != 0) {
            return null; // a fragment's transport checksum covers the whole datagram
        }
        var src = ip.getHeader().getSrcAddr();
        var dst = ip.getHeader().getDstAddr();
        // The transport right after the outer header: an ICMP error quotes another one inside.
        Packet transport = ip.getPayload();
        if (transport instanceof TcpPacket tcp && !tcp.hasValidChecksum(src, dst, false)) {
            return "pcap4j: bad TCP checksum";
        }
        if (transport instanceof UdpPacket udp && udp.getHeader().getChecksum() != 0 && !udp.hasValidChecksum(src, dst, true)) {
            return "pcap4j: bad UDP checksum";
        }
        if (transport instanceof IcmpV4CommonPacket icmp && !icmp.hasValidChecksum(false)) {
            return "pcap4j: bad ICMP checksum";
        }
        return null;
    }
}
