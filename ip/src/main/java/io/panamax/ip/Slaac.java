package io.panamax.ip;

import io.panamax.reactor.buffer.NetworkBytes;
import io.panamax.ip.wire.Icmpv6Message;
import io.panamax.ip.wire.Ipv6Header;
import io.panamax.ip.wire.NdpMessage;
import io.panamax.reactor.Shard;
import io.panamax.reactor.Timer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.ShardMetrics;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Stateless address autoconfiguration (RFC 4862) and router discovery (RFC 4861 §6.3) for the
 * whole stack, run on one shard (the home shard): router solicitations at start, router
 * advertisements (from whichever shard received them) turned into the default router, the link
 * MTU, on-link prefixes and addresses — from the modified EUI-64 interface identifier (RFC 4291
 * §2.5.1) or stable and opaque per RFC 7217 — each checked by duplicate address detection
 * (§5.4: a solicitation from the unspecified address, tentative until RetransTimer passes without
 * an answer; a duplicate is counted and the address not used) after an MLDv2 report (RFC 3810
 * §5.2) for the solicited-node groups. What it decides is applied on every shard by message.
 */
public final class Slaac {

    /** How the interface identifier of an autoconfigured address is made. */
    public enum Mode {
        /** Modified EUI-64 from the MAC (RFC 4291 §2.5.1, RFC 4862 §5.5.3). */
        EUI_64,
        /** RFC 7217: stable per prefix and opaque (SHA-256 over prefix, MAC, DAD counter, secret). */
        STABLE_PRIVACY
    }

    /** A prefix information option (RFC 4861 §4.6.2). */
    public record PrefixInfo(long high, int length, int flags, long validSeconds, long preferredSeconds) {
    }

    /** What a router advertisement said (RFC 4861 §4.2), as the receiving shard read it. */
    /** A router advertisement's content; {@code preference} is RFC 4191's Default Router Preference: 1 high, 0 medium, -1 low. */
    public record Advertisement(long routerHigh, long routerLow, int routerLifetimeSeconds, long mtu, List<PrefixInfo> prefixes,
                                int curHopLimit, long reachableMillis, long retransMillis, int preference) {
    }

    /** RFC 4861 §10: MAX_RTR_SOLICITATION_DELAY 1 s, RTR_SOLICITATION_INTERVAL 4 s, MAX_RTR_SOLICITATIONS 3. */
    static final long SOLICITATION_DELAY_NANOS = 1_000_000_000L;
    static final long SOLICITATION_INTERVAL_NANOS = 4_000_000_000L;
    static final int MAX_SOLICITATIONS = 3;
    /** RFC 4862 §5.1: DupAddrDetectTransmits 1, one RetransTimer (1 s) apart. */
    static final long DAD_WAIT_NANOS = 1_000_000_000L;
    /** RFC 7217 §6: IDGEN_RETRIES. */
    static final int IDGEN_RETRIES = 3;
    static final long MLD_ALL_ROUTERS_LOW = 0x16;
    private static final int MLD_REPORT = 143;
    private static final int CHANGE_TO_EXCLUDE_MODE = 4;
    /** RFC 3810 §5.2.12: a current-state record. */
    private static final int MODE_IS_EXCLUDE = 2;
    /** RFC 3810 §5.1: Multicast Listener Query (MLDv1 and MLDv2 alike). */
    static final int MLD_QUERY = 130;
    /** RFC 2710 §3.4: an MLDv1 query is 24 bytes; an MLDv2 one at least 28 (RFC 3810 §8.1). */
    static final int MLDV1_QUERY_LENGTH = 24;
    /** RFC 2710 §3: MLDv1 Multicast Listener Report and Done. */
    private static final int MLDV1_REPORT = 131;
    private static final int MLDV1_DONE = 132;
    /** RFC 2710 §3.6: a Done goes to all-routers, ff02::2. */
    private static final long ALL_ROUTERS_LOW = 2;
    /**
     * RFC 3810 §9.12: Older Version Querier Present Timeout = Robustness Variable (2) × Query
     * Interval (125 s) + Query Response Interval (10 s); MLDv1 queries carry no QQIC, so the defaults.
     */
    static final long OLDER_VERSION_QUERIER_PRESENT_NANOS = (2 * 125 + 10) * 1_000_000_000L;

