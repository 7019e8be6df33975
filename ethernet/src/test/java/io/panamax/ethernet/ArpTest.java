package io.panamax.ethernet;

import io.panamax.ethernet.wire.ArpMessage;
import io.panamax.ethernet.wire.EtherType;
import io.panamax.ethernet.wire.EthernetAddress;
import io.panamax.ethernet.wire.EthernetHeader;
import io.panamax.nic.MacAddress;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.testing.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ARP's cache, resolution queue and timers, on a manual two-shard reactor with virtual time. */
class ArpTest {
    private static final long OUR_MAC = 0x02_00_00_00_00_01L;
    private static final long PEER_MAC = 0x02_00_00_00_00_99L;
    private static final int OUR_IP = 0x0a070002;
    private static final int PEER_IP = 0x0a070001;

    private final ManualClock clock = new ManualClock();
    private Reactor reactor;
    private final List<List<Packet>> sent = List.of(new ArrayList<>(), new ArrayList<>());
    private final Arp[] arps = new Arp[2];
    private final Ethernet[] ethernets = new Ethernet[2];

    @BeforeEach
    void setUp() {
        reactor = Reactor.builder().shards(2).manual().clock(clock).buffersPerShard(256).build().start();
        for (int i = 0; i < 2; i++) {
            int id = i;
            reactor.runOn(i, () -> {
                var shard = reactor.shard(id);
                ethernets[id] = new Ethernet(EthernetConfig.of(new MacAddress(OUR_MAC)), sent.get(id)::add, shard.metrics());
                arps[id] = new Arp(shard, ethernets[id], OUR_IP, Arp.Config.defaults(), shard.metrics());
                ethernets[id].register(EtherType.ARP, arps[id]);
            });
        }
        for (int i = 0; i < 2; i++) {
            int id = i;
            reactor.runOn(i, () -> arps[id].setPeers(arps));
        }
    }

    @AfterEach
    void tearDown() {
        for (int i = 0; i < 2; i++) {
            int id = i;
            reactor.runOn(i, () -> {
                sent.get(id).forEach(Packet::release);
                sent.get(id).clear();
                arps[id].clear();
            });
        }
        reactor.runUntilIdle();
        LeakCheck.assertNoLeaks(reactor);
        reactor.stop();
    }

    private Packet datagram(int shard, int marker) {
        Packet[] out = new Packet[1];
        reactor.runOn(shard, () -> {
            Packet p = reactor.shard(shard).packets().allocateWithHeadroom();
            int off = p.extend(20);
            p.head().set(java.lang.foreign.ValueLayout.JAVA_BYTE, off, (byte) marker);
            out[0] = p;
        });
        return out[0];
    }

    /** A frame carrying an ARP message from the peer, as the NIC would deliver it. */
    private Packet arpFrame(int shard, int op, long senderMac, int senderIp, long targetMac, int targetIp, long dstMac) {
        Packet[] out = new Packet[1];
        reactor.runOn(shard, () -> {
            Packet p = reactor.shard(shard).packets().allocateWithHeadroom();
            int off = p.extend(EthernetHeader.HEADER_LENGTH + ArpMessage.LENGTH + 18);
            MemorySegment seg = p.head();
            EthernetHeader.write(seg, off, dstMac, senderMac, EtherType.ARP);
            ArpMessage.write(seg, off + EthernetHeader.HEADER_LENGTH, op, senderMac, senderIp, targetMac, targetIp);
            out[0] = p;
        });
        return out[0];
    }

    private void receive(int shard, Packet frame) {
        reactor.runOn(shard, () -> ethernets[shard].handle(frame));
        reactor.runUntilIdle();
    }

    private static int etherType(Packet frame) {
        return EthernetHeader.etherType(frame.head(), frame.headOffset());
    }

    private static long dst(Packet frame) {
        return EthernetHeader.destination(frame.head(), frame.headOffset());
    }

    private static int arpOp(Packet frame) {
        return ArpMessage.operation(frame.head(), frame.headOffset() + EthernetHeader.HEADER_LENGTH);
    }

