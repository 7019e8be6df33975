package io.panamax.nic.wire;

import io.panamax.reactor.testing.SharedData;
import io.panamax.nic.pcap.Pcap4jFrames;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.nic.NicPoller;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wire without impairments: what goes in comes out, unchanged, in order, on the right queue. */
class WireTest {

    @Test
    void realFramesArriveUnchangedAndInOrderBothWays() {
        List<byte[]> frames = Pcap4jFrames.bytes(SharedData.pcap("cs-http_espn.pcapng"));
        assertEquals(956, frames.size());
        try (WireHarness h = new WireHarness(WireConfig.builder())) {
            for (int i = 0; i < frames.size(); i++) {
                h.sendFromA(0, frames.get(i));
                h.sendFromB(0, frames.get(frames.size() - 1 - i));
                if (i % 200 == 199) {
                    h.pump();
                }
            }
            h.pump();
            List<byte[]> atB = h.allBytesAtB();
            assertEquals(frames.size(), atB.size());
            for (int i = 0; i < frames.size(); i++) {
                assertArrayEquals(frames.get(i), atB.get(i), "frame " + i + " A to B");
                assertArrayEquals(frames.get(frames.size() - 1 - i), h.atA.get(0).get(i).bytes(), "frame " + i + " B to A");
            }
            WireStats s = h.wire.a().outboundStats();
            assertEquals(new WireStats(956, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), s);
            assertEquals(956, h.wire.b().totals().rxPackets());
            long bytes = frames.stream().mapToLong(f -> f.length).sum();
            assertEquals(bytes, h.wire.b().totals().rxBytes());
            assertEquals(bytes, h.wire.a().totals().txBytes());
            assertFalse(h.wire.b().capabilities().rssHash());
            assertFalse(h.receivedAtB(0).getFirst().hashed());
        }
    }

    @Test
    void defaultSteeringKeepsTheQueueIndex() {
        try (WireHarness h = new WireHarness(WireConfig.builder().queues(4))) {
            for (int q = 0; q < 4; q++) {
                for (int i = 0; i < 10; i++) {
                    h.sendFromA(q, TestFrames.numbered(q * 100 + i, 64));
                }
            }
            h.pump();
            for (int q = 0; q < 4; q++) {
                List<WireHarness.Received> got = h.receivedAtB(q);
                assertEquals(10, got.size(), "queue " + q);
                for (int i = 0; i < 10; i++) {
                    assertEquals(q * 100 + i, TestFrames.sequence(got.get(i).bytes()));
                }
            }
        }
    }

    /** A steering that hashes: frames land where it says, carry its hash, and the NIC says it hashes. */
    @Test
    void hashingSteeringSetsTheHashOnTheReceivedPacket() {
        WireSteering bySequence = new WireSteering() {
            @Override
            public int queueFor(Packet frame, int txQueue, int queueCount) {
                assertFalse(frame.hasFlag(Packet.RSS_HASH_VALID), "the wire clears a stale hash first");
                int hash = frame.getI32(18) * 0x9E3779B1;
                frame.setRssHash(hash);
                return Integer.remainderUnsigned(hash, queueCount);
            }

            @Override
            public boolean setsHash() {
                return true;
            }
        };
        try (WireHarness h = new WireHarness(WireConfig.builder().queues(3).steeringToB(bySequence))) {
            assertTrue(h.wire.b().capabilities().rssHash());
            assertFalse(h.wire.a().capabilities().rssHash());
            for (int i = 0; i < 300; i++) {
                h.sendFromA(i % 3, TestFrames.numbered(i, 80));
            }
            h.pump();
            int total = 0;
            for (int q = 0; q < 3; q++) {
                for (WireHarness.Received r : h.receivedAtB(q)) {
                    int expected = (int) TestFrames.sequence(r.bytes()) * 0x9E3779B1;
                    assertTrue(r.hashed());
                    assertEquals(expected, r.hash());
                    assertEquals(Integer.remainderUnsigned(expected, 3), q);
                    total++;
                }
            }
            assertEquals(300, total);
        }
    }

