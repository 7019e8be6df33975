package io.panamax.nic.tap;

import io.panamax.nic.testing.KernelPeer;
import io.panamax.nic.testing.TestFrames;
import io.panamax.reactor.buffer.Packet;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.panamax.nic.tap.TapTestBed.IFACE;
import static io.panamax.nic.tap.TapTestBed.KERNEL_IP;
import static io.panamax.nic.tap.TapTestBed.STACK_IP;
import static io.panamax.nic.testing.TestFrames.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A multi-queue device: the kernel spreads its flows over the queues (by flow hash), every queue
 * receives and transmits, and nothing is lost or duplicated across them.
 */
class TapMultiQueueTest {
    private static final int QUEUES = 4;
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void theKernelSpreadsFlowsOverAllQueuesAndEveryDatagramArrivesOnce() throws Exception {
        try (TapTestBed bed = TapTestBed.open(b -> b.queues(QUEUES))) {
            assertEquals(QUEUES, bed.nic.queueCount());
            assertTrue(bed.ns.exec(Duration.ofSeconds(5), "ip", "-d", "link", "show", "dev", IFACE).stdout()
                    .contains("numqueues " + QUEUES));
            KernelPeer.addNeighbor(bed.ns, IFACE, STACK_IP, bed.nic.mac());
            bed.drain();

            // 64 UDP flows from the kernel's own sockets, opened inside the namespace (a socket
            // belongs to the namespace it was made in, whichever thread uses it later).
            int flows = 64;
            List<DatagramChannel> sockets = bed.ns.callInside(() -> {
                List<DatagramChannel> list = new ArrayList<>();
                for (int i = 0; i < flows; i++) {
                    list.add(DatagramChannel.open().bind(new InetSocketAddress(KERNEL_IP, 0)));
                }
                return list;
            });
            try {
                InetSocketAddress to = new InetSocketAddress(STACK_IP, 9999);
                for (int round = 0; round < 2; round++) {
                    for (int i = 0; i < flows; i++) {
                        sockets.get(i).send(ByteBuffer.wrap(("flow " + i + " round " + round).getBytes(StandardCharsets.US_ASCII)), to);
                    }
                }
            } finally {
                for (DatagramChannel c : sockets) {
                    c.close();
                }
            }

            List<byte[]> got = bed.receiver.await(f -> TestFrames.isIpv4(f, TestFrames.IPPROTO_UDP)
                    && TestFrames.udpDestinationPort(f) == 9999, 2 * flows, WAIT);
            assertEquals(2 * flows, got.size(), "every datagram arrived");
            Set<String> payloads = new HashSet<>();
            Map<Integer, Integer> queueOfFlow = new HashMap<>();
            int[] perQueue = new int[QUEUES];
            for (byte[] f : got) {
                assertTrue(payloads.add(new String(TestFrames.udpPayload(f), StandardCharsets.US_ASCII)), "no duplicates");
                int q = bed.receiver.queueOf(f);
                perQueue[q]++;
                Integer before = queueOfFlow.put(TestFrames.udpSourcePort(f), q);
                assertTrue(before == null || before == q, "a flow stays on one queue");
            }
            for (int q = 0; q < QUEUES; q++) {
                assertTrue(perQueue[q] > 0, "queue " + q + " got flows: " + java.util.Arrays.toString(perQueue));
            }
            long rx = 0;
            for (TapQueue q : bed.nic.queues()) {
                rx += q.stats().rxPackets.get();
            }
            assertEquals(bed.receiver.all().size(), rx);
            assertEquals(rx, bed.nic.totals().rxPackets());
        }
    }

    @Test
    void everyQueueTransmitsAndTheKernelsRepliesComeBackToTheSendingQueue() throws Exception {
        try (TapTestBed bed = TapTestBed.open(b -> b.queues(QUEUES))) {
            // One stack address per queue, known to the kernel, so each queue is its own flow.
            for (int q = 0; q < QUEUES; q++) {
                KernelPeer.addNeighbor(bed.ns, IFACE, "10.77.0." + (10 + q), bed.nic.mac());
            }
            bed.drain();
            // A UDP echo on the kernel side, made inside the namespace and served from here.
            try (DatagramChannel echo = bed.ns.callInside(() -> DatagramChannel.open().bind(new InetSocketAddress(KERNEL_IP, 7777)))) {
                echo.configureBlocking(false);
                for (int q = 0; q < QUEUES; q++) {
                    byte[] frame = TestFrames.udp(bed.nic.mac(), bed.nic.kernelMac(), ip("10.77.0." + (10 + q)), ip(KERNEL_IP),
                            5000, 7777, ("from queue " + q).getBytes(StandardCharsets.US_ASCII));
                    Packet p = bed.packets.allocateWithHeadroom();
                    p.appendBytes(frame, 0, frame.length);
                    assertEquals(1, bed.queue(q).transmit(new Packet[]{p}, 1));
                    assertEquals(1, bed.queue(q).stats().txPackets.get());
                }
                ByteBuffer buf = ByteBuffer.allocate(256);
                int echoed = 0;
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (echoed < QUEUES && System.nanoTime() < deadline) {
                    buf.clear();
                    var from = echo.receive(buf);
                    if (from == null) {
                        Thread.sleep(1);
                        continue;
                    }
                    buf.flip();
                    echo.send(buf, from);
                    echoed++;
                }
                assertEquals(QUEUES, echoed, "the kernel received a datagram from every queue");
            }
            List<byte[]> replies = bed.receiver.await(f -> TestFrames.isIpv4(f, TestFrames.IPPROTO_UDP)
                    && TestFrames.udpSourcePort(f) == 7777, QUEUES, WAIT);
            assertEquals(QUEUES, replies.size());
            for (byte[] r : replies) {
                String text = new String(TestFrames.udpPayload(r), StandardCharsets.US_ASCII);
                int sender = Integer.parseInt(text.substring("from queue ".length()));
                assertEquals(ip("10.77.0." + (10 + sender)), TestFrames.ipv4Destination(r));
                // The tun driver remembers which queue last sent a flow and steers the flow's
                // frames back to it (its automatic flow steering, by symmetric flow hash).
                assertEquals(sender, bed.receiver.queueOf(r), "the reply to queue " + sender + "'s datagram");
            }
        }
    }
}
