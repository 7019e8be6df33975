package io.panamax.nic.tap;

import io.panamax.nic.MacAddress;
import io.panamax.nic.NicCapabilities;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.testing.KernelPeer;
import io.panamax.nic.testing.TestFrames;
import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The device's life: created inside a namespace, configured as asked, gone after close. */
class TapNicTest {

    @Test
    void createsTheDeviceInsideTheNamespaceConfiguredAndDeletesItOnClose() throws Exception {
        String ifname;
        NetworkNamespace ns;
        try (TapTestBed bed = TapTestBed.open()) {
            TapNic nic = bed.nic;
            ns = bed.ns;
            ifname = nic.interfaceName();
            assertEquals(TapTestBed.IFACE, ifname);
            assertEquals("tap:" + TapTestBed.IFACE, nic.name());
            assertTrue(nic.createdHere());
            assertEquals(1, nic.queueCount());
            assertEquals(NicCapabilities.none(256), nic.capabilities(), "no offloads, up to 256 queues");
            assertEquals(1500, nic.mtu());
            assertTrue(nic.linkUp(), "up, with carrier");

            String link = KernelPeer.link(ns, ifname);
            assertTrue(link.contains("UP") && link.contains("LOWER_UP"), link);
            assertTrue(link.contains("link/ether " + nic.kernelMac()), "kernelMac() is the interface's MAC: " + link);
            String addr = KernelPeer.ipv4Addresses(ns, ifname);
            assertTrue(addr.contains("inet " + TapTestBed.KERNEL_IP + "/24"), addr);
            String route = ns.exec(Duration.ofSeconds(5), "ip", "-4", "route", "show", "dev", ifname).stdout();
            assertTrue(route.contains("10.77.0.0/24"), "the kernel added the connected route: " + route);

            // The stack's MAC: locally administered unicast, not the kernel side's.
            MacAddress mac = nic.mac();
            assertNotEquals(nic.kernelMac(), mac);
            assertFalse(mac.isMulticast());
            assertTrue((mac.bits() & 0x0200_0000_0000L) != 0, "locally administered: " + mac);

            // Not in the JVM's namespace.
            assertFalse(NetworkNamespace.run(Duration.ofSeconds(5), "ip", "link", "show", "dev", ifname).ok(),
                    "the device exists only inside " + ns.name());
            // kernelIpv6(false) wrote the namespace's knob, not the host's.
            assertEquals("1", ns.exec(Duration.ofSeconds(5), "cat", "/proc/sys/net/ipv6/conf/" + ifname + "/disable_ipv6")
                    .orThrow("read disable_ipv6").stdout().strip());
            assertFalse(Files.exists(Path.of("/proc/sys/net/ipv6/conf", ifname)));

            nic.close();
            assertFalse(KernelPeer.hasLink(ns, ifname), "a device created here goes away when closed");
            assertFalse(nic.linkUp());
            nic.close(); // idempotent
        }
    }

    /**
     * Offloads with segmentation or without it: what the stack is told (capabilities) and what
     * the kernel side's interface then offers (its features, as {@code ethtool -k} reads them):
     * without segmentation the kernel may leave checksums to us but hands over no super-segment.
     */
    @Test
    void checksumOffloadsWithAndWithoutSegmentation() throws Exception {
        Environment.requireCommands("ethtool");
        for (boolean segmentation : new boolean[] {true, false}) {
            try (TapTestBed bed = TapTestBed.open(b -> b.offloads(true).segmentation(segmentation))) {
                NicCapabilities caps = bed.nic.capabilities();
                assertTrue(caps.txTcpChecksum() && caps.txUdpChecksum() && caps.rxL4Checksum(), caps.toString());
                assertEquals(segmentation ? TapNic.TSO_MAX_BYTES : 0, caps.tsoMaxBytes(), caps.toString());
                assertEquals(segmentation, caps.rxCoalesced(), caps.toString());
                assertEquals(segmentation, bed.nic.segmentation());
                String features = bed.ns.exec(Duration.ofSeconds(5), "ethtool", "-k", TapTestBed.IFACE)
                        .orThrow("ethtool -k").stdout();
                assertTrue(features.contains("tx-checksumming: on"), features);
                assertTrue(features.contains("tcp-segmentation-offload: " + (segmentation ? "on" : "off")), features);
            }
        }
    }

    @Test
    void macsAndMtuAsConfigured() throws Exception {
        MacAddress stack = MacAddress.parse("02:00:00:aa:00:02");
        MacAddress kernel = MacAddress.parse("02:00:00:aa:00:01");
        try (TapTestBed bed = TapTestBed.open(b -> b.mac(stack).kernelMac(kernel).mtu(9000))) {
            assertEquals(stack, bed.nic.mac());
            assertEquals(kernel, bed.nic.kernelMac());
            assertEquals(9000, bed.nic.mtu());
            String link = KernelPeer.link(bed.ns, TapTestBed.IFACE);
            assertTrue(link.contains("mtu 9000") && link.contains("link/ether " + kernel), link);

            bed.nic.setMtu(1400);
            assertEquals(1400, bed.nic.mtu());
            assertTrue(KernelPeer.link(bed.ns, TapTestBed.IFACE).contains("mtu 1400"));
            // A change made behind the NIC's back is what mtu() reports.
            bed.ns.exec(Duration.ofSeconds(5), "ip", "link", "set", "dev", TapTestBed.IFACE, "mtu", "1280").orThrow("ip link set mtu");
            assertEquals(1280, bed.nic.mtu());
        }
    }

