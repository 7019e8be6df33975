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

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DPDK's {@code net_af_xdp} on a veth pair with two queues, a port per queue
 * ({@link DpdkNicGroup#afXdp}), the Linux kernel on the veth's other end as the peer, in a
 * namespace the test creates.
 */
@Tag("dpdk")
class DpdkAfXdpGroupTest {
    private static final String KERNEL_END = "dxdp0";
    private static final String XDP_END = "dxdp0x";
    private static final String KERNEL_IP = "10.98.0.1";
    private static final String DPDK_IP = "10.98.0.2";
    private static final int UDP_PORT = 5000;
    private static final int QUEUES = 2;
    private static final Duration T = Duration.ofSeconds(10);

    private NetworkNamespace ns;
    private DpdkNicGroup nic;
    private MacAddress kernelMac;

    @BeforeEach
    void setUp() throws Exception {
        Environment.requireRoot("creates a network namespace, a veth pair and AF_XDP sockets");
        Environment.requireCommands("ip", "ethtool", "python3");
        DpdkTests.requireEal();
        ns = NetworkNamespace.createUnique("pmx-afxdp");
        String q = Integer.toString(QUEUES);
        ns.exec(T, "ip", "link", "add", KERNEL_END, "numtxqueues", q, "numrxqueues", q, "type", "veth",
                "peer", "name", XDP_END, "numtxqueues", q, "numrxqueues", q).orThrow("ip link add veth");
        // Real checksums in what the kernel sends (AF_XDP hands raw frames over), no IPv6 chatter.
        ns.exec(T, "ethtool", "-K", KERNEL_END, "tx", "off").orThrow("ethtool -K tx off");
        for (String dev : new String[] {KERNEL_END, XDP_END}) {
            ns.exec(T, "sysctl", "-q", "-w", "net.ipv6.conf." + dev + ".disable_ipv6=1").orThrow("IPv6 off");
            ns.exec(T, "ip", "link", "set", dev, "up").orThrow("ip link set up");
        }
        ns.exec(T, "ip", "addr", "add", KERNEL_IP + "/24", "dev", KERNEL_END).orThrow("ip addr add");
        nic = DpdkNicGroup.afXdp(DpdkTests.uniqueVdev("net_af_xdp") + "q", XDP_END, QUEUES, ",busy_budget=0",
                b -> b.controlContext(ns::callInside));
        for (int i = 0; i < QUEUES; i++) {
            nic.queue(i).attach(PacketPool.unowned(SlabBufferPool.unowned(64, 2176, 128)));
        }
        kernelMac = MacAddress.parse(ns.exec(T, "cat", "/sys/class/net/" + KERNEL_END + "/address")
                .orThrow("read the kernel end's MAC").stdout());
        ns.exec(T, "ip", "neigh", "replace", DPDK_IP, "lladdr", nic.mac().toString(), "dev", KERNEL_END)
                .orThrow("static neighbour for the DPDK end");
    }

    @AfterEach
    void tearDown() throws java.io.IOException {
        try {
            if (nic != null) {
                nic.close();
            }
        } finally {
            if (ns != null) {
                ns.close();
            }
        }
    }

    @Test
    void aPortPerVethQueueEachWithItsOwnAfXdpSocket() {
        assertEquals(QUEUES, nic.queueCount());
        assertEquals(QUEUES, nic.capabilities().maxQueues());
        assertEquals(0, nic.capabilities().retaSize(), "no redirection table: the stack steers in software");
        assertEquals("net_af_xdp", nic.ports().get(0).deviceInfo().driverName());
        assertTrue(nic.linkUp());
        int fd0 = nic.queue(0).readyDescriptor();
        int fd1 = nic.queue(1).readyDescriptor();
        assertTrue(fd0 >= 0 && fd1 >= 0, "each queue found its socket: " + fd0 + ", " + fd1);
        assertNotEquals(fd0, fd1);
        for (DpdkNic port : nic.ports()) {
            // The driver's fill ring (ETH_AF_XDP_DFLT_NUM_DESCS), which it never gives back:
            // DpdkNic.close() does not report these as mbufs still out.
            assertEquals(2048, port.pool(0).heldByDevice(), port.name());
        }
    }

    /**
     * Connected UDP sockets each get a random transmit hash, the veth sends each on the TX queue
     * it picks and delivers it on the same-numbered RX queue of the DPDK end: every datagram
     * arrives once, each socket's on one queue, and the sockets spread over both queues.
     */
    @Test
    void flowsFromTheKernelSpreadOverTheQueuesEachFlowOnOne() throws Exception {
        int sockets = 24;
        ns.exec(Duration.ofSeconds(20), "python3", "-c",
                "import socket\n"
                        + "for i in range(" + sockets + "):\n"
                        + "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                        + "    s.bind(('" + KERNEL_IP + "', 6000 + i)); s.connect(('" + DPDK_IP + "', " + UDP_PORT + "))\n"
                        + "    s.send(b'a'); s.send(b'b')\n").orThrow("send from connected UDP sockets");
        Map<Integer, Integer> queueOfPort = new HashMap<>();
        int[] perQueue = new int[QUEUES];
        Packet[] burst = new Packet[32];
        long deadline = System.nanoTime() + T.toNanos();
        while (perQueue[0] + perQueue[1] < 2 * sockets && System.nanoTime() < deadline) {
            for (int q = 0; q < QUEUES; q++) {
                int n = nic.queue(q).receive(burst, burst.length);
                for (int i = 0; i < n; i++) {
                    Packet p = burst[i];
                    if (p.length() >= 43 && p.getU16(12) == 0x0800 && p.getU8(23) == 17 && p.getU16(36) == UDP_PORT) {
                        int src = p.getU16(34);
                        Integer before = queueOfPort.putIfAbsent(src, q);
                        assertEquals(before == null ? q : before, q, "port " + src + "'s datagrams on one queue");
                        perQueue[q]++;
                    }
                    p.release();
                }
            }
        }
        assertEquals(2 * sockets, perQueue[0] + perQueue[1], "every datagram arrived: " + perQueue[0] + " + " + perQueue[1]);
        assertEquals(sockets, queueOfPort.size());
        assertTrue(perQueue[0] > 0 && perQueue[1] > 0, "both queues received: " + perQueue[0] + " + " + perQueue[1]);
        for (int q = 0; q < QUEUES; q++) {
            assertEquals(perQueue[q], nic.queue(q).stats().rxPackets.get(), "queue " + q + "'s counter");
            assertTrue(nic.queue(q).bufferPool().isFull(), nic.queue(q).bufferPool().toString());
        }
    }

    /** A datagram sent on each queue reaches a kernel socket (checksums computed in software: the driver offers none). */
    @Test
    void eachQueueTransmitsToTheKernel() throws Exception {
        Process receiver = ns.start("python3", "-c",
                "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                        + "s.bind(('" + KERNEL_IP + "', " + UDP_PORT + ")); s.settimeout(15); print('ready', flush=True)\n"
                        + "got = set()\n"
                        + "while len(got) < " + QUEUES + ":\n"
                        + "    got.add(s.recv(100).decode())\n"
                        + "print(' '.join(sorted(got)), flush=True)\n");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("ready", out.readLine());
            Set<String> sent = new HashSet<>();
            for (int q = 0; q < QUEUES; q++) {
                byte[] payload = ("queue" + q).getBytes(StandardCharsets.US_ASCII);
                Packet p = PacketPool.unowned(nic.queue(q).bufferPool()).allocateWithHeadroom();
                p.appendBytes(udpFrame(4000 + q, payload), 0, 42 + payload.length);
                p.addFlags(Packet.TX_IP_CHECKSUM | Packet.TX_UDP_CHECKSUM);
                p.setHeaderLengths(14, 20);
                assertEquals(1, nic.queue(q).transmit(new Packet[] {p}, 1), "queue " + q + " took the frame");
                sent.add("queue" + q);
            }
            assertEquals(String.join(" ", new java.util.TreeSet<>(sent)), out.readLine(),
                    "the kernel accepted both frames (MAC, IP and UDP checksums) and delivered them");
            assertTrue(receiver.waitFor(5, TimeUnit.SECONDS));
        } finally {
            receiver.destroy();
        }
        for (int q = 0; q < QUEUES; q++) {
            assertEquals(1, nic.queue(q).stats().txPackets.get(), "queue " + q);
        }
    }

    private byte[] udpFrame(int srcPort, byte[] payload) {
        return DpdkTests.udpFrame(kernelMac, nic.mac(), DPDK_IP, KERNEL_IP, srcPort, UDP_PORT, payload);
    }
}
