package io.panamax.nic.dpdk;

import io.panamax.nic.MacAddress;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DPDK backend over DPDK's TAP driver, with the Linux kernel as the peer: the tap interface,
 * and every client, live in a network namespace the test creates. The driver is probed and
 * controlled from inside the namespace ({@link ControlContext}), so its netdev is born there.
 */
@Tag("dpdk")
class DpdkTapNicTest {
    private static final String IFACE = "dtap0";
    private static final String KERNEL_IP = "10.99.0.1";
    private static final String DPDK_IP = "10.99.0.2";
    private static final int ETHERTYPE_ARP = 0x0806;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int UDP_PORT = 5000;

    @TempDir
    Path dir;

    private NetworkNamespace ns;
    private DpdkNic nic;
    private DpdkQueue queue;
    private MacAddress kernelMac;
    private PacketPool packets;

    /** Real-time signals with a handler before the port was opened. */
    private int signalHandlersBefore;

    @BeforeEach
    void setUp() throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device");
        Environment.requireCommands("ip", "arping", "tshark", "python3");
        DpdkTests.requireEal();
        ns = NetworkNamespace.createUnique("pmx-dpdk");
        signalHandlersBefore = NetTapTrigger.realTimeSignalsWithHandlers();
        nic = DpdkNic.open(DpdkNicConfig.vdev(DpdkTests.uniqueVdev("net_tap") + ",iface=" + IFACE)
                .controlContext(ns::callInside).build());
        queue = nic.queue(0);
        packets = PacketPool.unowned(SlabBufferPool.unowned(32, 2176, 128));
        queue.attach(packets);
        ns.exec(Duration.ofSeconds(5), "ip", "addr", "add", KERNEL_IP + "/24", "dev", IFACE).orThrow("ip addr add");
        ns.exec(Duration.ofSeconds(5), "ip", "link", "set", IFACE, "up").orThrow("ip link set up");
        kernelMac = MacAddress.parse(ns.exec(Duration.ofSeconds(5), "cat", "/sys/class/net/" + IFACE + "/address")
                .orThrow("read the tap's MAC").stdout());
    }

    @AfterEach
    void tearDown() throws IOException {
        try {
            if (nic != null) {
                nic.close();
                assertFalse(ns.exec(Duration.ofSeconds(5), "ip", "link", "show", IFACE).ok(),
                        "closing the NIC removed the tap interface");
            }
        } finally {
            if (ns != null) {
                ns.close();
            }
        }
    }

    @Test
    void theTapInterfaceLivesInTheTestsNamespace() throws IOException {
        assertTrue(ns.exec(Duration.ofSeconds(5), "ip", "link", "show", IFACE).ok(), "inside the namespace");
        assertFalse(NetworkNamespace.run(Duration.ofSeconds(5), "ip", "link", "show", IFACE).ok(), "not outside it");
        assertEquals("net_tap", nic.deviceInfo().driverName());
        assertTrue(nic.linkUp(), "link queried from inside the namespace");
        assertTrue(nic.capabilities().txIpChecksum() && nic.capabilities().txUdpChecksum(), nic.capabilities().toString());
        // net_tap advertises TCP_TSO (its driver cuts with DPDK's GSO library, in software).
        assertTrue(nic.capabilities().tso(), "TSO: tx_offload_capa 0x" + Long.toHexString(nic.deviceInfo().txOffloadCapa())
                + ", " + nic.capabilities());
    }

    /**
     * The driver took no real-time signal for its receive trigger (NetTapTrigger): the kernel
     * does not signal the process per received frame, and the queue still receives (the tests
     * below), reading on every burst.
     */
    @Test
    void theDriverSignalsNoReceivedFrame() {
        assertEquals(signalHandlersBefore, NetTapTrigger.realTimeSignalsWithHandlers(),
                "real-time signals with a handler, before and after opening net_tap");
    }

    @Test
    void arpRequestsFromTheKernelArriveOnTheQueue() throws Exception {
        Process arping = ns.start("arping", "-c", "3", "-i", IFACE, DPDK_IP);
        List<byte[]> arps = new ArrayList<>();
        try {
            receive(Duration.ofSeconds(10), f -> {
                if (f.length >= 42 && u16(f, 12) == ETHERTYPE_ARP) {
                    arps.add(f);
                }
                return arps.size() >= 2;
            });
        } finally {
            arping.destroy();
            arping.waitFor(5, TimeUnit.SECONDS);
        }
        assertTrue(arps.size() >= 2, "ARP requests seen: " + arps.size());
        for (byte[] f : arps) {
            assertEquals(MacAddress.BROADCAST, mac(f, 0), "to everyone");
            assertEquals(kernelMac, mac(f, 6), "from the kernel's side of the tap");
            assertEquals(1, u16(f, 20), "opcode: request");
            assertEquals(kernelMac, mac(f, 22), "sender hardware address");
            assertArrayEquals(ip(KERNEL_IP), slice(f, 28, 4), "sender protocol address");
            assertArrayEquals(ip(DPDK_IP), slice(f, 38, 4), "target protocol address");
        }
        assertTrue(queue.stats().rxPackets.get() >= 2);
        assertTrue(queue.bufferPool().isFull(), queue.bufferPool().toString());
    }

    @Test
    void aFrameFromAPacketSocketArrivesByteForByte() throws Exception {
        byte[] frame = new byte[90];
        System.arraycopy(nic.mac().toBytes(), 0, frame, 0, 6);
        System.arraycopy(kernelMac.toBytes(), 0, frame, 6, 6);
        frame[12] = (byte) 0x88;
        frame[13] = (byte) 0xb5; // IEEE 802 local experimental ethertype: nothing else sends it
        for (int i = 14; i < frame.length; i++) {
            frame[i] = (byte) (i * 7);
        }
        String hex = HexFormat.of().formatHex(frame);
        ns.exec(Duration.ofSeconds(10), "python3", "-c",
                "import socket; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('" + IFACE + "', 0)); "
                        + "s.send(bytes.fromhex('" + hex + "'))").orThrow("send from a packet socket");
        List<byte[]> got = new ArrayList<>();
        receive(Duration.ofSeconds(5), f -> {
            if (u16(f, 12) == 0x88b5) {
                got.add(f);
            }
            return !got.isEmpty();
        });
        assertEquals(1, got.size());
        assertArrayEquals(frame, got.get(0));
    }

    @Test
    void withTwoQueuesTheFramesOfOneFlowArriveTogetherOnOneQueue() throws Exception {
        String iface = "dtap1";
        try (DpdkNic two = DpdkNic.open(DpdkNicConfig.vdev(DpdkTests.uniqueVdev("net_tap") + ",iface=" + iface)
                .queues(2).controlContext(ns::callInside).build())) {
            assertEquals(2, two.queueCount());
            assertTrue(two.rss().isEmpty(), "no RSS: this kernel lacks the TAP driver's flow support");
            for (int q = 0; q < 2; q++) {
                two.queue(q).attach(PacketPool.unowned(SlabBufferPool.unowned(8, 2176, 128)));
            }
            ns.exec(Duration.ofSeconds(5), "ip", "link", "set", iface, "up").orThrow("ip link set up");
            byte[] frame = new byte[64];
            System.arraycopy(two.mac().toBytes(), 0, frame, 0, 6);
            System.arraycopy(new byte[] {0x02, 0, 0, 0, 0, 0x42}, 0, frame, 6, 6);
            frame[12] = (byte) 0x88;
            frame[13] = (byte) 0xb5;
            int frames = 20;
            String hex = HexFormat.of().formatHex(frame);
            ns.exec(Duration.ofSeconds(10), "python3", "-c",
                    "import socket; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('" + iface + "', 0))\n"
                            + "for i in range(" + frames + "):\n"
                            + "    s.send(bytes.fromhex('" + hex.substring(0, 120) + "') + bytes([i, 0]))")
                    .orThrow("send from a packet socket");
            int[] perQueue = new int[2];
            boolean[] seen = new boolean[frames];
            Packet[] burst = new Packet[32];
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (perQueue[0] + perQueue[1] < frames && System.nanoTime() < deadline) {
                for (int q = 0; q < 2; q++) {
                    int n = two.queue(q).receive(burst, burst.length);
                    for (int i = 0; i < n; i++) {
                        byte[] f = burst[i].toByteArray();
                        burst[i].release();
                        if (u16(f, 12) == 0x88b5) {
                            assertArrayEquals(slice(frame, 0, 60), slice(f, 0, 60), "bytes");
                            assertFalse(seen[f[60]], "frame " + f[60] + " once");
                            seen[f[60]] = true;
                            perQueue[q]++;
                        }
                    }
                }
            }
            assertEquals(frames, perQueue[0] + perQueue[1], "every frame arrived");
            assertTrue(perQueue[0] == frames || perQueue[1] == frames,
                    "one flow, one queue: " + perQueue[0] + " + " + perQueue[1]);
            // The device is closed by try-with-resources, in the namespace: its netdev goes too.
        }
        assertFalse(ns.exec(Duration.ofSeconds(5), "ip", "link", "show", iface).ok());
    }

    @Test
    void aUdpDatagramFromTheKernelCarriesTheDevicesChecksumVerdicts() throws Exception {
        ns.exec(Duration.ofSeconds(5), "ip", "neigh", "replace", DPDK_IP, "lladdr", nic.mac().toString(), "dev", IFACE)
                .orThrow("static neighbour for the DPDK side");
        ns.exec(Duration.ofSeconds(10), "python3", "-c",
                "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                        + "s.sendto(b'hello dpdk', ('" + DPDK_IP + "', " + UDP_PORT + "))").orThrow("send UDP");
        Packet[] burst = new Packet[32];
        Packet udp = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (udp == null && System.nanoTime() < deadline) {
            int n = queue.receive(burst, burst.length);
            for (int i = 0; i < n; i++) {
                Packet p = burst[i];
                if (udp == null && p.length() >= 42 && p.getU16(12) == ETHERTYPE_IPV4 && p.getU8(23) == 17) {
                    udp = p;
                } else {
                    p.release();
                }
            }
        }
        assertTrue(udp != null, "the datagram arrived");
        try {
            assertTrue(udp.hasFlag(Packet.RX_IP_CHECKSUM_GOOD), "IPv4 checksum verified: flags " + udp.flags());
            assertTrue(udp.hasFlag(Packet.RX_L4_CHECKSUM_GOOD), "UDP checksum verified: flags " + udp.flags());
            assertEquals(UDP_PORT, udp.getU16(36));
        } finally {
            udp.release();
        }
    }

    @Test
    void aDatagramSentByTheBackendIsAcceptedAndDecodedByTheKernel() throws Exception {
        Path capture = dir.resolve("tx.pcap");
        Process tshark = ns.start("tshark", "-n", "-i", IFACE, "-c", "1", "-w", capture.toString(),
                "-f", "udp dst port " + UDP_PORT);
        Process receiver = ns.start("python3", "-c",
                "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                        + "s.bind(('" + KERNEL_IP + "', " + UDP_PORT + ")); s.settimeout(15); "
                        + "print(s.recv(100).decode(), flush=True)");
        CompletableFuture<String> received = lineOf(receiver);
        try {
            awaitCapturing(tshark);
            byte[] payload = "from panamax over dpdk".getBytes(StandardCharsets.US_ASCII);
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while ((tshark.isAlive() || !received.isDone()) && System.nanoTime() < deadline) {
                Packet p = PacketPool.unowned(queue.bufferPool()).allocateWithHeadroom();
                p.appendBytes(udpFrame(payload), 0, 42 + payload.length);
                p.addFlags(Packet.TX_IP_CHECKSUM | Packet.TX_UDP_CHECKSUM);
                p.setHeaderLengths(14, 20);
                assertEquals(1, queue.transmit(new Packet[] {p}, 1));
                Thread.sleep(100);
            }
            assertEquals(new String(payload, StandardCharsets.US_ASCII), received.get(5, TimeUnit.SECONDS),
                    "the kernel delivered the datagram to a socket: MAC, IP and UDP checksums accepted");
            assertTrue(tshark.waitFor(5, TimeUnit.SECONDS), "tshark captured the frame");
        } finally {
            tshark.destroy();
            receiver.destroy();
        }
        assertTrue(queue.counters().txZeroCopy.get() >= 1);
        String fields = NetworkNamespace.run(Duration.ofSeconds(30), "tshark", "-n", "-r", capture.toString(),
                "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-T", "fields",
                "-e", "eth.src", "-e", "eth.dst", "-e", "ip.src", "-e", "ip.dst", "-e", "udp.srcport",
                "-e", "udp.dstport", "-e", "ip.checksum.status", "-e", "udp.checksum.status")
                .orThrow("tshark -r").stdout().strip();
        assertEquals(String.join("\t", nic.mac().toString(), kernelMac.toString(), DPDK_IP, KERNEL_IP, "4000",
                Integer.toString(UDP_PORT), "1", "1"), fields, "tshark's decoding (checksum status 1 = good)");
        assertTrue(queue.bufferPool().isFull(), queue.bufferPool().toString());
    }

    /** Ethernet + IPv4 + UDP from the DPDK side to the kernel, checksums left to the device. */
    private byte[] udpFrame(byte[] payload) {
        return DpdkTests.udpFrame(kernelMac, nic.mac(), DPDK_IP, KERNEL_IP, 4000, UDP_PORT, payload);
    }

    /** Polls the queue, handing each frame's bytes to {@code until}, until it says done or time is up. */
    private void receive(Duration limit, java.util.function.Predicate<byte[]> until) throws InterruptedException {
        Packet[] burst = new Packet[32];
        long deadline = System.nanoTime() + limit.toNanos();
        boolean done = false;
        while (!done && System.nanoTime() < deadline) {
            int n = queue.receive(burst, burst.length);
            for (int i = 0; i < n; i++) {
                byte[] f = burst[i].toByteArray();
                burst[i].release();
                done |= until.test(f);
            }
            if (n == 0) {
                Thread.sleep(1);
            }
        }
    }

    private static void awaitCapturing(Process tshark) throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(tshark.getErrorStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String line;
        while (System.nanoTime() < deadline && (line = err.readLine()) != null) {
            if (line.contains("Capturing on")) {
                Thread.ofVirtual().start(() -> drain(err));
                return;
            }
        }
        throw new IOException("tshark did not start capturing on " + IFACE);
    }

    private static void drain(BufferedReader r) {
        try {
            while (r.readLine() != null) {
                // keep the pipe from filling
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    private static CompletableFuture<String> lineOf(Process p) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line = r.readLine();
                f.complete(line == null ? "" : line.strip());
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private static int u16(byte[] f, int off) {
        return DpdkTests.u16(f, off);
    }

    private static MacAddress mac(byte[] f, int off) {
        return MacAddress.of(slice(f, off, 6));
    }

    private static byte[] slice(byte[] f, int off, int len) {
        byte[] b = new byte[len];
        System.arraycopy(f, off, b, 0, len);
        return b;
    }

    private static byte[] ip(String dotted) {
        return DpdkTests.ip(dotted);
    }
}