    @Test
    void probeAndWatchReportAStationThatHoldsTheAddress() {
        int candidate = 0x0a070032;
        List<Integer> reported = new ArrayList<>();
        reactor.runOn(0, () -> {
            arps[0].probe(candidate);
            arps[0].watch(candidate, (ip, mac) -> reported.add(ip));
        });
        Packet probe = sent.get(0).getFirst();
        long arpAt = probe.headOffset() + EthernetHeader.HEADER_LENGTH;
        assertEquals(EthernetAddress.BROADCAST, dst(probe));
        assertEquals(ArpMessage.OPERATION_REQUEST, arpOp(probe));
        assertEquals(0, ArpMessage.senderProtocolAddress(probe.head(), arpAt), "RFC 5227 §2.1.1: sender IP 0");
        assertEquals(candidate, ArpMessage.targetProtocolAddress(probe.head(), arpAt));
        // Our own probe coming back (a looping switch) is not a conflict; another station's is.
        receive(0, arpFrame(0, ArpMessage.OPERATION_REQUEST, OUR_MAC, 0, 0, candidate, EthernetAddress.BROADCAST));
        assertEquals(List.of(), reported);
        receive(0, arpFrame(0, ArpMessage.OPERATION_REQUEST, PEER_MAC, 0, 0, candidate, EthernetAddress.BROADCAST));
        assertEquals(List.of(candidate), reported);
        // The holder's reply to our probe (to sender IP 0) names the address as its sender.
        receive(0, arpFrame(0, ArpMessage.OPERATION_REPLY, PEER_MAC, candidate, OUR_MAC, 0, OUR_MAC));
        assertEquals(List.of(candidate, candidate), reported);
        assertEquals(0, arps[0].drops().get(Arp.Drop.NOT_FOR_US), "a reported message is no drop");
        reactor.runOn(0, () -> arps[0].watch(0, null));
        receive(0, arpFrame(0, ArpMessage.OPERATION_REPLY, PEER_MAC, candidate, OUR_MAC, 0, OUR_MAC));
        assertEquals(2, reported.size(), "watch(0) stops the reports");
    }

    @Test
    void unresolvedDestinationQueuesAndBroadcastsARequest() {
        reactor.runOn(0, () -> arps[0].sendIpv4(PEER_IP, datagram(0, 1)));
        assertEquals(1, sent.get(0).size());
        Packet request = sent.get(0).getFirst();
        assertEquals(EtherType.ARP, etherType(request));
        assertEquals(EthernetAddress.BROADCAST, dst(request));
        assertEquals(ArpMessage.OPERATION_REQUEST, arpOp(request));
        assertEquals(60, request.length(), "padded to the minimum frame");
        // A second datagram waits too, without a second request.
        reactor.runOn(0, () -> arps[0].sendIpv4(PEER_IP, datagram(0, 2)));
        assertEquals(1, sent.get(0).size());
    }

    @Test
    void replyReleasesTheQueueInOrderAndTeachesTheOtherShard() {
        reactor.runOn(1, () -> arps[1].sendIpv4(PEER_IP, datagram(1, 1)));
        reactor.runOn(1, () -> arps[1].sendIpv4(PEER_IP, datagram(1, 2)));
        sent.get(1).forEach(Packet::release);
        sent.get(1).clear();
        // The reply arrives on shard 0 (where the NIC put it); shard 1's datagrams go out.
        receive(0, arpFrame(0, ArpMessage.OPERATION_REPLY, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP, OUR_MAC));
        reactor.runOn(0, () -> assertEquals(PEER_MAC, arps[0].lookup(PEER_IP)));
        reactor.runOn(1, () -> assertEquals(PEER_MAC, arps[1].lookup(PEER_IP), "learned from shard 0"));
        assertEquals(2, sent.get(1).size());
        for (int i = 0; i < 2; i++) {
            Packet p = sent.get(1).get(i);
            assertEquals(EtherType.IPV4, etherType(p));
            assertEquals(PEER_MAC, dst(p));
            assertEquals(i + 1, p.getU8(EthernetHeader.HEADER_LENGTH), "queued datagrams leave in order");
        }
        // Now known: a datagram goes straight out.
        reactor.runOn(1, () -> arps[1].sendIpv4(PEER_IP, datagram(1, 3)));
        assertEquals(3, sent.get(1).size());
    }

