package io.panamax.nic.offload;

import io.panamax.reactor.testing.SharedData;
import io.panamax.nic.pcap.Pcap4jFrames;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The software fallback of the checksum offloads, against frames captured from real hosts with
 * correct checksums: blank the checksums the way a stack asking for the offload would (IPv4 field
 * zero, TCP/UDP field holding the pseudo-header sum), split the frame over two buffers at an odd
 * byte, and the fallback must restore every byte.
 */
class SoftwareChecksumTest {
    private final PacketPool packets = PacketPool.unowned(SlabBufferPool.unowned(8, 2176, 128));

    @ParameterizedTest
    @CsvSource({"zeek-chksums-ip4-tcp-good-chksum.pcap, 6", "td-dns_udp.pcap, 17", "cs-udp_dnsrequest.pcapng, 17",
            "zeek-tcp-options.pcap, 6"})
    void restoresTheChecksumsOfRealFrames(String capture, int protocol) throws Exception {
        List<byte[]> frames = Pcap4jFrames.bytes(SharedData.pcap(capture));
        int checked = 0;
        for (byte[] original : frames) {
            if (original.length < 34 || original[12] != 0x08 || original[13] != 0x00 || original[23] != protocol) {
                continue;
            }
            int ihl = (original[14] & 0x0f) * 4;
            int total = u16(original, 16);
            int l4 = 14 + ihl;
            int field = l4 + (protocol == 6 ? 16 : 6);
            assertEquals(0xffff, fold(sum(original, 14, ihl)), capture + ": the captured IPv4 checksum is right");

            byte[] blank = original.clone();
            blank[24] = 0;
            blank[25] = 0;
            int pseudo = fold(u16(blank, 26) + u16(blank, 28) + u16(blank, 30) + u16(blank, 32) + protocol + (total - ihl));
            blank[field] = (byte) (pseudo >> 8);
            blank[field + 1] = (byte) pseudo;

            Packet p = packets.allocate();
            p.appendBytes(blank, 0, 37);
            Packet tail = packets.allocate();
            tail.appendBytes(blank, 37, blank.length - 37);
            p.append(tail);
            int flags = Packet.TX_IP_CHECKSUM | (protocol == 6 ? Packet.TX_TCP_CHECKSUM : Packet.TX_UDP_CHECKSUM);
            assertTrue(SoftwareChecksum.fill(p, flags));
            assertArrayEquals(original, p.toByteArray(), capture);
            p.release();
            checked++;
        }
        assertTrue(checked > 0, "frames of protocol " + protocol + " in " + capture);
        assertTrue(packets.buffers().isFull());
    }

    @ParameterizedTest
    @CsvSource({"cs-arp_resolution.pcapng", "zeek-trunc-ip4-trunc.pcap"})
    void refusesFramesThatCannotCarryTheChecksums(String capture) throws Exception {
        for (byte[] frame : Pcap4jFrames.bytes(SharedData.pcap(capture))) {
            Packet p = packets.allocate();
            p.appendBytes(frame, 0, frame.length);
            assertFalse(SoftwareChecksum.fill(p, Packet.TX_IP_CHECKSUM | Packet.TX_UDP_CHECKSUM), capture);
            assertArrayEquals(frame, p.toByteArray(), "left untouched");
            p.release();
        }
    }

    private static int u16(byte[] b, int off) {
        return (b[off] & 0xff) << 8 | (b[off + 1] & 0xff);
    }

    private static long sum(byte[] b, int off, int len) {
        long s = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            s += u16(b, off + i);
        }
        if ((len & 1) != 0) {
            s += (b[off + len - 1] & 0xff) << 8;
        }
        return s;
    }

    private static int fold(long s) {
        while ((s >> 16) != 0) {
            s = (s & 0xffff) + (s >> 16);
        }
        return (int) s;
    }
}
