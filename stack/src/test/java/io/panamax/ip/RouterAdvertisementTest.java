package io.panamax.ip;

import io.panamax.ethernet.Ethernet;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Router advertisements (built byte by byte, as a router sends them) acted on, on a manual
 * two-shard reactor with virtual time. The default router list (RFC 4861 §6.3.4, §6.3.6). The
 * lifetimes of autoconfigured addresses (RFC 4862 §5.5.3 (e), §5.5.4): the preferred lifetime's
 * end deprecates an address on every shard (still ours, no longer chosen as a source while a
 * preferred address fits); the valid lifetime's end removes it; an advertisement cannot cut a
 * valid lifetime below two hours (the "two-hour rule") but can extend one and make a deprecated
 * address preferred again; a zero valid lifetime forms nothing.
 */
class RouterAdvertisementTest {
    private static final long MAC = TwoShardIpv6.MAC;
    private static final long ROUTER_MAC = 0x02_00_00_00_07_01L;
    private static final long ROUTER_LOW = 1;
    private static final long PREFIX_A = 0xfd00_0008_0000_0000L;
    private static final long PREFIX_B = 0xfd00_0009_0000_0000L;
    private static final long PREFIX_C = 0xfd00_000aL << 32;
    private static final long IID = Ipv6Address.interfaceIdentifier(MAC);
    private static final long INFINITE = 0xffff_ffffL;

    private TwoShardIpv6 h;
    /** Cur Hop Limit, Reachable Time and Retrans Timer of the advertisements built here (0: unspecified). */
    private int raHopLimit = 64;
    private int raReachableMillis;
    private int raRetransMillis;
    /** The flags byte of the advertisements built here (M, O, Prf, ...). */
    private int raFlags;
    private Reactor reactor;
    private Ethernet[] ethernets;
    private Ipv6[] ipv6s;
    private Slaac slaac;