    @Test
    void requestForUsIsAnsweredInPlaceAndTheSenderLearned() {
        receive(0, arpFrame(0, ArpMessage.OPERATION_REQUEST, PEER_MAC, PEER_IP, 0, OUR_IP, EthernetAddress.BROADCAST));
        assertEquals(1, sent.get(0).size());
        Packet reply = sent.get(0).getFirst();
        assertEquals(PEER_MAC, dst(reply));
        long arp = reply.headOffset() + EthernetHeader.HEADER_LENGTH;
        MemorySegment seg = reply.head();
        assertEquals(ArpMessage.OPERATION_REPLY, ArpMessage.operation(seg, arp));
        assertEquals(OUR_MAC, ArpMessage.senderHardwareAddress(seg, arp));
        assertEquals(OUR_IP, ArpMessage.senderProtocolAddress(seg, arp));
        assertEquals(PEER_MAC, ArpMessage.targetHardwareAddress(seg, arp));
        assertEquals(PEER_IP, ArpMessage.targetProtocolAddress(seg, arp));
        reactor.runOn(0, () -> assertEquals(PEER_MAC, arps[0].lookup(PEER_IP)));
    }

    @Test
    void requestForAnotherHostTeachesNothing() {
        receive(0, arpFrame(0, ArpMessage.OPERATION_REQUEST, PEER_MAC, PEER_IP, 0, 0x0a070099, EthernetAddress.BROADCAST));
        assertTrue(sent.get(0).isEmpty());
        reactor.runOn(0, () -> {
            assertEquals(-1, arps[0].lookup(PEER_IP));
            assertEquals(1, arps[0].drops().get(Arp.Drop.NOT_FOR_US));
        });
    }

    @Test
    void queueKeepsTheNewestWhenFull() {
        int capacity = Arp.Config.defaults().queuePerDestination();
        for (int i = 0; i < capacity + 3; i++) {
            int m = i;
            reactor.runOn(0, () -> arps[0].sendIpv4(PEER_IP, datagram(0, m)));
        }
        reactor.runOn(0, () -> assertEquals(3, arps[0].drops().get(Arp.Drop.QUEUE_OVERFLOW)));
        sent.get(0).forEach(Packet::release);
        sent.get(0).clear();
        receive(0, arpFrame(0, ArpMessage.OPERATION_REPLY, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP, OUR_MAC));
        assertEquals(capacity, sent.get(0).size());
        assertEquals(3, sent.get(0).getFirst().getU8(EthernetHeader.HEADER_LENGTH), "the oldest three were dropped");
    }

    @Test
    void unansweredResolutionRetriesThenDropsWhatWaited() {
        reactor.runOn(0, () -> arps[0].sendIpv4(PEER_IP, datagram(0, 1)));
        reactor.advance(Duration.ofMillis(2_500));
        assertEquals(3, sent.get(0).size(), "a request now and one per second after");
        reactor.advance(Duration.ofSeconds(2));
        reactor.runOn(0, () -> {
            assertEquals(1, arps[0].drops().get(Arp.Drop.UNRESOLVED));
            assertEquals(0, arps[0].size(), "the entry is gone; the next datagram starts over");
        });
    }

    @Test
    void mappingInUseIsReconfirmedBeforeItExpires() {
        receive(0, arpFrame(0, ArpMessage.OPERATION_REPLY, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP, OUR_MAC));
        reactor.advance(Duration.ofSeconds(30));
        reactor.runOn(0, () -> arps[0].sendIpv4(PEER_IP, datagram(0, 1)));
        sent.get(0).forEach(Packet::release);
        sent.get(0).clear();
        reactor.advance(Duration.ofSeconds(31));
        // The reachable time ran out while in use: a unicast request re-confirms it.
        assertEquals(1, sent.get(0).size());
        assertEquals(PEER_MAC, dst(sent.get(0).getFirst()));
        reactor.runOn(0, () -> assertEquals(PEER_MAC, arps[0].lookup(PEER_IP), "still used while re-confirming"));
        receive(0, arpFrame(0, ArpMessage.OPERATION_REPLY, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP, OUR_MAC));
        reactor.advance(Duration.ofSeconds(10));
        reactor.runOn(0, () -> assertEquals(PEER_MAC, arps[0].lookup(PEER_IP)));
    }