    /** RFC 4862 §5.5.3 (e): a valid lifetime is never cut below two hours by an advertisement. */
    static final long TWO_HOURS_NANOS = 7_200_000_000_000L;
    /** RFC 4861 §4.6.2: all ones is infinity. */
    static final long INFINITE_LIFETIME = 0xffff_ffffL;
    /** A deadline that never comes. */
    private static final long NEVER = Long.MAX_VALUE;
    private static final int CHANGE_TO_INCLUDE_MODE = 3;

    /** RFC 4862 §5.5.4: preferred, then deprecated when the preferred lifetime ends, removed when the valid one does. */
    private enum State { TENTATIVE, PREFERRED, DEPRECATED, DUPLICATE }

    private static final class Candidate {
        final long prefixHigh;
        /** The link-local or static address: checked once at start, never autoconfigured, no lifetimes. */
        final boolean fixed;
        long low;
        int dadCounter;
        State state = State.TENTATIVE;
        Timer timer;
        /** Deadlines on the shard's clock, {@link #NEVER} for an infinite lifetime. */
        long preferredUntil = NEVER;
        long validUntil = NEVER;
        Timer lifetime;

        Candidate(long prefixHigh, boolean fixed) {
            this.prefixHigh = prefixHigh;
            this.fixed = fixed;
        }
    }

    private final Shard shard;
    private final Ipv6 home;
    private final Ipv6[] all;
    private final Mode mode;
    private final byte[] secret;
    private final List<Candidate> candidates = new ArrayList<>();
    private final Counter solicitationsSent;
    private final Counter advertisementsReceived;
    private final Counter formed;
    private final Counter duplicates;
    private final Counter mldReports;
    private final Counter deprecated;
    private final Counter queriesReceived;
    private Timer queryTimer;
    /** RFC 3810 §8.2.1: Host Compatibility Mode is MLDv1 until then (an MLDv1 querier was heard); 0 if never. */
    private long olderVersionQuerierUntil;
    private boolean answerGeneral;
    private final List<Long> answerGroups = new ArrayList<>();
    private final Counter expired;
    private Timer solicitTimer;
    private int solicitations;
    private boolean heardRouter;
    private final boolean autoconf;
    /** Completed with the duplicates found once the link-local and static addresses are checked. */
    private final java.util.concurrent.CompletableFuture<List<String>> fixedChecked = new java.util.concurrent.CompletableFuture<>();
    private final List<String> fixedDuplicates = new ArrayList<>();
    private int fixedPending;

    /**
     * @param all    the IPv6 layer of every shard (index = shard id); {@code home} is the one on {@code shard}
     * @param secret for {@link Mode#STABLE_PRIVACY}: the RFC 7217 secret key (at least 16 bytes), else ignored
     */
    public Slaac(Shard shard, Ipv6 home, Ipv6[] all, Mode mode, byte[] secret, ShardMetrics metrics) {
        this(shard, home, all, mode, secret, metrics, true);
    }

    /**
     * Without autoconfiguration: duplicate address detection of the link-local and static
     * addresses at {@link #start}, MLDv2 reports and query answers; router advertisements are not
     * acted on and no router solicitation is sent.
     */
    public static Slaac addressesOnly(Shard shard, Ipv6 home, Ipv6[] all, ShardMetrics metrics) {
        return new Slaac(shard, home, all, Mode.EUI_64, null, metrics, false);
    }

