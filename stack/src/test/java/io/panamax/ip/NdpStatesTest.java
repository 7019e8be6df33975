package io.panamax.ip;

import io.panamax.ip.wire.Icmpv6Message;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.buffer.Packet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The neighbour cache's life cycle (RFC 4861 §7.3.2, §7.3.3, §7.2) on a manual two-shard reactor
 * with virtual time and the §10 defaults (RetransTimer 1 s, ReachableTime 30 s,
 * DELAY_FIRST_PROBE_TIME 5 s, 3 multicast and 3 unicast solicitations): a datagram to an unknown
 * neighbour creates an INCOMPLETE entry and a solicitation to its solicited-node group while
 * datagrams wait (16 at most); a solicited advertisement makes it REACHABLE on every shard and
 * sends what waited; unconfirmed for ReachableTime it goes STALE; the next datagram goes at once
 * and starts DELAY; DELAY_FIRST_PROBE_TIME later PROBE sends unicast solicitations, which an
 * advertisement answers (REACHABLE again) or which, three times unanswered, remove the entry
 * (unreachability detection). A neighbour that never answers three multicast solicitations has
 * its waiting datagrams dropped and counted.
 */
class NdpStatesTest {
    private static final long PEER_MAC = 0x02_00_00_00_07_01L;
    private static final Ipv6Address.Prefix STATIC = Ipv6Address.Prefix.parse("fd00:7::2/64");
    private static final long[] PEER = Ipv6Address.parse("fd00:7::1");
    private static final long[] SILENT = Ipv6Address.parse("fd00:7::99");

    private TwoShardIpv6 h;
    private Reactor reactor;
    private Ndp[] ndps;