    /**
     * Seen over TAP (one queue: every ARP message arrives on shard 0): shard 1's mapping expired
     * while shard 0's stayed in use; shard 1's request was answered on shard 0, which knew the
     * mapping already and so did not pass it on, and shard 1 asked again every second for good.
     */
    @Test
    void replyToAnotherShardsRequestTeachesItWhenThisShardKnewTheMappingAlready() {
        receive(0, arpFrame(0, ArpMessage.OPERATION_REPLY, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP, OUR_MAC));
        reactor.advance(Duration.ofSeconds(30));
        reactor.runOn(0, () -> arps[0].sendIpv4(PEER_IP, datagram(0, 1)));
        reactor.advance(Duration.ofSeconds(31)); // shard 1's idle mapping expires; shard 0's is re-confirmed
        reactor.runOn(1, () -> assertEquals(-1, arps[1].lookup(PEER_IP)));
        reactor.runOn(0, () -> assertEquals(PEER_MAC, arps[0].lookup(PEER_IP)));
        reactor.runOn(1, () -> arps[1].sendIpv4(PEER_IP, datagram(1, 7)));
        sent.get(1).forEach(Packet::release);
        sent.get(1).clear();
        receive(0, arpFrame(0, ArpMessage.OPERATION_REPLY, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP, OUR_MAC));
        reactor.runOn(1, () -> assertEquals(PEER_MAC, arps[1].lookup(PEER_IP), "learned from shard 0"));
        assertEquals(1, sent.get(1).size(), "shard 1's datagram went out");
        assertEquals(EtherType.IPV4, etherType(sent.get(1).getFirst()));
        assertEquals(7, sent.get(1).getFirst().getU8(EthernetHeader.HEADER_LENGTH));
    }

    @Test
    void idleMappingExpires() {
        receive(0, arpFrame(0, ArpMessage.OPERATION_REPLY, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP, OUR_MAC));
        reactor.runOn(0, () -> assertEquals(PEER_MAC, arps[0].lookup(PEER_IP)));
        reactor.advance(Duration.ofSeconds(200));
        reactor.runOn(0, () -> assertEquals(-1, arps[0].lookup(PEER_IP)));
    }

    @Test
    void gratuitousArpUpdatesAnExistingEntry() {
        receive(0, arpFrame(0, ArpMessage.OPERATION_REPLY, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP, OUR_MAC));
        long moved = 0x02_00_00_00_00_77L;
        receive(0, arpFrame(0, ArpMessage.OPERATION_REQUEST, moved, PEER_IP, 0, PEER_IP, EthernetAddress.BROADCAST));
        reactor.runOn(0, () -> assertEquals(moved, arps[0].lookup(PEER_IP)));
        reactor.runOn(1, () -> assertEquals(moved, arps[1].lookup(PEER_IP), "the change reached shard 1"));
    }

    /**
     * RFC 5227 §2.4 (b): another station claiming our address is counted, not learned, and defended
     * with one announcement; a second claim within DEFEND_INTERVAL (10 s) is not answered again.
     */
    @Test
    void someoneElseClaimingOurAddressIsCountedNotLearnedAndDefendedOnce() {
        receive(0, arpFrame(0, ArpMessage.OPERATION_REQUEST, PEER_MAC, OUR_IP, 0, OUR_IP, EthernetAddress.BROADCAST));
        receive(0, arpFrame(0, ArpMessage.OPERATION_REQUEST, PEER_MAC, OUR_IP, 0, OUR_IP, EthernetAddress.BROADCAST));
        reactor.runOn(0, () -> assertEquals(2, arps[0].drops().get(Arp.Drop.ADDRESS_CONFLICT)));
        reactor.runOn(0, () -> assertEquals(-1, arps[0].lookup(OUR_IP), "not learned"));
        assertEquals(1, sent.get(0).size(), "one defence");
        Packet p = sent.get(0).getFirst();
        long arp = p.headOffset() + EthernetHeader.HEADER_LENGTH;
        assertTrue(ArpMessage.isGratuitous(p.head(), arp), "an announcement of our address");
        assertEquals(OUR_IP, ArpMessage.senderProtocolAddress(p.head(), arp));
    }

    @Test
    void announceSendsAGratuitousRequest() {
        reactor.runOn(0, () -> arps[0].announce());
        Packet p = sent.get(0).getFirst();
        long arp = p.headOffset() + EthernetHeader.HEADER_LENGTH;
        assertTrue(ArpMessage.isGratuitous(p.head(), arp));
        assertEquals(EthernetAddress.BROADCAST, dst(p));
    }
}