    private Slaac(Shard shard, Ipv6 home, Ipv6[] all, Mode mode, byte[] secret, ShardMetrics metrics, boolean autoconf) {
        this.autoconf = autoconf;
        if (mode == Mode.STABLE_PRIVACY && (secret == null || secret.length < 16)) {
            throw new IllegalArgumentException("RFC 7217 needs a secret key of at least 128 bits");
        }
        this.shard = shard;
        this.home = home;
        this.all = all.clone();
        this.mode = mode;
        this.secret = secret == null ? null : secret.clone();
        this.solicitationsSent = metrics.counter("ndp_router_solicitations_sent_total", "Router solicitations sent");
        this.advertisementsReceived = metrics.counter("ndp_router_advertisements_received_total", "Router advertisements acted on");
        this.formed = metrics.counter("ipv6_slaac_addresses_total", "Addresses autoconfigured that passed duplicate address detection");
        this.duplicates = metrics.counter("ipv6_dad_duplicates_total", "Tentative addresses found to be duplicates (not used)");
        this.mldReports = metrics.counter("mld_reports_sent_total", "MLD reports sent (MLDv2, or MLDv1 reports and Dones while an MLDv1 querier is present)");
        this.queriesReceived = metrics.counter("mld_queries_received_total", "MLD queries acted on (RFC 3810 6.2)");
        this.deprecated = metrics.counter("ipv6_slaac_addresses_deprecated_total",
                "Autoconfigured addresses whose preferred lifetime ended (RFC 4862 5.5.4)");
        this.expired = metrics.counter("ipv6_slaac_addresses_expired_total",
                "Autoconfigured addresses removed when their valid lifetime ended (RFC 4862 5.5.4)");
        for (Ipv6 ipv6 : all) {
            if (ipv6 != null) {
                ipv6.setSlaac(this);
            }
        }
    }

    public int shardId() {
        return shard.id();
    }

    /**
     * Starts duplicate address detection of the link-local and static addresses (RFC 4862 §5.4:
     * every unicast address, before it is used; see {@link #fixedAddressesChecked}) and, with
     * autoconfiguration, router discovery: the first solicitation after a random delay of up to
     * 1 s (RFC 4861 §6.3.7). On the home shard.
     */
    public void start() {
        shard.checkOwner("Slaac.start");
        List<Candidate> fixed = new ArrayList<>();
        Candidate linkLocal = new Candidate(Ipv6Address.LINK_LOCAL_HIGH, true);
        linkLocal.low = home.linkLocalLow();
        fixed.add(linkLocal);
        if (home.globalAddress() != null) {
            Candidate global = new Candidate(home.globalAddress().high(), true);
            global.low = home.globalAddress().low();
            fixed.add(global);
        }
        fixedPending = fixed.size();
        candidates.addAll(fixed);
        for (Candidate c : fixed) {
            beginDad(c);
        }
        if (autoconf) {
            solicitTimer = shard.timers().newTimer(this::solicit);
            solicitTimer.arm(ThreadLocalRandom.current().nextLong(SOLICITATION_DELAY_NANOS));
        }
    }

    /** Whether router advertisements are acted on (prefixes, routers, MTU). */
    public boolean autoconfigures() {
        return autoconf;
    }

    /**
     * Completes (on the home shard) once the link-local and static addresses passed duplicate
     * address detection or were found duplicates, with the duplicates as text: such an address is
     * never used (RFC 4862 §5.4.5).
     */
    public java.util.concurrent.CompletableFuture<List<String>> fixedAddressesChecked() {
        return fixedChecked;
    }

    private void fixedDone() {
        if (--fixedPending == 0) {
            fixedChecked.complete(List.copyOf(fixedDuplicates));
        }
    }

    /** Stops the timers (the stack is closing). */
    public void stop() {
        if (solicitTimer != null) {
            solicitTimer.cancel();
        }
        if (queryTimer != null) {
            queryTimer.cancel();
        }
        for (Candidate c : candidates) {
            if (c.timer != null) {
                c.timer.cancel();
            }
            if (c.lifetime != null) {
                c.lifetime.cancel();
            }
        }
    }

    private void solicit() {
        if (heardRouter || solicitations >= MAX_SOLICITATIONS) {
            return;
        }
        solicitations++;
        Packet p = home.newDatagram();
        if (p == null) {
            return;
        }
        MemorySegment seg = p.fragmentMemory(0);
        int off = p.extend(Ipv6Header.HEADER_LENGTH + NdpMessage.RS_LENGTH + NdpMessage.LINK_LAYER_OPTION_LENGTH);
        // RFC 4861 §6.3.7: from :: (and without a source link-layer option) while the link-local address is tentative.
        boolean tentative = home.isTentative(Ipv6Address.LINK_LOCAL_HIGH, home.linkLocalLow());
        int n = NdpMessage.writeRouterSolicitation(seg, off + Ipv6Header.HEADER_LENGTH, tentative ? -1 : home.mac());
        Ndp.finish(p, seg, off, n, tentative ? 0 : Ipv6Address.LINK_LOCAL_HIGH, tentative ? 0 : home.linkLocalLow(),
                Ipv6Address.ALL_NODES_HIGH, Ipv6Address.ALL_ROUTERS_LOW);
        solicitationsSent.increment();
        home.route(p, Ipv6Address.ALL_NODES_HIGH, Ipv6Address.ALL_ROUTERS_LOW);
        solicitTimer.arm(SOLICITATION_INTERVAL_NANOS);
    }

