package io.panamax.pcaptests.golden;

import io.panamax.pcaptests.oracle.DecodedFrame;
import io.panamax.pcaptests.oracle.TcpSegment;
import org.pcap4j.packet.ArpPacket;
import org.pcap4j.packet.IcmpV4CommonPacket;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.UdpPacket;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Renders what a stack sent in a conversation as one line of text per frame, every field that
 * matters and nothing that changes from one run to the next: TCP sequence numbers relative to
 * the stack's ISN, acknowledgments relative to the client's, TSecr relative to the client's
 * first TSval, IPv4 identifications relative to the stack's first, the client's ports and ping
 * identifiers named by order of appearance (c1, c2, ...), the client's MAC as "client". TSval
 * digits follow the stack's clock (real in a recording, virtual in a replay), so a line shows
 * only that a TSval was sent, and "TSVAL-WENT-BACK" if it was smaller than the last one on that
 * connection; likewise the Date field of an HTTP answer is rendered as the epoch. Two runs that behaved alike render alike, and a change reads as a line diff.
 */
public final class StackSideRenderer {
    private final String stackMac;
    private final Map<Integer, String> clientPorts = new HashMap<>();
    private final Map<Integer, String> pingIds = new HashMap<>();
    private final Map<String, Conn> conns = new HashMap<>();
    private String clientMac;
    private int firstIpId = -1;

    private StackSideRenderer(String stackMac) {
        this.stackMac = stackMac;
    }

    /** The stack's frames of {@code frames} (a recording or a replay timeline), one line each. */
    public static List<String> render(List<DecodedFrame> frames, String stackMacHex) {
        StackSideRenderer r = new StackSideRenderer(stackMacHex);
        List<String> lines = new ArrayList<>();
        for (DecodedFrame f : frames) {
            if (f.from(stackMacHex)) {
                lines.add(r.stackFrame(f));
            } else {
                r.clientFrame(f);
            }
        }
        return lines;
    }

    private void clientFrame(DecodedFrame f) {
        if (clientMac == null) {
            clientMac = f.source();
        }
        TcpSegment s = f.segment();
        if (s != null) {
            port(s.srcPort());
            Conn c = conns.computeIfAbsent(s.reverseFlow(), k -> new Conn());
            if (s.has(TcpSegment.SYN) && !s.has(TcpSegment.ACK)) {
                c.clientIsn = s.seq();
                c.clientTs = s.tsVal();
            }
        }
        UdpPacket u = f.udp();
        if (u != null) {
            port(u.getHeader().getSrcPort().valueAsInt());
        }
        IcmpV4CommonPacket icmp = f.icmp();
        if (icmp != null && icmp.getPayload() != null && icmp.getPayload().getRawData().length >= 2) {
            byte[] b = icmp.getPayload().getRawData();
            pingIds.computeIfAbsent((b[0] & 0xff) << 8 | (b[1] & 0xff), k -> "p" + (pingIds.size() + 1));
        }
    }

    private String port(int p) {
        return clientPorts.computeIfAbsent(p, k -> "c" + (clientPorts.size() + 1));
    }

