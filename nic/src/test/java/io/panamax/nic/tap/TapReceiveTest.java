package io.panamax.nic.tap;

import io.panamax.nic.MacAddress;
import io.panamax.nic.QueueStats;
import io.panamax.nic.testing.KernelPeer;
import io.panamax.nic.testing.Scapy;
import io.panamax.nic.testing.TestFrames;
import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.panamax.nic.tap.TapTestBed.KERNEL_IP;
import static io.panamax.nic.tap.TapTestBed.STACK_IP;
import static io.panamax.nic.testing.TestFrames.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Frames the kernel sends out of the TAP device arrive on the queue, byte for byte. */
class TapReceiveTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void arpingRequestsArriveFromTheKernelSide() throws Exception {
        Environment.requireCommands("arping");
        try (TapTestBed bed = TapTestBed.open()) {
            bed.drain();
            // Nobody answers, so arping fails; what matters is what it sent.
            KernelPeer.arping(bed.ns, TapTestBed.IFACE, STACK_IP, 3);
            List<byte[]> asks = bed.receiver.await(f -> TestFrames.isArp(f, TestFrames.ARP_REQUEST)
                    && TestFrames.arpTargetIp(f) == ip(STACK_IP), 3, WAIT);
            assertEquals(3, asks.size(), "three ARP requests for " + STACK_IP);
            for (byte[] f : asks) {
                assertEquals(MacAddress.BROADCAST, TestFrames.destination(f));
                assertEquals(bed.nic.kernelMac(), TestFrames.source(f));
                assertEquals(bed.nic.kernelMac(), TestFrames.arpSenderMac(f));
                assertEquals(ip(KERNEL_IP), TestFrames.arpSenderIp(f));
            }
            QueueStats s = bed.queue(0).stats();
            long bytes = bed.receiver.all().stream().mapToLong(f -> f.length).sum();
            assertEquals(bed.receiver.all().size(), s.rxPackets.get());
            assertEquals(bytes, s.rxBytes.get());
            assertEquals(0, s.rxErrors.get());
        }
    }

    @Test
    void rawFramesFromAPacketSocketArriveByteForByte() throws Exception {
        Environment.require(Scapy.available(), "needs python3-scapy (" + Scapy.PYTHON + " -c 'import scapy')");
        try (TapTestBed bed = TapTestBed.open()) {
            bed.drain();
            MacAddress src = MacAddress.parse("02:00:00:00:00:aa");
            byte[] small = TestFrames.udp(src, bed.nic.mac(), ip("10.77.0.1"), ip(STACK_IP), 1000, 2000, new byte[]{1, 2, 3});
            byte[] full = new byte[1514];
            for (int i = 0; i < full.length; i++) {
                full[i] = (byte) (i * 7);
            }
            System.arraycopy(bed.nic.mac().toBytes(), 0, full, 0, 6);
            System.arraycopy(src.toBytes(), 0, full, 6, 6);
            full[12] = (byte) 0x88;
            full[13] = (byte) 0xb5; // IEEE 802 local experimental EtherType
            byte[] odd = Arrays.copyOf(TestFrames.arpRequest(src, ip("10.77.0.99"), ip(STACK_IP)), 61);
            List<byte[]> sent = List.of(small, full, odd);

            Scapy.sendp(bed.ns, TapTestBed.IFACE, sent);
            List<byte[]> got = bed.receiver.await(f -> TestFrames.source(f).equals(src), 3, WAIT);
            assertEquals(3, got.size());
            for (int i = 0; i < sent.size(); i++) {
                assertArrayEquals(sent.get(i), got.get(i), "frame " + i + " unchanged and in order");
            }
            assertEquals(0, bed.queue(0).stats().rxErrors.get());
        }
    }

    @Test
    void aPingToTheSubnetMakesTheKernelAskForTheAddress() throws Exception {
        Environment.requireCommands("ping");
        try (TapTestBed bed = TapTestBed.open()) {
            bed.drain();
            KernelPeer.ping(bed.ns, "10.77.0.9", 1);
            List<byte[]> asks = bed.receiver.await(f -> TestFrames.isArp(f, TestFrames.ARP_REQUEST)
                    && TestFrames.arpTargetIp(f) == ip("10.77.0.9"), 1, WAIT);
            assertTrue(asks.size() >= 1, "the kernel ARPs for 10.77.0.9 before pinging it");
            assertEquals(ip(KERNEL_IP), TestFrames.arpSenderIp(asks.get(0)));
        }
    }

    @Test
    void aFrameLargerThanTheBuffersIsCountedAndDroppedWithoutLeaking() throws Exception {
        Environment.require(Scapy.available(), "needs python3-scapy (" + Scapy.PYTHON + " -c 'import scapy')");
        try (TapTestBed bed = TapTestBed.open()) {
            // The queue was attached with buffers for 1500-byte MTU frames; raise the MTU after.
            bed.nic.setMtu(9000);
            bed.drain();
            MacAddress src = MacAddress.parse("02:00:00:00:00:bb");
            byte[] jumbo = TestFrames.udp(src, bed.nic.mac(), ip(KERNEL_IP), ip(STACK_IP), 1, 2, new byte[4000]);
            byte[] after = TestFrames.udp(src, bed.nic.mac(), ip(KERNEL_IP), ip(STACK_IP), 1, 2, new byte[]{9});
            Scapy.sendp(bed.ns, TapTestBed.IFACE, jumbo, after);
            List<byte[]> got = bed.receiver.await(f -> TestFrames.source(f).equals(src), 1, WAIT);
            assertEquals(1, got.size(), "only the frame that fits is delivered");
            assertArrayEquals(after, got.get(0));
            TapCounters c = bed.queue(0).counters();
            assertEquals(1, c.rxTruncated.get());
            assertEquals(1, bed.queue(0).stats().rxErrors.get());
            bed.assertNoLeaks();
        }
    }

    @Test
    void anEmptyPoolLeavesFramesWaitingInTheKernelAndCountsIt() throws Exception {
        Environment.require(Scapy.available(), "needs python3-scapy (" + Scapy.PYTHON + " -c 'import scapy')");
        try (TapTestBed bed = TapTestBed.open()) {
            bed.drain();
            MacAddress src = MacAddress.parse("02:00:00:00:00:cc");
            byte[] f = TestFrames.udp(src, bed.nic.mac(), ip(KERNEL_IP), ip(STACK_IP), 1, 2, new byte[]{1});
            // Hold every buffer, as a shard whose pool is exhausted.
            List<io.panamax.reactor.buffer.Buffer> held = new ArrayList<>();
            io.panamax.reactor.buffer.Buffer b;
            while ((b = bed.buffers.allocate()) != null) {
                held.add(b);
            }
            Scapy.sendp(bed.ns, TapTestBed.IFACE, f);
            assertEquals(0, bed.receiver.pollOnce());
            assertTrue(bed.queue(0).counters().rxNoBuffer.get() >= 1);
            held.forEach(io.panamax.reactor.buffer.Buffer::release);
            List<byte[]> got = bed.receiver.await(x -> TestFrames.source(x).equals(src), 1, WAIT);
            assertEquals(1, got.size(), "the frame waited in the kernel and arrives once buffers are back");
            assertEquals(0, bed.queue(0).stats().rxDrops.get());
        }
    }
}