    /**
     * While nobody reads the queue (a shard not running), the kernel keeps at most the device's
     * txqueuelen frames for the stack and drops the rest, counting them only in its tx_dropped: a
     * burst of 3,000 datagrams loses frames at the kernel's default length and none at 4,096.
     */
    @Test
    void theKernelsQueueTowardTheStackHoldsABurstOfTheConfiguredLength() throws Exception {
        int burst = 3000;
        int kernelDefault;
        try (TapTestBed bed = TapTestBed.open(b -> b)) {
            kernelDefault = bed.nic.kernelQueueFrames();
            assertTrue(kernelDefault < burst, "the kernel's default is below the burst: " + kernelDefault);
            assertTrue(KernelPeer.link(bed.ns, TapTestBed.IFACE).contains("qlen " + kernelDefault));
            assertTrue(unreadBurst(bed, burst) > 0, "frames dropped at the default length " + kernelDefault);
        }
        try (TapTestBed bed = TapTestBed.open(b -> b.kernelQueueFrames(4096))) {
            assertEquals(4096, bed.nic.kernelQueueFrames());
            assertTrue(KernelPeer.link(bed.ns, TapTestBed.IFACE).contains("qlen 4096"));
            assertEquals(0, unreadBurst(bed, burst), "no frame dropped with room for the burst");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (bed.receiver.pollOnce() > 0 || System.nanoTime() < deadline && bed.receiver.all().size() < burst) {
                Thread.onSpinWait(); // read everything the kernel kept
            }
            assertEquals(burst, bed.receiver.all().stream().filter(f -> TestFrames.isIpv4(f, TestFrames.IPPROTO_UDP)
                    && TestFrames.ipv4Destination(f) == TestFrames.ip(TapTestBed.STACK_IP)).count(),
                    "every datagram of the burst is read afterwards");
        }
    }

    /** Sends {@code n} UDP datagrams to the stack's address while nothing reads; the kernel's tx_dropped during it. */
    private static long unreadBurst(TapTestBed bed, int n) throws Exception {
        bed.drain();
        KernelPeer.addNeighbor(bed.ns, TapTestBed.IFACE, TapTestBed.STACK_IP, bed.nic.mac()); // no ARP: only the burst
        long before = txDropped(bed);
        bed.ns.exec(Duration.ofSeconds(30), "python3", "-c", "import socket\n"
                + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                + "for i in range(" + n + "): s.sendto(b'x', ('" + TapTestBed.STACK_IP + "', 9))").orThrow("the burst");
        return txDropped(bed) - before;
    }

    private static long txDropped(TapTestBed bed) throws Exception {
        return Long.parseLong(bed.ns.exec(Duration.ofSeconds(5), "cat", "/sys/class/net/" + TapTestBed.IFACE + "/statistics/tx_dropped")
                .orThrow("tx_dropped").stdout().strip());
    }

    @Test
    void theKernelPicksTheNumberInAPercentDName() throws Exception {
        try (TapTestBed bed = TapTestBed.open(b -> b.name("pmx%d"))) {
            assertEquals("pmx0", bed.nic.interfaceName(), "the first pmx%d in a fresh namespace");
            assertTrue(KernelPeer.hasLink(bed.ns, "pmx0"));
        }
    }

    @Test
    void carrierCanBeDroppedAndRaised() throws Exception {
        try (TapTestBed bed = TapTestBed.open()) {
            bed.nic.setCarrier(false);
            assertTrue(KernelPeer.link(bed.ns, TapTestBed.IFACE).contains("NO-CARRIER"), "carrier off at once");
            // IFF_RUNNING follows the operational state, which the kernel's link watch updates
            // within about a second.
            assertTrue(eventually(() -> !bed.nic.linkUp()), "linkUp() false without carrier");
            bed.nic.setCarrier(true);
            assertFalse(KernelPeer.link(bed.ns, TapTestBed.IFACE).contains("NO-CARRIER"));
            assertTrue(eventually(bed.nic::linkUp), "linkUp() true again");
        }
    }

    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    @Test
    void attachesToAnExistingPersistentDeviceAndLeavesItOnClose() throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device in it");
        Environment.requireCommands("ip");
        try (NetworkNamespace ns = NetworkNamespace.createUnique("pmx-tap")) {
            ns.exec(Duration.ofSeconds(10), "ip", "tuntap", "add", "dev", "pmxp0", "mode", "tap", "multi_queue")
                    .orThrow("ip tuntap add");
            TapNic nic = TapNic.builder().namespace(ns).name("pmxp0").existing(TapNic.Existing.ATTACH).queues(2).open();
            try {
                assertFalse(nic.createdHere());
                assertEquals(2, nic.queueCount());
                assertTrue(KernelPeer.link(ns, "pmxp0").contains("UP"));
                String detail = ns.exec(Duration.ofSeconds(5), "ip", "-d", "link", "show", "dev", "pmxp0").stdout();
                assertTrue(detail.contains("numqueues 2"), detail);
            } finally {
                nic.close();
            }
            assertTrue(KernelPeer.hasLink(ns, "pmxp0"), "an attached persistent device stays");
            TapNic again = TapNic.builder().namespace(ns).name("pmxp0").existing(TapNic.Existing.CREATE_OR_ATTACH).open();
            assertFalse(again.createdHere());
            again.close();
        }
    }
}