    @BeforeEach
    void setUp() {
        h = new TwoShardIpv6(STATIC, false);
        reactor = h.reactor;
        reactor.advance(Duration.ofMillis(1001)); // duplicate address detection of both addresses passes
        ndps = new Ndp[] {h.ipv6s[0].ndp(), h.ipv6s[1].ndp()};
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void incompleteReachableStaleDelayProbeAndUnreachability() {
        int mark = h.sentFrames(0).size();
        for (int i = 0; i < 17; i++) {
            send(0, PEER, i);
        }
        assertEquals(Ndp.State.INCOMPLETE, state(0, PEER));
        assertEquals(-1, lookup(0, PEER), "nothing known yet");
        assertEquals(List.of("multicast"), solicitations(mark), "one solicitation to the solicited-node group (§7.2.2)");
        assertEquals(1, ndps[0].drops().get(Ndp.Drop.QUEUE_OVERFLOW), "16 datagrams wait, the 17th pushes one out");

        mark = h.sentFrames(0).size();
        advertisement(0, NA_SOLICITED | NA_OVERRIDE);
        assertEquals(Ndp.State.REACHABLE, state(0, PEER), "a solicited advertisement confirms (§7.2.5)");
        assertEquals(16, datagramsTo(mark, PEER_MAC), "what waited is sent to the advertised link address");
        assertEquals(Ndp.State.REACHABLE, state(1, PEER), "the other shard learned it too");
        assertEquals(PEER_MAC, lookup(1, PEER));

        reactor.advance(Duration.ofMillis(30_001));
        assertEquals(Ndp.State.STALE, state(0, PEER), "ReachableTime passed without confirmation (§7.3.3)");
        assertEquals(Ndp.State.STALE, state(1, PEER));

        mark = h.sentFrames(0).size();
        send(0, PEER, 100);
        assertEquals(Ndp.State.DELAY, state(0, PEER), "first use of a stale entry");
        assertEquals(1, datagramsTo(mark, PEER_MAC), "the datagram goes at once, to the stale address");
        assertEquals(List.of(), solicitations(mark), "no probe during DELAY");
        reactor.advance(Duration.ofMillis(5_001));
        assertEquals(Ndp.State.PROBE, state(0, PEER), "DELAY_FIRST_PROBE_TIME without confirmation");
        assertEquals(List.of("unicast"), solicitations(mark), "a probe to the cached address itself (§7.3.3)");
        advertisement(0, NA_SOLICITED);
        assertEquals(Ndp.State.REACHABLE, state(0, PEER), "the probe's answer confirms");
        reactor.advance(Duration.ofSeconds(5));
        assertEquals(List.of("unicast"), solicitations(mark), "no more probes once confirmed");

        // The neighbour goes away: stale, used, delayed, then three unanswered probes remove it.
        reactor.advance(Duration.ofSeconds(30));
        assertEquals(Ndp.State.STALE, state(0, PEER));
        mark = h.sentFrames(0).size();
        send(0, PEER, 200);
        reactor.advance(Duration.ofMillis(5_001));
        assertEquals(Ndp.State.PROBE, state(0, PEER));
        reactor.advance(Duration.ofMillis(2_000));
        assertEquals(Ndp.State.PROBE, state(0, PEER), "still probing after the second probe");
        assertEquals(List.of("unicast", "unicast", "unicast"), solicitations(mark), "MAX_UNICAST_SOLICIT probes");
        reactor.advance(Duration.ofMillis(1_000));
        assertNull(state(0, PEER), "unreachable: the entry is deleted (§7.3.3)");
        assertEquals(-1, lookup(0, PEER));
    }

    @Test
    void aNeighbourThatNeverAnswersHasItsWaitingDatagramsDropped() {
        int mark = h.sentFrames(0).size();
        send(0, SILENT, 1);
        send(0, SILENT, 2);
        reactor.advance(Duration.ofMillis(2_500));
        assertEquals(Ndp.State.INCOMPLETE, state(0, SILENT));
        assertEquals(List.of("multicast", "multicast", "multicast"), solicitations(mark), "MAX_MULTICAST_SOLICIT, RetransTimer apart");
        reactor.advance(Duration.ofMillis(1_000));
        assertNull(state(0, SILENT), "resolution failed: the entry is gone");
        assertEquals(2, ndps[0].drops().get(Ndp.Drop.UNRESOLVED), "both waiting datagrams dropped and counted (§7.2.2)");
        assertEquals(0, datagramsTo(mark, PEER_MAC));
    }

    private static final int NA_SOLICITED = 0x4000_0000;
    private static final int NA_OVERRIDE = 0x2000_0000;

    /** A datagram (40 bytes standing for an IPv6 header) from shard {@code shard} to the neighbour {@code to}. */
    private void send(int shard, long[] to, int tag) {
        reactor.runOn(shard, () -> {
            Packet p = h.ipv6s[shard].newDatagram();
            byte[] body = new byte[40];
            body[0] = 0x60;
            body[39] = (byte) tag;
            p.appendBytes(body, 0, body.length);
            ndps[shard].send(to[0], to[1], p);
        });
        reactor.runUntilIdle();
    }

    private Ndp.State state(int shard, long[] a) {
        Ndp.State[] r = new Ndp.State[1];
        reactor.runOn(shard, () -> r[0] = ndps[shard].state(a[0], a[1]));
        return r[0];
    }

    private long lookup(int shard, long[] a) {
        long[] r = new long[1];
        reactor.runOn(shard, () -> r[0] = ndps[shard].lookup(a[0], a[1]));
        return r[0];
    }

    /** The neighbor solicitations for {@link #PEER} or {@link #SILENT} shard 0 sent since {@code mark}: "multicast" or "unicast" each. */
    private List<String> solicitations(int mark) {
        List<String> out = new ArrayList<>();
        List<byte[]> frames = h.sentFrames(0);
        for (byte[] b : frames.subList(mark, frames.size())) {
            ByteBuffer f = ByteBuffer.wrap(b);
            if (b.length >= 78 && f.getShort(12) == (short) 0x86dd && b[20] == 58 && (b[54] & 0xff) == 135
                    && f.getLong(62) == PEER[0] && (f.getLong(70) == PEER[1] || f.getLong(70) == SILENT[1])) {
                long dstMac = f.getLong(0) >>> 16;
                boolean unicast = dstMac == PEER_MAC && f.getLong(38) == PEER[0] && f.getLong(46) == PEER[1];
                boolean multicast = (dstMac >>> 32) == 0x3333 && f.getLong(38) == Ipv6Address.SOLICITED_NODE_HIGH
                        && f.getLong(46) == Ipv6Address.solicitedNodeLow(f.getLong(70));
                out.add(unicast ? "unicast" : multicast ? "multicast" : "unexpected " + Long.toHexString(dstMac));
            }
        }
        return out;
    }

    /** The frames other than ND messages shard 0 sent since {@code mark} to the link address {@code mac}. */
    private int datagramsTo(int mark, long mac) {
        int n = 0;
        List<byte[]> frames = h.sentFrames(0);
        for (byte[] b : frames.subList(mark, frames.size())) {
            ByteBuffer f = ByteBuffer.wrap(b);
            if (b.length >= 54 && (f.getLong(0) >>> 16) == mac && f.getShort(12) == (short) 0x86dd && b[20] != 58) {
                n++;
            }
        }
        return n;
    }

    /** A neighbor advertisement from {@link #PEER} about itself, with its link address, to our static address, received on {@code shard}. */
    private void advertisement(int shard, int flags) {
        int icmpLength = 24 + 8;
        ByteBuffer f = ByteBuffer.allocate(14 + 40 + icmpLength);
        f.putShort((short) (TwoShardIpv6.MAC >>> 32)).putInt((int) TwoShardIpv6.MAC)
                .putShort((short) (PEER_MAC >>> 32)).putInt((int) PEER_MAC).putShort((short) 0x86dd);
        f.putInt(6 << 28).putShort((short) icmpLength).put((byte) 58).put((byte) 255)
                .putLong(PEER[0]).putLong(PEER[1]).putLong(STATIC.high()).putLong(STATIC.low());
        f.put((byte) 136).put((byte) 0).putShort((short) 0).putInt(flags).putLong(PEER[0]).putLong(PEER[1]);
        f.put((byte) 2).put((byte) 1).putShort((short) (PEER_MAC >>> 32)).putInt((int) PEER_MAC);
        byte[] frame = f.array();
        MemorySegment seg = MemorySegment.ofArray(frame);
        Icmpv6Message.fillChecksum(seg, 54, icmpLength, Icmpv6Message.pseudoHeaderSum(seg, 14, icmpLength));
        h.receive(shard, frame);
    }
}
