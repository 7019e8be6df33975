package io.panamax.nic.dpdk;

import io.panamax.nic.MacAddress;
import io.panamax.reactor.testing.Environment;

import java.util.concurrent.atomic.AtomicInteger;

/** What the DPDK tests share: the precondition check, unique device names. */
final class DpdkTests {
    private static final AtomicInteger DEVICE_SEQUENCE = new AtomicInteger();

    private DpdkTests() {
    }

    /**
     * Fails under CI, skips elsewhere, unless DPDK's libraries load and the process's EAL runs
     * (initialising it on first use: one EAL serves every DPDK test of this JVM).
     */
    static Eal requireEal() {
        String why = Eal.unavailableReason().orElse(null);
        Environment.require(why == null, "needs DPDK 22.11 with a working EAL: " + why);
        return Eal.get();
    }

    /** A vdev name never used before in this process: DPDK keeps names of removed devices apart. */
    static String uniqueVdev(String driver) {
        return driver + "_pmx" + DEVICE_SEQUENCE.incrementAndGet();
    }
    /**
     * Ethernet + IPv4 + UDP (TTL 64), the IPv4 checksum 0 and the UDP field holding the
     * pseudo-header sum, as the transmit offload contract has them ({@code TX_IP_CHECKSUM |
     * TX_UDP_CHECKSUM}, header lengths 14 and 20).
     */
    static byte[] udpFrame(MacAddress dst, MacAddress src, String srcIp, String dstIp, int srcPort, int dstPort,
                           byte[] payload) {
        byte[] f = new byte[42 + payload.length];
        System.arraycopy(dst.toBytes(), 0, f, 0, 6);
        System.arraycopy(src.toBytes(), 0, f, 6, 6);
        f[12] = 0x08;
        int ipLen = 20 + 8 + payload.length;
        f[14] = 0x45;
        f[16] = (byte) (ipLen >> 8);
        f[17] = (byte) ipLen;
        f[22] = 64;
        f[23] = 17;
        System.arraycopy(ip(srcIp), 0, f, 26, 4);
        System.arraycopy(ip(dstIp), 0, f, 30, 4);
        int udpLen = 8 + payload.length;
        f[34] = (byte) (srcPort >> 8);
        f[35] = (byte) srcPort;
        f[36] = (byte) (dstPort >> 8);
        f[37] = (byte) dstPort;
        f[38] = (byte) (udpLen >> 8);
        f[39] = (byte) udpLen;
        long sum = u16(f, 26) + u16(f, 28) + u16(f, 30) + u16(f, 32) + 17 + udpLen;
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        f[40] = (byte) (sum >> 8);
        f[41] = (byte) sum;
        System.arraycopy(payload, 0, f, 42, payload.length);
        return f;
    }

    static int u16(byte[] f, int off) {
        return (f[off] & 0xff) << 8 | (f[off + 1] & 0xff);
    }

    static byte[] ip(String dotted) {
        String[] p = dotted.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) Integer.parseInt(p[i]);
        }
        return b;
    }
}
