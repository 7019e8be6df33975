package io.panamax.nic.testing;

import io.panamax.nic.MacAddress;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Ethernet frames for tests, built and read byte by byte: ARP requests and replies, ICMP echo,
 * UDP. Independent of the stack's own codecs on purpose (the nic module sits below them, and a
 * test oracle should not share code with what it checks). IPv4 addresses are ints, first octet
 * most significant.
 */
public final class TestFrames {
    public static final int ETH_HLEN = 14;
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;
    public static final int ETHERTYPE_IPV6 = 0x86dd;
    public static final int ARP_REQUEST = 1;
    public static final int ARP_REPLY = 2;
    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_UDP = 17;
    public static final int ICMP_ECHO_REPLY = 0;
    public static final int ICMP_ECHO_REQUEST = 8;

    private TestFrames() {
    }

    // ---- building ------------------------------------------------------------------------------

    /** A broadcast ARP request: who has {@code targetIp}? tell {@code senderIp} at {@code senderMac}. */
    public static byte[] arpRequest(MacAddress senderMac, int senderIp, int targetIp) {
        return arp(MacAddress.BROADCAST, senderMac, ARP_REQUEST, senderMac, senderIp, MacAddress.ZERO, targetIp);
    }

    /** A unicast ARP reply: {@code senderIp} is at {@code senderMac}, sent to the asker. */
    public static byte[] arpReply(MacAddress senderMac, int senderIp, MacAddress targetMac, int targetIp) {
        return arp(targetMac, senderMac, ARP_REPLY, senderMac, senderIp, targetMac, targetIp);
    }

    private static byte[] arp(MacAddress dst, MacAddress src, int op, MacAddress sha, int spa, MacAddress tha, int tpa) {
        ByteBuffer b = ByteBuffer.allocate(ETH_HLEN + 28).order(ByteOrder.BIG_ENDIAN);
        ethernet(b, dst, src, ETHERTYPE_ARP);
        b.putShort((short) 1);          // hardware type: Ethernet
        b.putShort((short) ETHERTYPE_IPV4);
        b.put((byte) 6).put((byte) 4);
        b.putShort((short) op);
        b.put(sha.toBytes()).putInt(spa);
        b.put(tha.toBytes()).putInt(tpa);
        return b.array();
    }

    /** An ICMP echo request with {@code payload}, IPv4 TTL 64, checksums filled in. */
    public static byte[] icmpEchoRequest(MacAddress src, MacAddress dst, int srcIp, int dstIp, int id, int seq, byte[] payload) {
        return icmpEcho(ICMP_ECHO_REQUEST, src, dst, srcIp, dstIp, id, seq, payload);
    }

    public static byte[] icmpEchoReply(MacAddress src, MacAddress dst, int srcIp, int dstIp, int id, int seq, byte[] payload) {
        return icmpEcho(ICMP_ECHO_REPLY, src, dst, srcIp, dstIp, id, seq, payload);
    }

    private static byte[] icmpEcho(int type, MacAddress src, MacAddress dst, int srcIp, int dstIp, int id, int seq, byte[] payload) {
        byte[] icmp = new byte[8 + payload.length];
        ByteBuffer i = ByteBuffer.wrap(icmp);
        i.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(payload);
        i.putShort(2, (short) checksum(icmp, 0, icmp.length));
        return ipv4Frame(src, dst, srcIp, dstIp, IPPROTO_ICMP, icmp);
    }

    /** A UDP datagram in an IPv4 frame, UDP checksum filled in. */
    public static byte[] udp(MacAddress src, MacAddress dst, int srcIp, int dstIp, int srcPort, int dstPort, byte[] payload) {
        byte[] udp = new byte[8 + payload.length];
        ByteBuffer u = ByteBuffer.wrap(udp);
        u.putShort((short) srcPort).putShort((short) dstPort).putShort((short) udp.length).putShort((short) 0).put(payload);
        ByteBuffer pseudo = ByteBuffer.allocate(12 + udp.length);
        pseudo.putInt(srcIp).putInt(dstIp).put((byte) 0).put((byte) IPPROTO_UDP).putShort((short) udp.length).put(udp);
        int sum = checksum(pseudo.array(), 0, pseudo.capacity());
        u.putShort(6, (short) (sum == 0 ? 0xffff : sum));
        return ipv4Frame(src, dst, srcIp, dstIp, IPPROTO_UDP, udp);
    }

