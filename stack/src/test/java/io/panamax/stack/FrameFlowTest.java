package io.panamax.stack;

import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import io.panamax.reactor.testing.SharedData;
import io.panamax.rss.Toeplitz;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The flow a frame belongs to, against the published Toeplitz results (Microsoft's RSS
 * verification tables, IPv4 and IPv6, in {@code shared/rss/toeplitz-vectors.tsv}): whole
 * Ethernet frames built around each vector's addresses and ports hash to the vector's 4-tuple
 * value for TCP and UDP (IPv6 also behind hop-by-hop and destination options headers, and under
 * a VLAN tag), and to its 2-tuple value for fragments, ICMPv6 and frames cut before the ports.
 */
class FrameFlowTest {
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int ICMPV6 = 58;
    private static final int HOP_BY_HOP = 0;
    private static final int FRAGMENT = 44;
    private static final int DESTINATION_OPTIONS = 60;

    private final PacketPool pool = PacketPool.unowned(SlabBufferPool.unowned(16, 2048, 128));

    private record Row(byte[] key, int version, byte[] src, byte[] dst, int srcPort, int dstPort, long hash2, long hash4) {
    }

    private static List<Row> vectors() throws IOException {
        return Files.readAllLines(SharedData.file("rss/toeplitz-vectors.tsv")).stream().skip(1).filter(l -> !l.isBlank()).map(l -> {
            String[] f = l.split("\t");
            try {
                return new Row(HexFormat.of().parseHex(f[0]), Integer.parseInt(f[1]), InetAddress.getByName(f[2]).getAddress(),
                        InetAddress.getByName(f[3]).getAddress(), Integer.parseInt(f[4]), Integer.parseInt(f[5]),
                        Long.parseLong(f[6].substring(2), 16), Long.parseLong(f[7].substring(2), 16));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).toList();
    }

    @AfterEach
    void everyBufferReturned() {
        assertTrue(pool.buffers().isFull(), "every buffer returned");
    }

    @Test
    void ipv6FramesHashAsThePublishedVectors() throws IOException {
        int rows = 0;
        for (Row r : vectors()) {
            if (r.version() != 6) {
                continue;
            }
            rows++;
            Toeplitz t = Toeplitz.of(r.key());
            String flow = InetAddress.getByAddress(r.src()).getHostAddress() + " -> " + InetAddress.getByAddress(r.dst()).getHostAddress();
            assertEquals(r.hash4(), hash(ipv6(r, UDP, false, new byte[0], ports(r, 8)), t), "UDP " + flow);
            assertEquals(r.hash4(), hash(ipv6(r, TCP, false, new byte[0], ports(r, 20)), t), "TCP " + flow);
            assertEquals(r.hash4(), hash(ipv6(r, TCP, true, new byte[0], ports(r, 20)), t), "TCP under a VLAN tag " + flow);
            // Hop-by-hop (8 bytes: PadN) then destination options (16 bytes): the NIC's parser skips both.
            byte[] chain = ByteBuffer.allocate(24).put(new byte[] {(byte) DESTINATION_OPTIONS, 0, 1, 4, 0, 0, 0, 0})
                    .put(new byte[] {(byte) TCP, 1, 1, 12}).array();
            assertEquals(r.hash4(), hash(ipv6(r, HOP_BY_HOP, false, chain, ports(r, 20)), t), "TCP behind extension headers " + flow);
            // A first fragment carries the ports, but every fragment hashes by the addresses alone.
            byte[] fragment = {(byte) UDP, 0, 0, 1, 0x12, 0x34, 0x56, 0x78};
            assertEquals(r.hash2(), hash(ipv6(r, FRAGMENT, false, fragment, ports(r, 8)), t), "a fragment " + flow);
            assertEquals(r.hash2(), hash(ipv6(r, ICMPV6, false, new byte[0], new byte[] {(byte) 128, 0, 0, 0, 0, 1, 0, 1}), t),
                    "ICMPv6 " + flow);
            assertEquals(r.hash2(), hash(ipv6(r, UDP, false, new byte[0], new byte[] {1, 2}), t), "cut before the ports " + flow);
            // A key too short for the IPv6 input hashes nothing rather than throwing on the receive path.
            assertEquals(FrameFlow.NO_FLOW, hash(ipv6(r, UDP, false, new byte[0], ports(r, 8)), Toeplitz.of(new byte[16])));
        }
        assertTrue(rows >= 3, "IPv6 vector rows: " + rows);
    }

    @Test
    void ipv4FramesStillHashAsThePublishedVectors() throws IOException {
        int rows = 0;
        for (Row r : vectors()) {
            if (r.version() != 4) {
                continue;
            }
            rows++;
            Toeplitz t = Toeplitz.of(r.key());
            ByteBuffer ip = ByteBuffer.allocate(20 + 20).put((byte) 0x45).put((byte) 0).putShort((short) 40).putInt(0)
                    .put((byte) 64).put((byte) TCP).putShort((short) 0).put(r.src()).put(r.dst()).put(ports(r, 20));
            assertEquals(r.hash4(), hash(frame(0x0800, false, ip.array()), t), "IPv4 TCP row " + rows);
        }
        assertTrue(rows >= 2, "IPv4 vector rows: " + rows);
    }

    /**
     * An ICMPv6 or ICMP error quoting a datagram this host (the vector's destination) sent to the
     * peer (its source) steers by the quoted flow as received, the vector's 4-tuple (or its address
     * pair when the quote has no ports); the NIC's hash of the same frame stays the address pair.
     */
    @Test
    void icmpErrorsSteerToTheFlowTheyQuote() throws IOException {
        int rows = 0;
        for (Row r : vectors()) {
            rows++;
            Toeplitz t = Toeplitz.of(r.key());
            Row back = new Row(r.key(), r.version(), r.dst(), r.src(), r.dstPort(), r.srcPort(), 0, 0);
            byte[] error;
            byte[] quotedFragment = null;
            byte[] echo;
            if (r.version() == 6) {
                byte[] quoted = ipv6Packet(back, TCP, new byte[0], ports(back, 20));
                error = ipv6(r, ICMPV6, false, new byte[0], concat(new byte[] {1, 4, 0, 0, 0, 0, 0, 0}, quoted));
                // A packet too big about the first fragment of a UDP datagram: its ports follow the fragment header.
                byte[] first = ipv6Packet(back, FRAGMENT, new byte[] {(byte) UDP, 0, 0, 1, 0, 0, 0, 9}, ports(back, 8));
                quotedFragment = ipv6(r, ICMPV6, false, new byte[0], concat(new byte[] {2, 0, 0, 0, 0, 0, 5, 0}, first));
                echo = ipv6(r, ICMPV6, false, new byte[0], new byte[] {(byte) 128, 0, 0, 0, 0, 1, 0, 1});
            } else {
                byte[] quoted = ByteBuffer.allocate(20 + 8).put((byte) 0x45).put((byte) 0).putShort((short) 40).putInt(0)
                        .put((byte) 64).put((byte) TCP).putShort((short) 0).put(back.src()).put(back.dst()).put(ports(back, 8)).array();
                error = ipv4(r, concat(new byte[] {3, 3, 0, 0, 0, 0, 0, 0}, quoted));
                echo = ipv4(r, new byte[] {8, 0, 0, 0, 0, 1, 0, 1});
            }
            assertEquals(r.hash4() | FrameFlow.QUOTED, steeringHash(error, t), "an error quoting TCP, row " + rows);
            assertEquals(r.hash2(), hash(error, t), "the NIC's view: the address pair, row " + rows);
            if (quotedFragment != null) {
                assertEquals(r.hash4() | FrameFlow.QUOTED, steeringHash(quotedFragment, t), "an error quoting a first fragment, row " + rows);
            }
            assertEquals(r.hash2(), steeringHash(echo, t), "an echo request is no error, row " + rows);
        }
        assertTrue(rows >= 5, "vector rows: " + rows);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        return ByteBuffer.allocate(a.length + b.length).put(a).put(b).array();
    }

    private static byte[] ipv4(Row r, byte[] icmp) {
        return frame(0x0800, false, ByteBuffer.allocate(20 + icmp.length).put((byte) 0x45).put((byte) 0).putShort((short) (20 + icmp.length))
                .putInt(0).put((byte) 64).put((byte) 1).putShort((short) 0).put(r.src()).put(r.dst()).put(icmp).array());
    }

    private static byte[] ports(Row r, int headerLength) {
        return ByteBuffer.allocate(headerLength).putShort((short) r.srcPort()).putShort((short) r.dstPort()).array();
    }

    private static byte[] ipv6(Row r, int nextHeader, boolean vlan, byte[] extensions, byte[] upper) {
        return frame(0x86dd, vlan, ipv6Packet(r, nextHeader, extensions, upper));
    }

    private static byte[] ipv6Packet(Row r, int nextHeader, byte[] extensions, byte[] upper) {
        int payload = extensions.length + upper.length;
        return ByteBuffer.allocate(40 + payload).putInt(6 << 28).putShort((short) payload).put((byte) nextHeader).put((byte) 64)
                .put(r.src()).put(r.dst()).put(extensions).put(upper).array();
    }

    private static byte[] frame(int etherType, boolean vlan, byte[] ip) {
        ByteBuffer f = ByteBuffer.allocate(14 + (vlan ? 4 : 0) + ip.length);
        f.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1});
        if (vlan) {
            f.putShort((short) 0x8100).putShort((short) 7);
        }
        return f.putShort((short) etherType).put(ip).array();
    }

    private long hash(byte[] frame, Toeplitz t) {
        return hash(frame, t, false);
    }

    private long steeringHash(byte[] frame, Toeplitz t) {
        return hash(frame, t, true);
    }

    private long hash(byte[] frame, Toeplitz t, boolean steering) {
        Packet p = pool.allocate();
        try {
            assertEquals(frame.length, p.appendBytes(frame, 0, frame.length));
            return steering ? FrameFlow.steeringHash(p, t) : FrameFlow.hash(p, t);
        } finally {
            p.release();
        }
    }
}