    @Test
    void framesLongerThanTheMtuAreDroppedAndCounted() {
        try (WireHarness h = new WireHarness(WireConfig.builder().mtu(1500))) {
            h.sendFromA(0, TestFrames.numbered(1, 1514));
            h.sendFromA(0, TestFrames.numbered(2, 1515));
            byte[] tagged = TestFrames.numbered(3, 1518);
            tagged[12] = (byte) 0x81;
            tagged[13] = 0x00;
            h.sendFromA(0, tagged);
            byte[] taggedTooLong = TestFrames.numbered(4, 1519);
            taggedTooLong[12] = (byte) 0x81;
            taggedTooLong[13] = 0x00;
            h.sendFromA(0, taggedTooLong);
            h.sendFromA(0, new byte[13]);
            h.pump();
            List<WireHarness.Received> got = h.receivedAtB(0);
            assertEquals(2, got.size());
            assertEquals(1514, got.get(0).bytes().length);
            assertEquals(1518, got.get(1).bytes().length);
            WireStats s = h.wire.a().outboundStats();
            assertEquals(2, s.oversize());
            assertEquals(1, s.runt());
            assertEquals(3, h.wire.a().totals().txErrors());
            assertEquals(2, s.sent());
        }
    }

    @Test
    void aFullRingDropsAndCountsLikeANic() {
        try (WireHarness h = new WireHarness(WireConfig.builder().ringSize(8))) {
            // B's shard must not poll in between: send from A's shard with B's poller not running.
            h.reactor.runOn(0, () -> {
                Packet[] burst = new Packet[20];
                for (int i = 0; i < 20; i++) {
                    byte[] f = TestFrames.numbered(i, 100);
                    burst[i] = Shard.currentOrThrow().packets().allocateWithHeadroom();
                    burst[i].appendBytes(f, 0, f.length);
                }
                assertEquals(20, h.wire.a().queue(0).transmit(burst, 20), "the wire takes every frame");
            });
            h.pump();
            List<WireHarness.Received> got = h.receivedAtB(0);
            assertEquals(8, got.size());
            for (int i = 0; i < 8; i++) {
                assertEquals(i, TestFrames.sequence(got.get(i).bytes()));
            }
            assertEquals(12, h.wire.a().outboundStats().ringFull());
            assertEquals(12, h.wire.a().totals().txDrops());
            assertEquals(8, h.wire.a().totals().txPackets() - h.wire.a().totals().txDrops());
        }
    }

    @Test
    void aReceiverOutOfBuffersDropsAndCounts() {
        try (WireHarness h = new WireHarness(WireConfig.builder(), 64)) {
            h.keep = true;
            for (int i = 0; i < 100; i++) {
                h.sendFromA(0, TestFrames.numbered(i, 200));
            }
            h.pump();
            assertEquals(64, h.receivedAtB(0).size(), "one buffer per frame until the pool is empty");
            assertEquals(36, h.wire.b().totals().rxDrops());
            h.releaseKept();
            h.sendFromA(0, TestFrames.numbered(100, 200));
            h.pump();
            assertEquals(100, TestFrames.sequence(h.receivedAtB(0).getLast().bytes()), "and it recovers");
        }
    }

    @Test
    void framesLargerThanOneBufferArriveAsAChain() {
        try (WireHarness h = new WireHarness(WireConfig.builder().mtu(9000))) {
            byte[] jumbo = TestFrames.numbered(7, 9014);
            h.sendFromA(0, jumbo);
            h.pump();
            assertArrayEquals(jumbo, h.receivedAtB(0).getFirst().bytes());
        }
    }

    @Test
    void aSteeringThatThrowsCostsTheFrameNotTheShard() {
        WireSteering fragile = (frame, txQueue, queueCount) -> frame.getU16(40) % queueCount;
        try (WireHarness h = new WireHarness(WireConfig.builder().steeringToB(fragile))) {
            h.sendFromA(0, TestFrames.numbered(1, 30));
            h.sendFromA(0, TestFrames.numbered(2, 60));
            h.pump();
            assertEquals(1, h.receivedAtB(0).size());
            assertEquals(2, TestFrames.sequence(h.receivedAtB(0).getFirst().bytes()));
            assertEquals(1, h.wire.a().outboundStats().steeringFailed());
            assertEquals(1, h.wire.a().totals().txErrors());
        }
    }

    @Test
    void aShardOnAnotherClockIsRefused() {
        try (Reactor r = Reactor.builder().shards(1).manual().clock(new ManualClock()).build().start()) {
            Wire wire = Wire.pair();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.runOn(0,
                    () -> new NicPoller(wire.a().queue(0), Packet::release)));
            assertTrue(e.getMessage().contains("different clock"), e.getMessage());
        }
    }

    @Test
    void receiveBeforeAttachIsAClearError() {
        Wire wire = Wire.pair();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> wire.a().queue(0).receive(new Packet[1], 1));
        assertTrue(e.getMessage().contains("attach"), e.getMessage());
    }
}