    /** An IPv4 frame (20-byte header, DF clear, TTL 64) around {@code l4}. */
    public static byte[] ipv4Frame(MacAddress src, MacAddress dst, int srcIp, int dstIp, int protocol, byte[] l4) {
        ByteBuffer b = ByteBuffer.allocate(ETH_HLEN + 20 + l4.length);
        ethernet(b, dst, src, ETHERTYPE_IPV4);
        int ip = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4.length));
        b.putShort((short) 0x1234).putShort((short) 0);
        b.put((byte) 64).put((byte) protocol).putShort((short) 0);
        b.putInt(srcIp).putInt(dstIp);
        b.putShort(ip + 10, (short) checksum(b.array(), ip, 20));
        b.put(l4);
        return b.array();
    }

    private static void ethernet(ByteBuffer b, MacAddress dst, MacAddress src, int etherType) {
        b.put(dst.toBytes()).put(src.toBytes()).putShort((short) etherType);
    }

    /** The Internet checksum (RFC 1071) of {@code len} bytes: the value to store, already complemented. */
    public static int checksum(byte[] data, int off, int len) {
        long sum = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += (data[off + i] & 0xff) << 8 | (data[off + i + 1] & 0xff);
        }
        if ((len & 1) != 0) {
            sum += (data[off + len - 1] & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    // ---- reading -------------------------------------------------------------------------------

    public static MacAddress destination(byte[] f) {
        return mac(f, 0);
    }

    public static MacAddress source(byte[] f) {
        return mac(f, 6);
    }

    public static int etherType(byte[] f) {
        return f.length < ETH_HLEN ? -1 : u16(f, 12);
    }

    public static boolean isArp(byte[] f, int op) {
        return etherType(f) == ETHERTYPE_ARP && f.length >= ETH_HLEN + 28 && u16(f, ETH_HLEN + 6) == op;
    }

    public static MacAddress arpSenderMac(byte[] f) {
        return mac(f, ETH_HLEN + 8);
    }

    public static int arpSenderIp(byte[] f) {
        return i32(f, ETH_HLEN + 14);
    }

    public static int arpTargetIp(byte[] f) {
        return i32(f, ETH_HLEN + 24);
    }

    public static boolean isIpv4(byte[] f, int protocol) {
        return etherType(f) == ETHERTYPE_IPV4 && f.length >= ETH_HLEN + 20 && (f[ETH_HLEN + 9] & 0xff) == protocol;
    }

    public static int ipv4Source(byte[] f) {
        return i32(f, ETH_HLEN + 12);
    }

    public static int ipv4Destination(byte[] f) {
        return i32(f, ETH_HLEN + 16);
    }

    /** Offset of the IPv4 payload (after the header's options, if any). */
    public static int ipv4PayloadOffset(byte[] f) {
        return ETH_HLEN + (f[ETH_HLEN] & 0x0f) * 4;
    }

    /** Whether {@code f} is an ICMP echo message of {@code type} (request or reply). */
    public static boolean isIcmpEcho(byte[] f, int type) {
        return isIpv4(f, IPPROTO_ICMP) && f.length >= ipv4PayloadOffset(f) + 8 && (f[ipv4PayloadOffset(f)] & 0xff) == type;
    }

    public static int icmpEchoId(byte[] f) {
        return u16(f, ipv4PayloadOffset(f) + 4);
    }

    public static int icmpEchoSeq(byte[] f) {
        return u16(f, ipv4PayloadOffset(f) + 6);
    }

    public static int udpSourcePort(byte[] f) {
        return u16(f, ipv4PayloadOffset(f));
    }

    public static int udpDestinationPort(byte[] f) {
        return u16(f, ipv4PayloadOffset(f) + 2);
    }

    /** The UDP payload of an IPv4/UDP frame. */
    public static byte[] udpPayload(byte[] f) {
        int at = ipv4PayloadOffset(f) + 8;
        int len = u16(f, ipv4PayloadOffset(f) + 4) - 8;
        byte[] p = new byte[len];
        System.arraycopy(f, at, p, 0, len);
        return p;
    }

    public static int u16(byte[] f, int at) {
        return (f[at] & 0xff) << 8 | (f[at + 1] & 0xff);
    }

    public static int i32(byte[] f, int at) {
        return u16(f, at) << 16 | u16(f, at + 2);
    }

    private static MacAddress mac(byte[] f, int at) {
        byte[] m = new byte[6];
        System.arraycopy(f, at, m, 0, 6);
        return MacAddress.of(m);
    }

    /** An IPv4 address as text. */
    public static String ip(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "." + (address & 0xff);
    }

    /** Parses a dotted-quad IPv4 address. */
    public static int ip(String dotted) {
        String[] p = dotted.split("\\.");
        if (p.length != 4) {
            throw new IllegalArgumentException(dotted);
        }
        int v = 0;
        for (String s : p) {
            v = v << 8 | Integer.parseInt(s);
        }
        return v;
    }
}