    private String stackFrame(DecodedFrame f) {
        StringBuilder sb = new StringBuilder();
        String dst = HexFormat.of().formatHex(f.data(), 0, 6);
        sb.append(dst.equals("ffffffffffff") ? "to broadcast" : dst.equals(clientMac) ? "to client" : "to " + dst)
                .append(' ').append(f.data().length).append("B ");
        ArpPacket arp = f.arp();
        if (arp != null) {
            var h = arp.getHeader();
            return sb.append("arp ").append(h.getOperation().valueAsString().equals("1") ? "request" : "reply")
                    .append(" sender ").append(h.getSrcProtocolAddr().getHostAddress()).append(' ')
                    .append(h.getSrcHardwareAddr()).append(" target ").append(h.getDstProtocolAddr().getHostAddress())
                    .append(' ').append(macName(HexFormat.of().formatHex(h.getDstHardwareAddr().getAddress()))).toString();
        }
        IpV4Packet ip = f.ipv4();
        if (ip == null) {
            return sb.append("not IPv4: ").append(f.pcap4jProblem() != null ? f.pcap4jProblem() : f.packet().getClass().getSimpleName()).toString();
        }
        var h = ip.getHeader();
        int id = h.getIdentificationAsInt();
        if (firstIpId < 0) {
            firstIpId = id;
        }
        String ipFields = " ttl=" + h.getTtlAsInt() + (h.getDontFragmentFlag() ? " df" : "") + " tos=" + (h.getTos().value() & 0xff)
                + " ipid+" + ((id - firstIpId) & 0xffff);
        TcpSegment s = f.segment();
        if (s != null) {
            Conn c = conns.computeIfAbsent(s.flow(), k -> new Conn());
            if (s.has(TcpSegment.SYN)) {
                c.stackIsn = s.seq();
            }
            sb.append("tcp ").append(s.srcIp()).append(':').append(s.srcPort()).append(" > ").append(s.dstIp()).append(':')
                    .append(port(s.dstPort())).append(" [").append(TcpSegment.flagNames(s.flags())).append("] seq=")
                    .append(rel(c.stackIsn, s.seq())).append(" ack=").append(s.has(TcpSegment.ACK) ? rel(c.clientIsn, s.ack()) : "-")
                    .append(" win=").append(s.window()).append(" len=").append(s.payload().length);
            sb.append(" <");
            List<String> opts = new ArrayList<>();
            for (int kind : s.optionKinds()) {
                opts.add(switch (kind) {
                    case 0 -> "eol";
                    case 1 -> "nop";
                    case 2 -> "mss " + s.mss();
                    case 3 -> "wscale " + s.windowScale();
                    case 4 -> "sackOK";
                    case 5 -> "sack " + sackBlocks(s, c);
                    case 8 -> timestamps(s, c);
                    default -> "kind " + kind;
                });
            }
            sb.append(String.join(",", opts)).append('>')
                    .append(s.srcPort() == TLS_PORT ? tlsRecords(s.payload(), c) : payload(withoutHttpDate(s.payload())))
                    .append(ipFields);
            return sb.toString();
        }
        UdpPacket u = f.udp();
        if (u != null) {
            byte[] data = u.getPayload() == null ? new byte[0] : u.getPayload().getRawData();
            return sb.append("udp ").append(h.getSrcAddr().getHostAddress()).append(':').append(u.getHeader().getSrcPort().valueAsInt())
                    .append(" > ").append(h.getDstAddr().getHostAddress()).append(':').append(port(u.getHeader().getDstPort().valueAsInt()))
                    .append(" len=").append(data.length).append(payload(data)).append(ipFields).toString();
        }
        IcmpV4CommonPacket icmp = f.icmp();
        if (icmp != null) {
            int type = icmp.getHeader().getType().value() & 0xff;
            byte[] rest = icmp.getPayload() == null ? new byte[0] : icmp.getPayload().getRawData();
            sb.append("icmp ").append(h.getSrcAddr().getHostAddress()).append(" > ").append(h.getDstAddr().getHostAddress())
                    .append(" type=").append(type).append(" code=").append(icmp.getHeader().getCode().value() & 0xff);
            if ((type == 0 || type == 8) && rest.length >= 4) {
                int ident = (rest[0] & 0xff) << 8 | (rest[1] & 0xff);
                sb.append(" id=").append(pingIds.getOrDefault(ident, Integer.toString(ident))).append(" seq=")
                        .append((rest[2] & 0xff) << 8 | (rest[3] & 0xff));
                byte[] data = java.util.Arrays.copyOfRange(rest, 4, rest.length);
                sb.append(" len=").append(data.length).append(payload(data));
            } else {
                sb.append(" len=").append(rest.length);
            }
            return sb.append(ipFields).toString();
        }
        return sb.append("ipv4 protocol ").append(h.getProtocol().value() & 0xff).append(ipFields).toString();
    }

    private String macName(String hex) {
        return hex.equals(clientMac) ? "client" : hex.equals("000000000000") ? "00:00:00:00:00:00" : hex;
    }

    private static String sackBlocks(TcpSegment s, Conn c) {
        StringBuilder sb = new StringBuilder();
        for (long[] b : s.sackBlocks()) {
            sb.append(sb.isEmpty() ? "" : " ").append(rel(c.clientIsn, b[0])).append('-').append(rel(c.clientIsn, b[1]));
        }
        return sb.toString();
    }

    private static String timestamps(TcpSegment s, Conn c) {
        String back = c.lastTsVal >= 0 && ((s.tsVal() - c.lastTsVal) & 0xffffffffL) > 0x7fffffffL ? " TSVAL-WENT-BACK" : "";
        c.lastTsVal = s.tsVal();
        String ecr = s.tsEcr() == 0 ? "0" : c.clientTs < 0 ? Long.toString(s.tsEcr()) : "peer+" + ((s.tsEcr() - c.clientTs) & 0xffffffffL);
        return "ts val ecr=" + ecr + back;
    }

    private static String rel(long isn, long seq) {
        return isn < 0 ? Long.toString(seq) : Long.toString((seq - isn) & 0xffffffffL);
    }

