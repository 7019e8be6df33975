package io.panamax.ip;

import io.panamax.ip.wire.Ipv4Header;
import io.panamax.ip.wire.Ipv6Header;
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

/**
 * RFC 3168 5.3 through {@link Ipv6}: fragments (RFC 8200 4.5) whose traffic classes carry different
 * ECN codepoints are reassembled into a datagram whose header and {@link Packet#RX_ECN_CE} say CE
 * when any fragment was CE, or dropped when Not-ECT is mixed with ECT or CE.
 */
class Ipv6FragmentEcnTest {
    private static final Ipv6Address.Prefix STATIC = Ipv6Address.Prefix.parse("fd00:7::2/64");
    private static final long[] PEER = Ipv6Address.parse("fd00:7::1");
    private static final long PEER_MAC = 0x02_00_00_00_07_01L;
    /** An unassigned protocol number standing for the transport. */
    private static final int PROTOCOL = 253;
    private static final int FRAGMENT_HEADER = 44;

    private TwoShardIpv6 h;
    private final List<int[]> delivered = new ArrayList<>();   // {length, RX_ECN_CE, header ECN}

    @BeforeEach
    void setUp() {
        h = new TwoShardIpv6(STATIC, false);
        h.reactor.advance(Duration.ofMillis(1001)); // duplicate address detection passes
        h.reactor.runOn(0, () -> h.ipv6s[0].register(PROTOCOL, (sh, sl, dh, dl, payload) -> {
            // The IPv6 header (the fragment header taken out) lies right in front of the payload.
            MemorySegment seg = payload.head();
            int ecn = Ipv6Header.trafficClass(seg, payload.headOffset() - Ipv6Header.HEADER_LENGTH) & Ipv4Header.ECN_MASK;
            delivered.add(new int[] {payload.length(), payload.hasFlag(Packet.RX_ECN_CE) ? 1 : 0, ecn});
            payload.release();
        }));
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** An Ethernet frame with one fragment of datagram {@code id}: 1,000 bytes at {@code offset} (the last 200). */
    private void fragment(int id, int offset, boolean more, int ecn) {
        int length = more ? 1000 : 200;
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + 8 + length);
        b.putShort((short) (TwoShardIpv6.MAC >>> 32)).putInt((int) TwoShardIpv6.MAC);
        b.putShort((short) (PEER_MAC >>> 32)).putInt((int) PEER_MAC).putShort((short) 0x86dd);
        b.putInt(6 << 28 | ecn << 20).putShort((short) (8 + length)).put((byte) FRAGMENT_HEADER).put((byte) 64);
        b.putLong(PEER[0]).putLong(PEER[1]).putLong(STATIC.high()).putLong(STATIC.low());
        b.put((byte) PROTOCOL).put((byte) 0).putShort((short) (offset | (more ? 1 : 0))).putInt(id);
        h.receive(0, b.array());
    }

    @Test
    void ceInALaterFragmentMakesTheReassembledDatagramCe() {
        fragment(1, 0, true, Ipv4Header.ECN_ECT0);
        fragment(1, 1000, false, Ipv4Header.ECN_CE);
        assertEquals(1, delivered.size());
        assertEquals(1200, delivered.getFirst()[0]);
        assertEquals(1, delivered.getFirst()[1], "RX_ECN_CE for the transport");
        assertEquals(Ipv4Header.ECN_CE, delivered.getFirst()[2], "the header says CE");
        // Not-ECT mixed with ECT(0): dropped whole and counted.
        fragment(2, 0, true, Ipv4Header.ECN_NOT_ECT);
        fragment(2, 1000, false, Ipv4Header.ECN_ECT0);
        assertEquals(1, delivered.size());
        assertEquals(1L, (long) h.ask(0, ip -> ip.reassemblyDrops().get(Reassembler.Drop.ECN_MIXED)));
    }
}
