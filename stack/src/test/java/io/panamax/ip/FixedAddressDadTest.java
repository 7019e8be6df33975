package io.panamax.ip;

import io.panamax.ip.wire.Icmpv6Message;
import io.panamax.reactor.Reactor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Duplicate address detection of the link-local and static addresses (RFC 4862 §5.4), without
 * autoconfiguration ({@link Slaac#addressesOnly}), on a manual two-shard reactor: both addresses
 * are tentative on every shard (not ours, solicitations for them unanswered) until one solicitation
 * from :: each and a RetransTimer pass; a neighbor advertisement for the static address, received
 * on the other shard, makes it a duplicate that is never used (§5.4.4, §5.4.5).
 */
class FixedAddressDadTest {
    private static final long MAC = TwoShardIpv6.MAC;
    private static final long PEER_MAC = 0x02_00_00_00_07_99L;
    private static final Ipv6Address.Prefix STATIC = Ipv6Address.Prefix.parse("fd00:7::2/64");

    private TwoShardIpv6 h;
    private Reactor reactor;
    private Slaac slaac;
    private long linkLocalLow;

    @BeforeEach
    void setUp() {
        h = new TwoShardIpv6(STATIC, false);
        reactor = h.reactor;
        slaac = h.slaac;
        linkLocalLow = Ipv6Address.interfaceIdentifier(MAC);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void bothAddressesAreUsedOnlyAfterDetection() {
        for (int i = 0; i < 2; i++) {
            assertFalse(ours(i, Ipv6Address.LINK_LOCAL_HIGH, linkLocalLow), "shard " + i + ": link-local tentative");
            assertFalse(ours(i, STATIC.high(), STATIC.low()), "shard " + i + ": static address tentative");
        }
        assertEquals(List.of(Ipv6Address.toString(Ipv6Address.LINK_LOCAL_HIGH, linkLocalLow), Ipv6Address.toString(STATIC.high(), STATIC.low())),
                dadTargets(), "one solicitation from :: for each, to its solicited-node group");
        assertFalse(slaac.fixedAddressesChecked().isDone());
        reactor.advance(Duration.ofMillis(1001));
        for (int i = 0; i < 2; i++) {
            assertTrue(ours(i, Ipv6Address.LINK_LOCAL_HIGH, linkLocalLow), "shard " + i + ": link-local in use");
            assertTrue(ours(i, STATIC.high(), STATIC.low()), "shard " + i + ": static address in use");
        }
        assertEquals(List.of(), slaac.fixedAddressesChecked().join());
    }

    @Test
    void anAdvertisementForTheStaticAddressMakesItADuplicate() {
        advertisementFromAnotherNode(STATIC.high(), STATIC.low());
        reactor.advance(Duration.ofSeconds(2));
        CompletableFuture<List<String>> checked = slaac.fixedAddressesChecked();
        assertEquals(List.of(Ipv6Address.toString(STATIC.high(), STATIC.low())), checked.join(), "the static address is a duplicate");
        for (int i = 0; i < 2; i++) {
            assertFalse(ours(i, STATIC.high(), STATIC.low()), "shard " + i + ": the duplicate is never used");
            assertTrue(ours(i, Ipv6Address.LINK_LOCAL_HIGH, linkLocalLow), "shard " + i + ": the link-local address passed");
        }
        assertEquals(1, reactor.metrics().total("ipv6_dad_duplicates_total"));
    }

    private boolean ours(int shard, long high, long low) {
        return h.ask(shard, ip -> ip.isOurs(high, low));
    }

    /** The targets of the neighbor solicitations shard 0 sent from the unspecified address. */
    private List<String> dadTargets() {
        List<String> out = new ArrayList<>();
        for (byte[] b : h.sentFrames(0)) {
            ByteBuffer f = ByteBuffer.wrap(b);
            if (b.length >= 78 && f.getShort(12) == (short) 0x86dd && b[20] == 58 && (b[54] & 0xff) == 135
                    && f.getLong(22) == 0 && f.getLong(30) == 0) {
                out.add(Ipv6Address.toString(f.getLong(62), f.getLong(70)));
            }
        }
        return out;
    }

    /** A neighbor advertisement for {@code target} from another node, to all nodes (RFC 4861 §4.4), received on shard 1. */
    private void advertisementFromAnotherNode(long targetHigh, long targetLow) {
        int icmpLength = 24 + 8;
        ByteBuffer f = ByteBuffer.allocate(14 + 40 + icmpLength);
        f.putShort((short) 0x3333).putInt(1).putShort((short) (PEER_MAC >>> 32)).putInt((int) PEER_MAC).putShort((short) 0x86dd);
        f.putInt(6 << 28).putShort((short) icmpLength).put((byte) 58).put((byte) 255)
                .putLong(Ipv6Address.LINK_LOCAL_HIGH).putLong(0x99).putLong(Ipv6Address.ALL_NODES_HIGH).putLong(Ipv6Address.ALL_NODES_LOW);
        f.put((byte) 136).put((byte) 0).putShort((short) 0).putInt(0x2000_0000).putLong(targetHigh).putLong(targetLow);
        f.put((byte) 2).put((byte) 1).putShort((short) (PEER_MAC >>> 32)).putInt((int) PEER_MAC);
        byte[] frame = f.array();
        MemorySegment seg = MemorySegment.ofArray(frame);
        Icmpv6Message.fillChecksum(seg, 54, icmpLength, Icmpv6Message.pseudoHeaderSum(seg, 14, icmpLength));
        h.receive(1, frame); // on shard 1: what it carries goes to the home shard (0)
    }
}
