package io.panamax.nic.dpdk;

import io.panamax.reactor.testing.SharedData;
import io.panamax.nic.pcap.Pcap4jFrames;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DPDK backend over DPDK's {@code net_pcap} driver: it receives the frames of a real capture
 * from {@code shared/pcaps} and transmits every one into a new capture file. The output must hold
 * the input's frames, byte for byte, as libpcap (pcap4j) and tshark read them.
 */
@Tag("dpdk")
class DpdkPcapNicTest {
    /** Jumbo frames (td-gso-ipv4 holds a 7.3 KB one) fit in one mbuf. */
    private static final int DATA_ROOM = 9216 + io.panamax.dpdk.Mbuf.HEADROOM;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"cs-http_espn.pcapng", "dnscap-dns.pcap", "td-gso-ipv4.pcap",
            "zeek-tcp-timestamp.pcap", "sv-eve-overlap-payload-01.pcap"})
    void loopingReceiveToTransmitReproducesTheCapture(String capture) throws Exception {
        DpdkTests.requireEal();
        Path in = SharedData.pcap(capture);
        Path out = dir.resolve("out.pcap");
        List<byte[]> expected = Pcap4jFrames.bytes(in);
        assertTrue(!expected.isEmpty(), "pcap4j read frames from " + in);

        DpdkNic nic = DpdkNic.open(DpdkNicConfig.vdev(DpdkTests.uniqueVdev("net_pcap") + ",rx_pcap=" + in + ",tx_pcap=" + out)
                .dataRoomSize(DATA_ROOM).descriptors(128, 128).mbufsPerQueue(256).build());
        DpdkQueue q = nic.queue(0);
        SlabBufferPool slab = SlabBufferPool.unowned(16, 2176, 128);
        q.attach(PacketPool.unowned(slab));
        try {
            Packet[] burst = new Packet[32];
            int forwarded = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (forwarded < expected.size() && System.nanoTime() < deadline) {
                int n = q.receive(burst, burst.length);
                int sent = 0;
                while (sent < n) {
                    Packet[] rest = java.util.Arrays.copyOfRange(burst, sent, n);
                    sent += q.transmit(rest, rest.length);
                }
                forwarded += n;
            }
            assertEquals(expected.size(), forwarded, "frames received and forwarded");
            assertEquals(0, q.stats().rxErrors.get() + q.stats().txErrors.get() + q.stats().txDrops.get());
            assertEquals(expected.size(), q.counters().txZeroCopy.get(), "every frame left in the mbuf it came in");
            assertTrue(q.bufferPool().isFull(), q.bufferPool().toString());
        } finally {
            nic.close(); // stops the port: the driver closes the output file
        }

        List<byte[]> actual = Pcap4jFrames.bytes(out);
        assertEquals(expected.size(), actual.size(), "frames in " + out);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "frame " + (i + 1) + " of " + capture);
        }
        if (Environment.hasCommand("tshark")) {
            List<String> before = tshark(in);
            List<String> after = tshark(out);
            assertEquals(before.size(), after.size(), "frames tshark reads in " + out);
            for (int i = 0; i < before.size(); i++) {
                assertEquals(before.get(i), after.get(i), "tshark's dissection of frame " + (i + 1));
            }
        }
    }

    @Test
    void aMissingCaptureFileIsAClearError() {
        DpdkTests.requireEal();
        Path missing = dir.resolve("no-such.pcap");
        DpdkException e = assertThrows(DpdkException.class, () -> DpdkNic.open(
                DpdkNicConfig.vdev(DpdkTests.uniqueVdev("net_pcap") + ",rx_pcap=" + missing + ",tx_pcap=" + dir.resolve("o.pcap")).build()));
        assertTrue(e.getMessage().contains("rte_dev_probe") && e.getMessage().contains(missing.toString()), e.getMessage());
    }

    /**
     * Per frame, as tshark (Wireshark's own file reader and dissectors) sees it: captured length,
     * Ethernet addresses and type, IPv4 addresses and identification. Not the wire length: a
     * capture cut by its snaplen (zeek-tcp-timestamp) keeps only the captured bytes in an mbuf.
     */
    private static List<String> tshark(Path file) throws IOException {
        NetworkNamespace.Result r = NetworkNamespace.run(Duration.ofSeconds(60), "tshark", "-n", "-r", file.toString(),
                "-T", "fields", "-e", "frame.cap_len", "-e", "eth.dst", "-e", "eth.src", "-e", "eth.type", "-e", "ip.src", "-e", "ip.dst", "-e", "ip.id").orThrow("tshark -r " + file);
        return r.stdout().lines().toList();
    }

}