    @BeforeEach
    void setUp() {
        h = new TwoShardIpv6(null, true);
        reactor = h.reactor;
        ethernets = h.ethernets;
        ipv6s = h.ipv6s;
        slaac = h.slaac;
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void addressesAreDeprecatedThenRemovedAndTheTwoHourRuleHolds() {
        advertise(1800, prefix(PREFIX_A, 10_800, 1800), prefix(PREFIX_B, INFINITE, INFINITE), prefix(PREFIX_C, 0, 0));
        reactor.advance(Duration.ofMillis(1100)); // duplicate address detection: one RetransTimer without an answer
        for (int i = 0; i < 2; i++) {
            assertTrue(ours(i, PREFIX_A) && ours(i, PREFIX_B), "shard " + i + " formed both addresses");
            assertFalse(ours(i, PREFIX_C), "a zero valid lifetime forms no address (RFC 4862 5.5.3 (d))");
            assertFalse(deprecated(i, PREFIX_A));
        }

        // 30 minutes: A's preferred lifetime ends. Still ours; new communications use B.
        reactor.advance(Duration.ofMinutes(30));
        for (int i = 0; i < 2; i++) {
            assertTrue(deprecated(i, PREFIX_A), "shard " + i + ": A deprecated");
            assertTrue(ours(i, PREFIX_A), "shard " + i + ": a deprecated address is still ours");
            assertFalse(deprecated(i, PREFIX_B));
            assertEquals(PREFIX_B, sourceHigh(i, 0x2001_0db8_0000_0000L), "shard " + i + ": an off-link destination gets B");
            assertEquals(PREFIX_B, sourceHigh(i, PREFIX_A), "shard " + i + ": even one in A's prefix (RFC 6724 rule 3 before rule 8)");
        }
        assertEquals(1, reactor.metrics().total("ipv6_slaac_addresses_deprecated_total"));

        // An advertisement with a zero valid lifetime: 2.5 hours remain, so they are cut to two hours, not to zero.
        advertise(1800, prefix(PREFIX_A, 0, 0));
        reactor.advance(Duration.ofHours(2).minusSeconds(10));
        assertTrue(ours(0, PREFIX_A) && ours(1, PREFIX_A), "the two-hour rule kept A");
        reactor.advance(Duration.ofSeconds(20));
        for (int i = 0; i < 2; i++) {
            assertFalse(ours(i, PREFIX_A), "shard " + i + ": A removed when its valid lifetime ended");
            assertTrue(ours(i, PREFIX_B), "shard " + i + ": B stays");
            // The link-local address shares the EUI-64 identifier's solicited-node group: it is kept.
            long group = Ipv6Address.multicastMac(Ipv6Address.solicitedNodeLow(IID));
            long[] joined = ethernets[i].groups();
            assertTrue(java.util.Arrays.stream(joined).anyMatch(g -> g == group), "shard " + i + " still in the group of its link-local address");
        }
        assertEquals(1, reactor.metrics().total("ipv6_slaac_addresses_expired_total"));

        // B (infinite) told 60 s: more than two hours remain, so two hours; deprecated after 60 s, still ours.
        advertise(1800, prefix(PREFIX_B, 60, 60));
        reactor.advance(Duration.ofSeconds(61));
        assertTrue(ours(0, PREFIX_B) && ours(1, PREFIX_B), "the two-hour rule kept B past 60 s");
        assertTrue(deprecated(0, PREFIX_B) && deprecated(1, PREFIX_B), "its preferred lifetime (60 s) ended");
        assertEquals(PREFIX_B, sourceHigh(0, 0x2001_0db8_0000_0000L), "a deprecated address when no preferred one exists");
        // A longer lifetime makes it preferred again and outlives the two hours.
        advertise(1800, prefix(PREFIX_B, 4 * 3600, 3 * 3600));
        reactor.advance(Duration.ofHours(2).plusMinutes(1));
        for (int i = 0; i < 2; i++) {
            assertTrue(ours(i, PREFIX_B), "shard " + i + ": B extended to four hours");
            assertFalse(deprecated(i, PREFIX_B), "shard " + i + ": B preferred again");
        }
        reactor.advance(Duration.ofHours(2));
        assertFalse(ours(0, PREFIX_B) || ours(1, PREFIX_B), "B removed after its four hours");
        assertEquals(2, reactor.metrics().total("ipv6_slaac_addresses_expired_total"));
    }

    /**
     * RFC 4861 §6.3.4, §6.3.6: two routers on the list; the one whose link address is known
     * (probably reachable) is used before one never resolved, whatever their order; a lifetime
     * of 0 takes a router off the list, and a lifetime's end does too. On both shards.
     */
    @Test
    void theDefaultRouterListPrefersAReachableRouter() {
        long unknown = 3;
        long known = 2;
        long knownMac = 0x02_00_00_00_07_03L;
        advertiseFrom(known, knownMac, 1800);
        advertiseFrom(unknown, -1, 600);
        for (int i = 0; i < 2; i++) {
            assertEquals(known, defaultRouterLow(i), "shard " + i + ": the router with a known link address");
        }
        advertiseFrom(known, knownMac, 0);
        for (int i = 0; i < 2; i++) {
            assertEquals(unknown, defaultRouterLow(i), "shard " + i + ": a lifetime of 0 took the other router off the list");
        }
        reactor.advance(Duration.ofSeconds(601));
        for (int i = 0; i < 2; i++) {
            assertEquals(-1, defaultRouterLow(i), "shard " + i + ": the last router's lifetime ended");
        }
    }

    /**
     * RFC 4191 §2.2, §3.2 (a type B host): among routers with known link addresses the highest
     * Default Router Preference is used, on both shards; a new advertisement changes a router's
     * preference; the reserved value counts as medium.
     */
    @Test
    void theDefaultRouterWithTheHighestPreferenceIsUsed() {
        long medium = 2;
        long high = 3;
        advertiseFrom(medium, 0x02_00_00_00_07_02L + 0x100, 1800);
        raFlags = 0x08; // Prf 01: high
        advertiseFrom(high, 0x02_00_00_00_07_03L + 0x100, 1800);
        for (int i = 0; i < 2; i++) {
            assertEquals(high, defaultRouterLow(i), "shard " + i + ": the high-preference router");
        }
        raFlags = 0x18; // Prf 11: low
        advertiseFrom(high, 0x02_00_00_00_07_03L + 0x100, 1800);
        for (int i = 0; i < 2; i++) {
            assertEquals(medium, defaultRouterLow(i), "shard " + i + ": the other router once this one turned low");
        }
        raFlags = 0x10; // Prf 10: reserved, treated as medium (and the medium router came first)
        advertiseFrom(high, 0x02_00_00_00_07_03L + 0x100, 1800);
        assertEquals(medium, defaultRouterLow(1), "reserved is medium: a tie, the first router");
        raFlags = 0x18;
        advertiseFrom(medium, 0x02_00_00_00_07_02L + 0x100, 1800);
        assertEquals(high, defaultRouterLow(0), "medium (reserved) over low");
    }

    /**
     * RFC 3810 §6.2: a general MLDv2 query (received on shard 1) is answered within its Maximum
     * Response Delay (1 s) by one report of MODE_IS_EXCLUDE records for our solicited-node groups;
     * a query for a group we are not in is not answered; one for our group gets that group alone.
     */
    @Test
    void mldQueriesAreAnsweredWithCurrentStateRecords() {
        long ours = Ipv6Address.solicitedNodeLow(IID);
        int before = reports().size();
        query(0, 0, 1000);
        reactor.advance(Duration.ofMillis(1001));
        List<List<String>> after = reports();
        assertEquals(before + 1, after.size(), "one report answered the general query");
        assertEquals(List.of("2 " + Long.toHexString(Ipv6Address.SOLICITED_NODE_HIGH) + Long.toHexString(ours)), after.getLast(),
                "MODE_IS_EXCLUDE for the link-local address's group");
        query(Ipv6Address.SOLICITED_NODE_HIGH, ours ^ 1, 1000);
        reactor.advance(Duration.ofMillis(1001));
        assertEquals(before + 1, reports().size(), "no answer about a group we are not in");
        // Maximum Response Code 0x8001: exponent 0, mantissa 1: (0x1001) << 3 ms, about 32.8 s.
        query(Ipv6Address.SOLICITED_NODE_HIGH, ours, 0x8001);
        reactor.advance(Duration.ofMillis(32_776));
        assertEquals(before + 2, reports().size(), "the group-specific query was answered within its delay");
        assertEquals(2, reactor.metrics().total("mld_queries_received_total"), "the query for another group is not ours to count");
    }

    /**
     * RFC 3810 §8.2.1: an MLDv1 query (24 bytes, RFC 2710) puts the host in MLDv1 compatibility
     * mode: the answer is an MLDv1 report (type 131) to the group, no MLDv2 report; while the
     * querier is present a later MLDv2 query is answered in MLDv1 too; after the Older Version
     * Querier Present timeout (260 s) without another MLDv1 query, MLDv2 again.
     */
    @Test
    void anMldv1QuerierIsAnsweredInMldv1UntilItsTimeoutPasses() {
        long ours = Ipv6Address.solicitedNodeLow(IID);
        int v2Before = reports().size();
        query(0, 0, 1000, true);
        reactor.advance(Duration.ofMillis(1001));
        assertEquals(List.of(Long.toHexString(Ipv6Address.SOLICITED_NODE_HIGH) + Long.toHexString(ours)), mldv1Reports(),
                "one MLDv1 report, for the link-local address's group, sent to that group");
        assertEquals(v2Before, reports().size(), "no MLDv2 report while an MLDv1 querier is present");
        boolean[] mode = new boolean[1];
        reactor.runOn(0, () -> mode[0] = slaac.mldv1Mode());
        assertTrue(mode[0], "MLDv1 compatibility mode");

        reactor.advance(Duration.ofSeconds(100));
        query(0, 0, 1000, false);
        reactor.advance(Duration.ofMillis(1001));
        assertEquals(2, mldv1Reports().size(), "an MLDv2 query within the timeout is answered in MLDv1");
        assertEquals(v2Before, reports().size());

        reactor.advance(Duration.ofSeconds(160));
        reactor.runOn(0, () -> mode[0] = slaac.mldv1Mode());
        assertFalse(mode[0], "260 s after the MLDv1 query: MLDv2 again");
        query(0, 0, 1000, false);
        reactor.advance(Duration.ofMillis(1001));
        assertEquals(v2Before + 1, reports().size(), "answered with an MLDv2 report");
        assertEquals(2, mldv1Reports().size());
    }

    /** The groups of the MLDv1 reports (RFC 2710 §3, type 131) shard 0 sent, each checked to go to its group. */
    private List<String> mldv1Reports() {
        List<String> out = new ArrayList<>();
        for (byte[] b : h.sentFrames(0)) {
            ByteBuffer f = ByteBuffer.wrap(b);
            if (b.length < 86 || f.getShort(12) != (short) 0x86dd || b[20] != 0 || (b[62] & 0xff) != 131) {
                continue;
            }
            String group = Long.toHexString(f.getLong(70)) + Long.toHexString(f.getLong(78));
            assertEquals(group, Long.toHexString(f.getLong(38)) + Long.toHexString(f.getLong(46)), "sent to the group it reports");
            assertEquals(1, b[21], "hop limit 1");
            out.add(group);
        }
        return out;
    }

    /**
     * RFC 4861 §6.3.4: a prefix with the on-link flag (and not autonomous: no address) is on-link
     * on every shard until its valid lifetime ends; an advertisement resets the timer (also below
     * what is left: no two-hour rule for the prefix list); a zero lifetime times it out at once;
     * an infinite one never ends; a new prefix with a zero lifetime is ignored.
     */
    @Test
    void onLinkPrefixesExpireWithTheirValidLifetime() {
        long onlyOnLink = 0xfd00_000bL << 32;
        long forever = 0xfd00_000cL << 32;
        advertise(0, onLinkPrefix(onlyOnLink, 600), onLinkPrefix(forever, INFINITE), onLinkPrefix(PREFIX_C, 0));
        for (int i = 0; i < 2; i++) {
            assertTrue(onLink(i, onlyOnLink) && onLink(i, forever), "shard " + i + ": both prefixes on-link");
            assertFalse(onLink(i, PREFIX_C), "shard " + i + ": a new prefix with a zero lifetime is ignored");
            assertFalse(ours(i, onlyOnLink), "no address from a prefix without the autonomous flag");
        }
        reactor.advance(Duration.ofSeconds(500));
        advertise(0, onLinkPrefix(onlyOnLink, 60)); // reset to 60 s, though 100 s were left
        reactor.advance(Duration.ofSeconds(59));
        assertTrue(onLink(1, onlyOnLink), "59 s into the new 60");
        reactor.advance(Duration.ofSeconds(2));
        for (int i = 0; i < 2; i++) {
            assertFalse(onLink(i, onlyOnLink), "shard " + i + ": off-link once the valid lifetime ended");
            assertTrue(onLink(i, forever), "shard " + i + ": an infinite lifetime does not end");
        }
        advertise(0, onLinkPrefix(onlyOnLink, 600));
        assertTrue(onLink(0, onlyOnLink), "advertised again");
        advertise(0, onLinkPrefix(onlyOnLink, 0));
        for (int i = 0; i < 2; i++) {
            assertFalse(onLink(i, onlyOnLink), "shard " + i + ": a zero lifetime times the prefix out at once");
        }
    }

    private boolean onLink(int shard, long prefix) {
        return h.ask(shard, ip -> ip.isOnLink(prefix, 5));
    }

    /** A prefix information option with the on-link flag only (RFC 4861 §4.6.2), /64. */
    private static byte[] onLinkPrefix(long high, long validSeconds) {
        return ByteBuffer.allocate(32).put((byte) 3).put((byte) 4).put((byte) 64).put((byte) 0x80).putInt((int) validSeconds)
                .putInt((int) validSeconds).putInt(0).putLong(high).putLong(0).array();
    }

    /** Every MLDv2 report shard 0 sent, as its records: "type group-in-hex". */
    private List<List<String>> reports() {
        List<List<String>> out = new ArrayList<>();
        for (byte[] b : h.sentFrames(0)) {
            ByteBuffer f = ByteBuffer.wrap(b);
            // Ethernet 14, IPv6 40 (next header 0), hop-by-hop 8, then ICMPv6.
            if (b.length < 70 || f.getShort(12) != (short) 0x86dd || b[20] != 0 || (b[62] & 0xff) != 143) {
                continue;
            }
            List<String> records = new ArrayList<>();
            for (int i = 0, at = 70; i < f.getShort(68); i++, at += 20) {
                records.add((b[at] & 0xff) + " " + Long.toHexString(f.getLong(at + 4)) + Long.toHexString(f.getLong(at + 12)));
            }
            out.add(records);
        }
        return out;
    }

    /** An MLDv2 query (RFC 3810 §5.1) from fe80::1, hop limit 1, with a router alert. */
    private void query(long groupHigh, long groupLow, int maxResponseCode) {
        query(groupHigh, groupLow, maxResponseCode, false);
    }

    /** The same, or an MLDv1 query (RFC 2710 §3: 24 bytes, no S/QRV/QQIC/sources) when {@code mldv1}. */
    private void query(long groupHigh, long groupLow, int maxResponseCode, boolean mldv1) {
        boolean general = groupHigh == 0 && groupLow == 0;
        long dstHigh = general ? Ipv6Address.ALL_NODES_HIGH : groupHigh;
        long dstLow = general ? Ipv6Address.ALL_NODES_LOW : groupLow;
        int icmpLength = mldv1 ? 24 : 28;
        ByteBuffer f = ByteBuffer.allocate(14 + 40 + 8 + icmpLength);
        long dstMac = Ipv6Address.multicastMac(dstLow);
        f.putShort((short) (dstMac >>> 32)).putInt((int) dstMac).putShort((short) (ROUTER_MAC >>> 32)).putInt((int) ROUTER_MAC)
                .putShort((short) 0x86dd);
        f.putInt(6 << 28).putShort((short) (8 + icmpLength)).put((byte) 0).put((byte) 1)
                .putLong(Ipv6Address.LINK_LOCAL_HIGH).putLong(ROUTER_LOW).putLong(dstHigh).putLong(dstLow);
        f.put((byte) 58).put((byte) 0).put((byte) 5).put((byte) 2).putShort((short) 0).put((byte) 1).put((byte) 0);
        f.put((byte) 130).put((byte) 0).putShort((short) 0).putShort((short) maxResponseCode).putShort((short) 0)
                .putLong(groupHigh).putLong(groupLow);
        if (!mldv1) {
            f.put((byte) 2).put((byte) 125).putShort((short) 0);
        }
        byte[] frame = f.array();
        MemorySegment seg = MemorySegment.ofArray(frame);
        long pseudo = io.panamax.ip.wire.Ipv6Header.pseudoHeaderSum(Ipv6Address.LINK_LOCAL_HIGH, ROUTER_LOW, dstHigh, dstLow, icmpLength, 58);
        Icmpv6Message.fillChecksum(seg, 62, icmpLength, pseudo);
        h.receive(1, frame); // on shard 1: what it carries goes to the home shard (0)
    }

    /**
     * RFC 4861 §6.3.4: Cur Hop Limit sets the hop limit of what we send; Reachable Time sets
     * BaseReachableTime (ReachableTime drawn from 0.5 to 1.5 times it); Retrans Timer sets
     * RetransTimer; on every shard. Zeros leave them as they were.
     */
    @Test
    void advertisedHopLimitAndTimersAreUsed() {
        raHopLimit = 32;
        raReachableMillis = 10_000;
        raRetransMillis = 500;
        advertise(1800);
        for (int i = 0; i < 2; i++) {
            int id = i;
            long[] got = new long[3];
            reactor.runOn(i, () -> {
                got[0] = ipv6s[id].curHopLimit();
                got[1] = ipv6s[id].ndp().reachableNanos();
                got[2] = ipv6s[id].ndp().retransNanos();
            });
            assertEquals(32, got[0], "shard " + i + ": hop limit");
            assertTrue(got[1] >= 5_000_000_000L && got[1] <= 15_000_000_000L, "shard " + i + ": reachable time " + got[1]);
            assertEquals(500_000_000L, got[2], "shard " + i + ": retransmission timer");
        }
        raHopLimit = 0;
        raReachableMillis = 0;
        raRetransMillis = 0;
        advertise(1800);
        long[] kept = new long[2];
        reactor.runOn(1, () -> {
            kept[0] = ipv6s[1].curHopLimit();
            kept[1] = ipv6s[1].ndp().retransNanos();
        });
        assertEquals(32, kept[0], "0 is unspecified: the hop limit stays");
        assertEquals(500_000_000L, kept[1], "0 is unspecified: the timer stays");
    }

    private long defaultRouterLow(int shard) {
        long[] router = h.ask(shard, Ipv6::defaultRouter);
        return router == null ? -1 : router[1];
    }

    private boolean ours(int shard, long prefix) {
        return h.ask(shard, ip -> ip.isOurs(prefix, IID));
    }

    private boolean deprecated(int shard, long prefix) {
        return h.ask(shard, ip -> ip.isDeprecated(prefix, IID));
    }

    private long sourceHigh(int shard, long dstHigh) {
        return h.ask(shard, ip -> ip.sourceHighFor(dstHigh));
    }

    /** A prefix information option (RFC 4861 §4.6.2): on-link and autonomous, /64. */
    private static byte[] prefix(long high, long validSeconds, long preferredSeconds) {
        return ByteBuffer.allocate(32).put((byte) 3).put((byte) 4).put((byte) 64).put((byte) 0xc0).putInt((int) validSeconds)
                .putInt((int) preferredSeconds).putInt(0).putLong(high).putLong(0).array();
    }

    /** A router advertisement from fe80::1 to all nodes (RFC 4861 §4.2) with the router's link address and the options. */
    private void advertise(int routerLifetime, byte[]... options) {
        advertiseFrom(ROUTER_LOW, ROUTER_MAC, routerLifetime, options);
    }

    /** The same from fe80::{@code routerLow}, with its link address {@code mac} as an option unless it is -1. */
    private void advertiseFrom(long routerLow, long mac, int routerLifetime, byte[]... options) {
        int optionBytes = mac < 0 ? 0 : 8;
        for (byte[] o : options) {
            optionBytes += o.length;
        }
        int icmpLength = 16 + optionBytes;
        ByteBuffer f = ByteBuffer.allocate(14 + 40 + icmpLength);
        long source = mac < 0 ? ROUTER_MAC + routerLow : mac;
        f.putShort((short) 0x3333).putInt(1).putShort((short) (source >>> 32)).putInt((int) source).putShort((short) 0x86dd);
        f.putInt(6 << 28).putShort((short) icmpLength).put((byte) 58).put((byte) 255)
                .putLong(Ipv6Address.LINK_LOCAL_HIGH).putLong(routerLow).putLong(Ipv6Address.ALL_NODES_HIGH).putLong(Ipv6Address.ALL_NODES_LOW);
        f.put((byte) 134).put((byte) 0).putShort((short) 0).put((byte) raHopLimit).put((byte) raFlags).putShort((short) routerLifetime)
                .putInt(raReachableMillis).putInt(raRetransMillis);
        if (mac >= 0) {
            f.put((byte) 1).put((byte) 1).putShort((short) (mac >>> 32)).putInt((int) mac);
        }
        for (byte[] o : options) {
            f.put(o);
        }
        byte[] frame = f.array();
        MemorySegment seg = MemorySegment.ofArray(frame);
        Icmpv6Message.fillChecksum(seg, 54, icmpLength, Icmpv6Message.pseudoHeaderSum(seg, 14, icmpLength));
        h.receive(1, frame); // on shard 1: what it carries goes to the home shard (0)
    }
}