    /** RFC 4861 §6.3.4 and RFC 4862 §5.5.3: acts on an advertisement. On the home shard. */
    void advertisement(Advertisement ad) {
        heardRouter = true;
        advertisementsReceived.increment();
        long lifetime = ad.routerLifetimeSeconds() * 1_000_000_000L;
        everyShard(ipv6 -> ipv6.applyRouter(ad.routerHigh(), ad.routerLow(), lifetime, ad.preference()));
        // §6.3.4: a hop limit, reachable time and retransmission timer of 0 are unspecified: the current ones stay.
        if (ad.curHopLimit() != 0 || ad.reachableMillis() != 0 || ad.retransMillis() != 0) {
            everyShard(ipv6 -> ipv6.applyRouterParameters(ad.curHopLimit(), ad.reachableMillis(), ad.retransMillis()));
        }
        if (ad.mtu() >= Ipv6Header.MIN_MTU && ad.mtu() <= home.nicMtu()) {
            int mtu = (int) ad.mtu();
            everyShard(ipv6 -> ipv6.applyMtu(mtu));
        }
        for (PrefixInfo p : ad.prefixes()) {
            if (Ipv6Address.isLinkLocal(p.high()) || p.preferredSeconds() > p.validSeconds()) {
                continue; // §5.5.3 (b), (c)
            }
            if ((p.flags() & NdpMessage.PREFIX_FLAG_ON_LINK) != 0) {
                // §6.3.4: on-link until the valid lifetime ends, refreshed by each advertisement (no two-hour rule here).
                long validUntil = deadline(p.validSeconds());
                boolean zero = p.validSeconds() == 0;
                everyShard(ipv6 -> ipv6.applyOnLinkPrefix(p.high(), p.length(), validUntil, zero));
            }
            // §5.5.3 (d): a prefix of another length than 128 minus the 64-bit identifier is ignored.
            if ((p.flags() & NdpMessage.PREFIX_FLAG_AUTONOMOUS) == 0 || p.length() != 64) {
                continue;
            }
            Candidate c = find(p.high());
            if (c == null && p.validSeconds() != 0) {
                c = new Candidate(p.high(), false);
                c.preferredUntil = deadline(p.preferredSeconds());
                c.validUntil = deadline(p.validSeconds());
                candidates.add(c);
                beginDad(c);
            } else if (c != null && c.state != State.DUPLICATE) {
                updateLifetimes(c, p);
            }
        }
    }

    /** The clock's deadline {@code seconds} from now; never for infinity. */
    private long deadline(long seconds) {
        return seconds == INFINITE_LIFETIME ? NEVER : shard.nanoTime() + seconds * 1_000_000_000L;
    }

    /**
     * RFC 4862 §5.5.3 (e) for an address formed from an advertised prefix: the preferred lifetime
     * is reset; the valid lifetime is taken if it exceeds two hours or what remains, left alone
     * when at most two hours remain, and cut to two hours otherwise, so that an unauthenticated
     * advertisement cannot take an address away at once.
     */
    private void updateLifetimes(Candidate c, PrefixInfo p) {
        long now = shard.nanoTime();
        c.preferredUntil = deadline(p.preferredSeconds());
        long advertised = p.validSeconds() == INFINITE_LIFETIME ? NEVER : p.validSeconds() * 1_000_000_000L;
        long remaining = c.validUntil == NEVER ? NEVER : c.validUntil - now;
        if (advertised > TWO_HOURS_NANOS || advertised > remaining) {
            c.validUntil = deadline(p.validSeconds());
        } else if (remaining > TWO_HOURS_NANOS) {
            c.validUntil = now + TWO_HOURS_NANOS;
        }
        if (c.state == State.DEPRECATED && c.preferredUntil - now > 0) {
            c.state = State.PREFERRED; // preferred again (§5.5.4)
            long high = c.prefixHigh;
            long low = c.low;
            everyShard(ipv6 -> ipv6.applyDeprecated(high, low, false));
        }
        if (c.state != State.TENTATIVE) {
            armLifetime(c);
        }
    }