    /**
     * The stack's TLS port in the goldens: what it sends there is rendered as TLS records (content
     * type, version, length), not bytes. The records of a reproducible handshake are the same
     * bytes run after run, but the answer's ciphertext carries the HTTP Date and the session
     * ticket the clock: their lengths are what a behaviour change would move.
     */
    static final int TLS_PORT = 8443;
    /** Bytes of a TLS record header (RFC 8446 §5.1). */
    private static final int TLS_HEADER = 5;

    /**
     * The TLS records that start in {@code data} as {@code type/version/length}, the stream parsed
     * across segments of the connection; a segment that starts inside a record shows the bytes it
     * carries of it first, as {@code +n}.
     */
    private static String tlsRecords(byte[] data, Conn c) {
        if (data.length == 0) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        int pos = 0;
        if (c.tlsRemaining > 0) {
            int n = (int) Math.min(c.tlsRemaining, data.length);
            parts.add("+" + n);
            c.tlsRemaining -= n;
            pos = n;
        }
        while (pos < data.length) {
            int n = Math.min(TLS_HEADER - c.tlsHeaderHave, data.length - pos);
            System.arraycopy(data, pos, c.tlsHeader, c.tlsHeaderHave, n);
            c.tlsHeaderHave += n;
            pos += n;
            if (c.tlsHeaderHave < TLS_HEADER) {
                parts.add("header " + c.tlsHeaderHave + "/5");
                break;
            }
            c.tlsHeaderHave = 0;
            int type = c.tlsHeader[0] & 0xff;
            int version = (c.tlsHeader[1] & 0xff) << 8 | (c.tlsHeader[2] & 0xff);
            int length = (c.tlsHeader[3] & 0xff) << 8 | (c.tlsHeader[4] & 0xff);
            parts.add(switch (type) {
                case 20 -> "ccs";
                case 21 -> "alert";
                case 22 -> "handshake";
                case 23 -> "data";
                default -> "type" + type;
            } + "/" + Integer.toHexString(version) + "/" + length);
            int body = Math.min(length, data.length - pos);
            pos += body;
            c.tlsRemaining = length - body;
        }
        return " tls[" + String.join(" ", parts) + "]";
    }

    private static final byte[] HTTP_DATE_FIELD = "\r\nDate: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT".getBytes(StandardCharsets.US_ASCII);

    /**
     * {@code data} with the value of an HTTP Date field (RFC 9110 §6.6.1, an IMF-fixdate: always
     * 29 bytes) replaced by the epoch: it follows the wall clock, the live stack's and the
     * replaying one's alike. The echo's answers are small enough that a field never straddles
     * two segments.
     */
    static byte[] withoutHttpDate(byte[] data) {
        for (int i = 0; i + HTTP_DATE_FIELD.length + EPOCH.length <= data.length; i++) {
            if (java.util.Arrays.equals(data, i, i + HTTP_DATE_FIELD.length, HTTP_DATE_FIELD, 0, HTTP_DATE_FIELD.length)) {
                byte[] out = data.clone();
                System.arraycopy(EPOCH, 0, out, i + HTTP_DATE_FIELD.length, EPOCH.length);
                return out;
            }
        }
        return data;
    }

    /** The status line of an HTTP answer that starts in {@code data}, quoted with a space before it, or "". */
    private static String httpStatusLine(byte[] data) {
        String start = new String(data, 0, Math.min(data.length, 64), StandardCharsets.US_ASCII);
        int eol = start.indexOf("\r\n");
        return start.startsWith("HTTP/1.") && eol > 0 ? " \"" + start.substring(0, eol) + "\\r\\n...\"" : "";
    }

    private static String payload(byte[] data) {
        if (data.length == 0) {
            return "";
        }
        boolean printable = data.length <= 40;
        for (byte b : data) {
            printable &= (b >= 0x20 && b < 0x7f) || b == '\n';
        }
        if (printable) {
            return " \"" + new String(data, StandardCharsets.US_ASCII).replace("\n", "\\n") + "\"";
        }
        try {
            return httpStatusLine(data) + " sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data), 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One TCP connection, keyed by its 4-tuple as the stack sees it. */
    private static final class Conn {
        long stackIsn = -1;
        long clientIsn = -1;
        long clientTs = -1;
        long lastTsVal = -1;
        /** Of the TLS stream the stack sends: bytes left of the record in progress, a header in pieces. */
        long tlsRemaining;
        final byte[] tlsHeader = new byte[TLS_HEADER];
        int tlsHeaderHave;
    }
}
