package io.panamax.nic.tap;

import io.panamax.nic.QueueStats;
import io.panamax.nic.testing.FrameCapture;
import io.panamax.nic.testing.KernelPeer;
import io.panamax.nic.testing.TestFrames;
import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.panamax.nic.tap.TapTestBed.IFACE;
import static io.panamax.nic.tap.TapTestBed.KERNEL_IP;
import static io.panamax.nic.tap.TapTestBed.STACK_IP;
import static io.panamax.nic.testing.TestFrames.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames the backend writes reach the kernel: tcpdump on the kernel side captures them, tshark
 * decodes them, and the kernel's answers come back on the queue.
 */
class TapTransmitTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void anArpRequestIsSeenAndAnsweredByTheKernel() throws Exception {
        Environment.requireCommands("tcpdump", "tshark");
        try (TapTestBed bed = TapTestBed.open();
             FrameCapture cap = FrameCapture.start(bed.ns, IFACE, "arp")) {
            bed.drain();
            byte[] request = TestFrames.arpRequest(bed.nic.mac(), ip(STACK_IP), ip(KERNEL_IP));
            assertEquals(1, send(bed, request));

            List<byte[]> replies = bed.receiver.await(f -> TestFrames.isArp(f, TestFrames.ARP_REPLY), 1, WAIT);
            assertEquals(1, replies.size(), "the kernel answered");
            byte[] reply = replies.get(0);
            assertEquals(bed.nic.mac(), TestFrames.destination(reply));
            assertEquals(bed.nic.kernelMac(), TestFrames.arpSenderMac(reply));
            assertEquals(ip(KERNEL_IP), TestFrames.arpSenderIp(reply));

            List<byte[]> seen = cap.awaitFrames(f -> TestFrames.isArp(f, TestFrames.ARP_REQUEST), 1, WAIT);
            assertEquals(1, seen.size(), "tcpdump saw the request:" + cap.describe());
            assertArrayEquals(request, seen.get(0), "byte for byte");
            cap.awaitFrames(f -> TestFrames.isArp(f, TestFrames.ARP_REPLY), 1, WAIT);
            List<Map<String, String>> decoded = cap.decode("arp.opcode", "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.proto_ipv4");
            assertTrue(decoded.contains(Map.of("arp.opcode", "1", "arp.src.hw_mac", bed.nic.mac().toString(),
                    "arp.src.proto_ipv4", STACK_IP, "arp.dst.proto_ipv4", KERNEL_IP)), "tshark: " + decoded);
            assertTrue(decoded.contains(Map.of("arp.opcode", "2", "arp.src.hw_mac", bed.nic.kernelMac().toString(),
                    "arp.src.proto_ipv4", KERNEL_IP, "arp.dst.proto_ipv4", STACK_IP)), "tshark: " + decoded);

            QueueStats s = bed.queue(0).stats();
            assertEquals(1, s.txPackets.get());
            assertEquals(request.length, s.txBytes.get());
            assertEquals(0, s.txErrors.get());
        }
    }

    @Test
    void anIcmpEchoRequestIsAnsweredAndDecodedByTshark() throws Exception {
        Environment.requireCommands("tcpdump", "tshark");
        try (TapTestBed bed = TapTestBed.open();
             FrameCapture cap = FrameCapture.start(bed.ns, IFACE, "icmp")) {
            KernelPeer.addNeighbor(bed.ns, IFACE, STACK_IP, bed.nic.mac());
            bed.drain();
            byte[] payload = "panamax-tap-echo".getBytes();
            byte[] echo = TestFrames.icmpEchoRequest(bed.nic.mac(), bed.nic.kernelMac(), ip(STACK_IP), ip(KERNEL_IP), 0x4242, 7, payload);
            assertEquals(1, send(bed, echo));

            List<byte[]> replies = bed.receiver.await(f -> TestFrames.isIcmpEcho(f, TestFrames.ICMP_ECHO_REPLY), 1, WAIT);
            assertEquals(1, replies.size(), "the kernel replied");
            byte[] r = replies.get(0);
            assertEquals(0x4242, TestFrames.icmpEchoId(r));
            assertEquals(7, TestFrames.icmpEchoSeq(r));
            assertEquals(ip(KERNEL_IP), TestFrames.ipv4Source(r));
            assertEquals(ip(STACK_IP), TestFrames.ipv4Destination(r));

            cap.awaitFrames(f -> TestFrames.isIcmpEcho(f, TestFrames.ICMP_ECHO_REPLY), 1, WAIT);
            List<Map<String, String>> decoded = cap.decode("icmp.type", "icmp.ident", "icmp.seq", "icmp.checksum.status", "ip.checksum.status");
            assertTrue(decoded.size() >= 2, "tshark: " + decoded);
            Map<String, String> req = decoded.get(0);
            assertEquals("8", req.get("icmp.type"), decoded.toString());
            assertEquals(Integer.toString(0x4242), req.get("icmp.ident"));
            assertEquals("7", req.get("icmp.seq"));
            assertEquals("0", decoded.get(1).get("icmp.type"));
        }
    }

    @Test
    void aChainOfFragmentsGoesOutAsOneFrameThroughWritev() throws Exception {
        Environment.requireCommands("tcpdump");
        try (TapTestBed bed = TapTestBed.open();
             FrameCapture cap = FrameCapture.start(bed.ns, IFACE, "icmp")) {
            KernelPeer.addNeighbor(bed.ns, IFACE, STACK_IP, bed.nic.mac());
            bed.drain();
            byte[] payload = new byte[600];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) (i * 13);
            }
            byte[] echo = TestFrames.icmpEchoRequest(bed.nic.mac(), bed.nic.kernelMac(), ip(STACK_IP), ip(KERNEL_IP), 9, 1, payload);
            // Ethernet header, IP+ICMP headers, then the payload in two more buffers.
            Packet p = bed.packets.allocate();
            int[] cuts = {0, 14, 42, 300, echo.length};
            for (int i = 0; i + 1 < cuts.length; i++) {
                Buffer b = bed.buffers.allocate();
                int len = cuts[i + 1] - cuts[i];
                b.memory().asSlice(64, len).copyFrom(java.lang.foreign.MemorySegment.ofArray(echo).asSlice(cuts[i], len));
                p.append(b, 64, len);
            }
            assertEquals(4, p.fragmentCount());
            assertEquals(1, bed.queue(0).transmit(new Packet[]{p}, 1));

            List<byte[]> seen = cap.awaitFrames(f -> TestFrames.isIcmpEcho(f, TestFrames.ICMP_ECHO_REQUEST), 1, WAIT);
            assertEquals(1, seen.size(), cap.describe());
            assertArrayEquals(echo, seen.get(0), "the kernel saw the fragments in order, as one frame");
            List<byte[]> replies = bed.receiver.await(f -> TestFrames.isIcmpEcho(f, TestFrames.ICMP_ECHO_REPLY), 1, WAIT);
            assertEquals(1, replies.size(), "and found it valid: it replied");
            assertEquals(echo.length, bed.queue(0).stats().txBytes.get());
        }
    }

    @Test
    void writesToADownDeviceAndRuntFramesAreCountedAndReleased() throws Exception {
        try (TapTestBed bed = TapTestBed.open()) {
            TapQueue q = bed.queue(0);
            byte[] runt = new byte[10];
            assertEquals(1, send(bed, runt), "taken (and dropped)");
            assertEquals(1, q.counters().txRejected.get(), "EINVAL: shorter than an Ethernet header");

            bed.ns.exec(Duration.ofSeconds(5), "ip", "link", "set", "dev", IFACE, "down").orThrow("ip link set down");
            byte[] frame = TestFrames.arpRequest(bed.nic.mac(), ip(STACK_IP), ip(KERNEL_IP));
            assertEquals(1, send(bed, frame));
            assertEquals(1, q.counters().txLinkDown.get(), "EIO: the device is down");
            assertEquals(2, q.stats().txErrors.get());
            assertEquals(0, q.stats().txPackets.get());
            bed.assertNoLeaks();

            bed.ns.exec(Duration.ofSeconds(5), "ip", "link", "set", "dev", IFACE, "up").orThrow("ip link set up");
            assertEquals(1, send(bed, frame));
            assertEquals(1, q.stats().txPackets.get(), "and sends again once it is up");
        }
    }

    /** Copies {@code frame} into a one-fragment packet and transmits it on queue 0. */
    static int send(TapTestBed bed, byte[] frame) {
        Packet p = bed.packets.allocateWithHeadroom();
        assertEquals(frame.length, p.appendBytes(frame, 0, frame.length));
        return bed.queue(0).transmit(new Packet[]{p}, 1);
    }
}