    /** Arms the candidate's timer for its next event: deprecation, then removal (§5.5.4). */
    private void armLifetime(Candidate c) {
        long next = c.state == State.PREFERRED ? Math.min(c.preferredUntil, c.validUntil) : c.validUntil;
        if (c.lifetime == null) {
            c.lifetime = shard.timers().newTimer(() -> lifetimeEvent(c));
        }
        if (next == NEVER) {
            c.lifetime.cancel();
        } else {
            c.lifetime.armAt(next);
        }
    }

    private void lifetimeEvent(Candidate c) {
        long now = shard.nanoTime();
        long high = c.prefixHigh;
        long low = c.low;
        if (c.validUntil != NEVER && now - c.validUntil >= 0) {
            // §5.5.4: the valid lifetime ended: the address is removed (and its group left when no other address needs it).
            candidates.remove(c);
            everyShard(ipv6 -> ipv6.removeAddress(high, low));
            expired.increment();
            if (!needsGroup(Ipv6Address.solicitedNodeLow(low))) {
                report(List.of(Ipv6Address.solicitedNodeLow(low)), CHANGE_TO_INCLUDE_MODE);
            }
            return;
        }
        if (c.state == State.PREFERRED && c.preferredUntil != NEVER && now - c.preferredUntil >= 0) {
            c.state = State.DEPRECATED;
            everyShard(ipv6 -> ipv6.applyDeprecated(high, low, true));
            deprecated.increment();
        }
        armLifetime(c);
    }

    /** Whether one of our addresses (link-local, static, an autoconfigured one) is in solicited-node group {@code groupLow}. */
    private boolean needsGroup(long groupLow) {
        if (Ipv6Address.solicitedNodeLow(home.linkLocalLow()) == groupLow
                || (home.globalAddress() != null && Ipv6Address.solicitedNodeLow(home.globalAddress().low()) == groupLow)) {
            return true;
        }
        for (Candidate c : candidates) {
            if (c.state != State.DUPLICATE && Ipv6Address.solicitedNodeLow(c.low) == groupLow) {
                return true;
            }
        }
        return false;
    }

    private Candidate find(long prefixHigh) {
        for (Candidate c : candidates) {
            if (c.prefixHigh == prefixHigh && !c.fixed) {
                return c;
            }
        }
        return null;
    }

    /** §5.4.2: the address is tentative on every shard, its group joined and reported, then one solicitation from ::. */
    private void beginDad(Candidate c) {
        if (!c.fixed) {
            c.low = mode == Mode.EUI_64 ? Ipv6Address.interfaceIdentifier(home.mac()) : stableIdentifier(c.prefixHigh, c.dadCounter);
        }
        c.state = State.TENTATIVE;
        long high = c.prefixHigh;
        long low = c.low;
        reportGroups();
        // The solicitation goes out only once every shard holds the address as tentative: the
        // answer may arrive on any of them, and each must recognise it as a duplicate.
        int[] pending = {1};
        for (int i = 0; i < all.length; i++) {
            Ipv6 ipv6 = all[i];
            if (ipv6 == null) {
                continue;
            }
            boolean fixed = c.fixed;
            if (i == shard.id()) {
                ipv6.applyTentative(high, low, fixed);
            } else {
                pending[0]++;
                shard.<Void>submitTo(i, () -> {
                    ipv6.applyTentative(high, low, fixed);
                    return io.panamax.reactor.ShardFuture.done();
                }).whenComplete((v, e) -> {
                    if (--pending[0] == 0) {
                        solicitDuplicate(c);
                    }
                });
            }
        }
        if (--pending[0] == 0) {
            solicitDuplicate(c);
        }
    }

