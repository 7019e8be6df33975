package io.panamax.ip;

import io.panamax.ip.wire.Ipv4Header;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RFC 3168 5.3 through {@link Ipv4}: fragments with real IPv4 headers whose ECN fields differ are
 * reassembled into a datagram whose header and {@link Packet#RX_ECN_CE} flag say CE when any
 * fragment was CE (the transport's ECN-Echo depends on it), or dropped when Not-ECT is mixed in;
 * and the fragments this stack makes of its own datagrams go Not-ECT.
 */
class Ipv4FragmentEcnTest {
    private static final int LOCAL = Ipv4Address.parse("10.0.0.1");
    private static final int PEER = Ipv4Address.parse("10.0.0.2");
    /** An unassigned protocol number standing for the transport. */
    private static final int PROTOCOL = 253;

    private final ManualClock clock = new ManualClock();
    private final List<int[]> delivered = new ArrayList<>();   // {length, RX_ECN_CE, header ECN}
    private final List<int[]> sent = new ArrayList<>();        // {total length, header ECN, more fragments}
    private Reactor reactor;
    private Ipv4 ipv4;
    private PacketPool packets;

    @BeforeEach
    void setUp() {
        reactor = Reactor.builder().shards(1).manual().clock(clock).buffersPerShard(256).build().start();
        reactor.runOn(0, () -> {
            var shard = reactor.shard(0);
            packets = shard.packets();
            Ipv4NextHop nowhere = new Ipv4NextHop() {
                @Override
                public long lookup(int nextHop) {
                    return -1;
                }

                @Override
                public void sendIpv4(int nextHop, Packet datagram) {
                    MemorySegment seg = datagram.head();
                    long off = datagram.headOffset();
                    sent.add(new int[] {datagram.length(), Ipv4Header.ecn(seg, off), Ipv4Header.moreFragments(seg, off) ? 1 : 0});
                    datagram.release();
                }

                @Override
                public void sendIpv4Broadcast(Packet datagram) {
                    datagram.release();
                }
            };
            ipv4 = new Ipv4(shard, new Route(new Ipv4Address.Prefix(LOCAL, 24), 0), nowhere, 1500,
                    Ipv4.Offloads.none(), Ipv4.Config.defaults(), shard.metrics());
            ipv4.register(PROTOCOL, (src, dst, payload) -> {
                // The IP header stays in front of the payload (l3Length): read its ECN field there.
                MemorySegment seg = payload.head();
                int ecn = Ipv4Header.ecn(seg, payload.headOffset() - Ipv4Header.MIN_HEADER_LENGTH);
                delivered.add(new int[] {payload.length(), payload.hasFlag(Packet.RX_ECN_CE) ? 1 : 0, ecn});
                payload.release();
            });
        });
    }

    @AfterEach
    void noLeak() {
        reactor.runOn(0, () -> assertEquals(0, packets.inUse(), "packets leaked"));
        reactor.close();
    }

    /** One fragment of datagram {@code id}: 1,000 bytes at {@code offset} (the last has 200). */
    private void fragment(int id, int offset, boolean more, int ecn) {
        reactor.runOn(0, () -> {
            Packet p = packets.allocateWithHeadroom();
            int length = more ? 1000 : 200;
            p.appendBytes(new byte[Ipv4Header.MIN_HEADER_LENGTH + length], 0, Ipv4Header.MIN_HEADER_LENGTH + length);
            Ipv4Header.write(p.head(), p.headOffset(), ecn, Ipv4Header.MIN_HEADER_LENGTH + length, id,
                    (more ? Ipv4Header.FLAG_MORE_FRAGMENTS : 0) | offset / 8, 64, PROTOCOL, PEER, LOCAL);
            ipv4.handle(p);
        });
        reactor.runUntilIdle();
    }

    @Test
    void ceInALaterFragmentMakesTheReassembledDatagramCe() {
        // ECT(0), CE, ECT(0): the router marked the middle fragment only.
        fragment(1, 0, true, Ipv4Header.ECN_ECT0);
        fragment(1, 1000, true, Ipv4Header.ECN_CE);
        fragment(1, 2000, false, Ipv4Header.ECN_ECT0);
        assertEquals(1, delivered.size());
        assertEquals(2200, delivered.getFirst()[0]);
        assertEquals(1, delivered.getFirst()[1], "RX_ECN_CE for the transport");
        assertEquals(Ipv4Header.ECN_CE, delivered.getFirst()[2], "the header says CE");
        // ECT(0) throughout stays ECT(0), and is not CE.
        fragment(2, 0, true, Ipv4Header.ECN_ECT0);
        fragment(2, 1000, false, Ipv4Header.ECN_ECT0);
        assertEquals(2, delivered.size());
        assertEquals(0, delivered.get(1)[1]);
        assertEquals(Ipv4Header.ECN_ECT0, delivered.get(1)[2]);
    }

    @Test
    void notEctMixedWithEctIsDroppedAndCounted() {
        fragment(3, 0, true, Ipv4Header.ECN_NOT_ECT);
        fragment(3, 1000, false, Ipv4Header.ECN_CE);
        assertTrue(delivered.isEmpty());
        long[] seen = new long[2];
        reactor.runOn(0, () -> {
            seen[0] = ipv4.reassemblyDrops().get(Reassembler.Drop.ECN_MIXED);
            seen[1] = ipv4.reassembler().bytesHeld();
        });
        assertEquals(1, seen[0], "ipv4_reassembly_drops_total{reason=\"ecn_mixed\"}");
        assertEquals(0, seen[1], "nothing held");
    }

    @Test
    void fragmentsOfAnEcnCapableDatagramGoNotEct() {
        // RFC 3168 5.3 requires no codepoint of a sender's fragments, but warns that reassemblers
        // written to RFC 2481 may lose a CE set on a fragment, and that fragments whose
        // codepoints differ (Not-ECT mixed in on the path) have no defined reassembly: its answer
        // is DF on ECN-capable packets, which TCP sets. A datagram that has to be fragmented
        // anyway (UDP) goes Not-ECT, all its fragments alike; Linux instead copies the TOS byte
        // to every fragment (ip_do_fragment), which a reassembler following 5.3 also accepts.
        reactor.runOn(0, () -> {
            Packet small = packets.allocateWithHeadroom();
            small.appendBytes(new byte[100], 0, 100);
            assertTrue(ipv4.send(LOCAL, PEER, PROTOCOL, small, false, Ipv4Header.ECN_ECT0));
            Packet big = packets.allocateWithHeadroom();
            big.appendBytes(new byte[3000], 0, 3000);
            assertTrue(ipv4.send(LOCAL, PEER, PROTOCOL, big, false, Ipv4Header.ECN_ECT0));
        });
        reactor.runUntilIdle();
        assertEquals(4, sent.size(), "one datagram whole, one in three fragments: " + sent.size());
        assertEquals(Ipv4Header.ECN_ECT0, sent.getFirst()[1], "an unfragmented datagram keeps ECT(0)");
        assertEquals(0, sent.getFirst()[2]);
        for (int i = 1; i < 4; i++) {
            assertEquals(Ipv4Header.ECN_NOT_ECT, sent.get(i)[1], "fragment " + i + " Not-ECT");
            assertEquals(i < 3 ? 1 : 0, sent.get(i)[2], "MF on all but the last");
        }
    }
}
