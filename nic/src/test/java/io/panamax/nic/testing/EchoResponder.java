package io.panamax.nic.testing;

import io.panamax.nic.MacAddress;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketHandler;
import io.panamax.reactor.metrics.Counter;

import java.util.function.Consumer;

/**
 * The smallest host a NIC test needs on the stack side: it answers ARP requests for its IPv4
 * address and ICMP echo requests sent to it, by rewriting the received packet in place and
 * sending it back, and releases everything else. With it, the kernel's own {@code ping} proves
 * that frames travel both ways through a backend. Runs on the shard that polls the queue.
 */
public final class EchoResponder implements PacketHandler {
    private static final int ETH = TestFrames.ETH_HLEN;

    private final long mac;
    private final int ip;
    private final Consumer<Packet> send;
    /** ARP replies sent. */
    public final Counter arpReplies = new Counter();
    /** ICMP echo replies sent. */
    public final Counter echoReplies = new Counter();
    /** Frames that were neither and were released. */
    public final Counter ignored = new Counter();

    /**
     * @param mac  the stack's MAC
     * @param ip   the stack's IPv4 address, first octet most significant
     * @param send where replies go (a {@code NicPoller::send})
     */
    public EchoResponder(MacAddress mac, int ip, Consumer<Packet> send) {
        this.mac = mac.bits();
        this.ip = ip;
        this.send = send;
    }

    @Override
    public void handle(Packet p) {
        if (p.length() >= ETH + 28 && p.getU16(12) == TestFrames.ETHERTYPE_ARP
                && p.getU16(ETH + 6) == TestFrames.ARP_REQUEST && p.getI32(ETH + 24) == ip) {
            answerArp(p);
            return;
        }
        if (p.length() >= ETH + 28 && p.getU16(12) == TestFrames.ETHERTYPE_IPV4 && getMac(p, 0) == mac
                && p.getU8(ETH + 9) == TestFrames.IPPROTO_ICMP && p.getI32(ETH + 16) == ip) {
            int icmp = ETH + (p.getU8(ETH) & 0x0f) * 4;
            if (p.length() >= icmp + 8 && p.getU8(icmp) == TestFrames.ICMP_ECHO_REQUEST) {
                answerEcho(p, icmp);
                return;
            }
        }
        ignored.increment();
        p.release();
    }

    private void answerArp(Packet p) {
        long asker = getMac(p, ETH + 8);
        int askerIp = p.getI32(ETH + 14);
        setMac(p, 0, asker);
        setMac(p, 6, mac);
        p.setU16(ETH + 6, TestFrames.ARP_REPLY);
        setMac(p, ETH + 8, mac);
        p.setI32(ETH + 14, ip);
        setMac(p, ETH + 18, asker);
        p.setI32(ETH + 24, askerIp);
        arpReplies.increment();
        send.accept(p);
    }

    private void answerEcho(Packet p, int icmp) {
        long peer = getMac(p, 6);
        int peerIp = p.getI32(ETH + 12);
        setMac(p, 0, peer);
        setMac(p, 6, mac);
        // Swapping the addresses leaves the IPv4 header checksum as it was.
        p.setI32(ETH + 12, ip);
        p.setI32(ETH + 16, peerIp);
        int end = ETH + p.getU16(ETH + 2);
        p.setU8(icmp, TestFrames.ICMP_ECHO_REPLY);
        p.setU16(icmp + 2, 0);
        long sum = 0;
        for (int i = icmp; i + 1 < end; i += 2) {
            sum += p.getU16(i);
        }
        if (((end - icmp) & 1) != 0) {
            sum += p.getU8(end - 1) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        p.setU16(icmp + 2, (int) (~sum & 0xffff));
        echoReplies.increment();
        send.accept(p);
    }

    private static long getMac(Packet p, int at) {
        return (long) p.getU16(at) << 32 | (p.getI32(at + 2) & 0xffff_ffffL);
    }

    private static void setMac(Packet p, int at, long m) {
        p.setU16(at, (int) (m >>> 32));
        p.setI32(at + 2, (int) m);
    }
}