    /** RFC 4862 §5.4.2: one solicitation for the tentative address from ::, then RetransTimer for an answer. */
    private void solicitDuplicate(Candidate c) {
        if (c.state != State.TENTATIVE) {
            return;
        }
        long high = c.prefixHigh;
        long low = c.low;
        Packet p = home.newDatagram();
        if (p != null) {
            MemorySegment seg = p.fragmentMemory(0);
            int off = p.extend(Ipv6Header.HEADER_LENGTH + NdpMessage.NS_LENGTH);
            // RFC 4861 §7.2.2: no source link-layer option when the source is unspecified.
            int n = NdpMessage.writeNeighborSolicitation(seg, off + Ipv6Header.HEADER_LENGTH, high, low, -1);
            Ndp.finish(p, seg, off, n, 0, 0, Ipv6Address.SOLICITED_NODE_HIGH, Ipv6Address.solicitedNodeLow(low));
            home.route(p, Ipv6Address.SOLICITED_NODE_HIGH, Ipv6Address.solicitedNodeLow(low));
        }
        if (c.timer == null) {
            c.timer = shard.timers().newTimer(() -> dadPassed(c));
        }
        c.timer.arm(DAD_WAIT_NANOS);
    }

    private void dadPassed(Candidate c) {
        if (c.state != State.TENTATIVE) {
            return;
        }
        if (c.fixed) {
            c.state = State.PREFERRED;
            long high = c.prefixHigh;
            long low = c.low;
            everyShard(ipv6 -> ipv6.applyFixedTentative(high, low, false));
            fixedDone();
            return;
        }
        boolean stillPreferred = c.preferredUntil == NEVER || shard.nanoTime() - c.preferredUntil < 0;
        c.state = stillPreferred ? State.PREFERRED : State.DEPRECATED;
        long high = c.prefixHigh;
        long low = c.low;
        everyShard(ipv6 -> {
            ipv6.applyAddress(high, low, false);
            ipv6.applyDeprecated(high, low, !stillPreferred);
        });
        formed.increment();
        armLifetime(c);
    }

    /** §5.4.5: a tentative address is a duplicate: not used; RFC 7217 tries another identifier. On the home shard. */
    void duplicate(long high, long low) {
        for (Candidate c : candidates) {
            if (c.prefixHigh == high && c.low == low && c.state == State.TENTATIVE) {
                c.state = State.DUPLICATE;
                if (c.timer != null) {
                    c.timer.cancel();
                }
                duplicates.increment();
                if (c.fixed) {
                    // §5.4.5: not used (it stays tentative, never ours); the stack reports it and does not start.
                    fixedDuplicates.add(Ipv6Address.toString(high, low));
                    fixedDone();
                    return;
                }
                everyShard(ipv6 -> ipv6.removeAddress(high, low));
                if (mode == Mode.STABLE_PRIVACY && c.dadCounter < IDGEN_RETRIES) {
                    c.dadCounter++;
                    beginDad(c);
                }
                return;
            }
        }
    }

    /**
     * RFC 7217 §5: RID = F(Prefix, Net_Iface, Network_ID, DAD_Counter, secret_key) with F = SHA-256;
     * the identifier is its last 64 bits (never 0, a reserved identifier).
     */
    long stableIdentifier(long prefixHigh, int dadCounter) {
        return stableIdentifier(prefixHigh, home.mac(), dadCounter, secret);
    }

    /** The RFC 7217 identifier for a prefix, an interface's MAC (Net_Iface), a DAD counter and a secret key. */
    public static long stableIdentifier(long prefixHigh, long mac, int dadCounter, byte[] secret) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(ByteBuffer.allocate(8 + 6 + 1).putLong(prefixHigh).putShort((short) (mac >>> 32))
                    .putInt((int) mac).put((byte) dadCounter).array());
            sha.update(secret);
            long iid = ByteBuffer.wrap(sha.digest()).getLong(24);
            return iid == 0 ? 1 : iid;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /**
     * RFC 3810 §5.2: one MLDv2 report joining (CHANGE_TO_EXCLUDE_MODE, no sources) the
     * solicited-node group of every address, to ff02::16 with hop limit 1 and a router alert
     * (RFC 2711) in a hop-by-hop header, from the link-local address (§5.2.13).
     */
    private void reportGroups() {
        report(currentGroups(), CHANGE_TO_EXCLUDE_MODE);
    }

    /** The solicited-node groups of every address of ours (all-nodes is never reported, RFC 3810 §6). */
    private List<Long> currentGroups() {
        List<Long> groups = new ArrayList<>();
        groups.add(Ipv6Address.solicitedNodeLow(home.linkLocalLow()));
        if (home.globalAddress() != null && !groups.contains(Ipv6Address.solicitedNodeLow(home.globalAddress().low()))) {
            groups.add(Ipv6Address.solicitedNodeLow(home.globalAddress().low()));
        }
        for (Candidate c : candidates) {
            if (c.state != State.DUPLICATE && !groups.contains(Ipv6Address.solicitedNodeLow(c.low))) {
                groups.add(Ipv6Address.solicitedNodeLow(c.low));
            }
        }
        return groups;
    }

    /**
     * RFC 3810 §6.2: a query (general, or for one group) is answered after a random delay of up to
     * its Maximum Response Delay with a report of MODE_IS_EXCLUDE records, no sources: every group
     * for a general query, the group asked about if we are in it. A pending general answer due
     * sooner covers a later query; a new general query replaces pending group answers. On the home shard.
     */
    void query(long groupHigh, long groupLow, long maxDelayNanos) {
        query(groupHigh, groupLow, maxDelayNanos, false);
    }

    /**
     * {@link #query(long, long, long)}, from an MLDv1 querier when {@code mldv1} (a 24-byte
     * query): RFC 3810 §8.2.1, the host then speaks MLDv1 (reports of type 131 per group, Done
     * when leaving) until the Older Version Querier Present timeout passes without another.
     */
    void query(long groupHigh, long groupLow, long maxDelayNanos, boolean mldv1) {
        queriesReceived.increment();
        if (mldv1) {
            olderVersionQuerierUntil = shard.nanoTime() + OLDER_VERSION_QUERIER_PRESENT_NANOS;
        }
        boolean general = groupHigh == 0 && groupLow == 0;
        if (!general && (groupHigh != Ipv6Address.SOLICITED_NODE_HIGH || !needsGroup(groupLow))) {
            return; // not a group of ours
        }
        long at = shard.nanoTime() + (maxDelayNanos <= 0 ? 0 : ThreadLocalRandom.current().nextLong(maxDelayNanos));
        if (queryTimer == null) {
            queryTimer = shard.timers().newTimer(this::answerQuery);
        }
        boolean pending = queryTimer.isArmed();
        if (pending && answerGeneral && queryTimer.deadline() - at <= 0) {
            return;
        }
        if (general) {
            answerGeneral = true;
            answerGroups.clear();
        } else if (!answerGeneral && !answerGroups.contains(groupLow)) {
            answerGroups.add(groupLow);
        }
        queryTimer.armAt(pending && queryTimer.deadline() - at < 0 ? queryTimer.deadline() : at);
    }

    private void answerQuery() {
        List<Long> groups = answerGeneral ? currentGroups() : new ArrayList<>(answerGroups);
        answerGeneral = false;
        answerGroups.clear();
        if (!groups.isEmpty()) {
            report(groups, MODE_IS_EXCLUDE);
        }
    }

    /** RFC 3810 §8.2.1: whether an MLDv1 querier was heard within the Older Version Querier Present timeout. */
    public boolean mldv1Mode() {
        return olderVersionQuerierUntil != 0 && shard.nanoTime() - olderVersionQuerierUntil < 0;
    }

    /**
     * One MLDv2 report with a record of {@code recordType} per solicited-node group: joining is
     * CHANGE_TO_EXCLUDE_MODE with no sources, leaving CHANGE_TO_INCLUDE_MODE with none (RFC 3810 §6.1).
     */
    private void report(List<Long> groups, int recordType) {
        if (mldv1Mode()) {
            // RFC 3810 §8.2.1 / RFC 2710 §4: a Report per group to that group, or a Done to all-routers when leaving.
            for (long group : groups) {
                boolean done = recordType == CHANGE_TO_INCLUDE_MODE;
                sendMld(done ? Ipv6Address.ALL_NODES_HIGH : Ipv6Address.SOLICITED_NODE_HIGH, done ? ALL_ROUTERS_LOW : group,
                        MLDV1_MESSAGE_LENGTH, (seg, icmp) -> {
                            Icmpv6Message.write(seg, icmp, done ? MLDV1_DONE : MLDV1_REPORT, 0, 0); // Maximum Response Delay 0, reserved
                            writeSolicitedNodeGroup(seg, icmp + 8, group);
                        });
            }
            return;
        }
        sendMld(Ipv6Address.ALL_NODES_HIGH, MLD_ALL_ROUTERS_LOW, 8 + 20 * groups.size(), (seg, icmp) -> {
            Icmpv6Message.write(seg, icmp, MLD_REPORT, 0, groups.size());
            for (int i = 0; i < groups.size(); i++) {
                long r = icmp + 8 + 20L * i;
                NetworkBytes.setI32(seg, r, recordType << 24);
                writeSolicitedNodeGroup(seg, r + 4, groups.get(i));
            }
        });
    }

    /** RFC 2710 §3: an MLDv1 message, header and multicast address. */
    private static final int MLDV1_MESSAGE_LENGTH = 24;

    private static void writeSolicitedNodeGroup(MemorySegment seg, long at, long groupLow) {
        NetworkBytes.setI32(seg, at, (int) (Ipv6Address.SOLICITED_NODE_HIGH >>> 32));
        NetworkBytes.setI32(seg, at + 4, (int) Ipv6Address.SOLICITED_NODE_HIGH);
        NetworkBytes.setI32(seg, at + 8, (int) (groupLow >>> 32));
        NetworkBytes.setI32(seg, at + 12, (int) groupLow);
    }

    /** Writes an MLD message's ICMPv6 body at {@code icmp} (its checksum is filled afterwards). */
    @FunctionalInterface
    private interface MldBody {
        void write(MemorySegment seg, long icmp);
    }

    /**
     * Sends one MLD message of {@code icmpLength} bytes to {@code dst} with hop limit 1 and a
     * router alert (RFC 2711) in a hop-by-hop header, from the link-local address, or from ::
     * while it is still tentative (RFC 3810 §5.2.13).
     */
    private void sendMld(long dstHigh, long dstLow, int icmpLength, MldBody body) {
        int hbh = 8;
        Packet p = home.newDatagram();
        if (p == null) {
            return;
        }
        MemorySegment seg = p.fragmentMemory(0);
        int off = p.extend(Ipv6Header.HEADER_LENGTH + hbh + icmpLength);
        boolean tentative = home.isTentative(Ipv6Address.LINK_LOCAL_HIGH, home.linkLocalLow());
        long srcHigh = tentative ? 0 : Ipv6Address.LINK_LOCAL_HIGH;
        long srcLow = tentative ? 0 : home.linkLocalLow();
        Ipv6Header.write(seg, off, hbh + icmpLength, 0, 1, srcHigh, srcLow, dstHigh, dstLow);
        long h = off + Ipv6Header.HEADER_LENGTH;
        NetworkBytes.setI32(seg, h, (IpProtocol.ICMPV6 << 24) | (5 << 8) | 2); // next 58, length 0; router alert, length 2
        NetworkBytes.setI32(seg, h + 4, 0x0000_0100); // value 0 (MLD), then PadN of length 0
        long icmp = h + hbh;
        body.write(seg, icmp);
        Icmpv6Message.fillChecksum(seg, icmp, icmpLength, Ipv6Header.pseudoHeaderSum(srcHigh, srcLow,
                dstHigh, dstLow, icmpLength, IpProtocol.ICMPV6));
        p.truncate(Ipv6Header.HEADER_LENGTH + hbh + icmpLength);
        mldReports.increment();
        home.route(p, dstHigh, dstLow);
    }

    private void everyShard(java.util.function.Consumer<Ipv6> action) {
        for (int i = 0; i < all.length; i++) {
            Ipv6 ipv6 = all[i];
            if (ipv6 == null) {
                continue;
            }
            if (i == shard.id()) {
                action.accept(ipv6);
            } else {
                shard.send(i, s -> action.accept(ipv6));
            }
        }
    }
}
