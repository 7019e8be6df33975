package io.panamax.ip;

import io.panamax.reactor.buffer.NetworkBytes;
import io.panamax.ip.wire.Icmpv6Message;
import io.panamax.ip.wire.InternetChecksum;
import io.panamax.ip.wire.Ipv4Header;
import io.panamax.ip.wire.Ipv6Extensions;
import io.panamax.ip.wire.Ipv6Header;
import io.panamax.ip.wire.NdpMessage;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.BufferExhaustedException;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketHandler;
import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.DropCounters;
import io.panamax.reactor.metrics.ShardMetrics;

import java.lang.foreign.MemorySegment;

/**
 * One shard's IPv6 for a host (RFC 8200): a static address with its on-link prefix and the
 * link-local address made from the MAC (RFC 4291 §2.5.1, RFC 4862 §5.3), header and
 * extension-header validation with the ICMPv6 parameter problems they call for, reassembly
 * (RFC 8200 §4.5, overlaps dropping the datagram per RFC 5722, atomic fragments per RFC 6946),
 * fragmentation on send to the path MTU, transports registered by next header (UDP, TCP), ICMPv6
 * (RFC 4443): echo replies, errors received handed to the transport they quote (a packet too big
 * lowers the path MTU, RFC 8201), errors sent rate-limited and never about an error or to a
 * multicast group; and Neighbor Discovery through {@link Ndp}. Router discovery, duplicate
 * address detection and MLD are not here yet: their messages are counted and dropped.
 *
 * <p>Frames carrying IPv6 are handled on the shard that owns their flow (the stack's flow
 * steering hashes the IPv6 4-tuple or address pair); a datagram reassembled here from fragments
 * steered by their address pair goes on to its 4-tuple's shard ({@link #setReassembledDatagramSteering}).
 * Neighbour state and path MTUs are shared between the shards.
 */
public final class Ipv6 implements PacketHandler, Ipv6Output {

    /** Why a received datagram was dropped (metric label {@code reason}). */
    public enum Drop {
        TRUNCATED, BAD_VERSION, BAD_PAYLOAD_LENGTH, BAD_SOURCE_ADDRESS,
        /** Not to one of our addresses, all-nodes, or one of our solicited-node groups. */
        NOT_FOR_US,
        /** An extension header refused (the walk's problem; a parameter problem is sent where RFC 8200 asks). */
        BAD_EXTENSION_HEADER,
        /** A fragment header inside a reassembled datagram, or a reassembled datagram whose headers cannot be made contiguous. */
        BAD_FRAGMENT,
        /** An upper-layer protocol without a handler (a parameter problem, code 1, is sent). */
        UNKNOWN_NEXT_HEADER,
        /** Next header 59: nothing follows (RFC 8200 §4.7). */
        NO_NEXT_HEADER,
        BAD_CHECKSUM,
        /** A Neighbor Discovery message failing RFC 4861's receive checks. */
        BAD_NDP,
        /** ICMPv6 types this host does not act on (router advertisements, redirects, MLD, echo replies...). */
        ICMPV6_IGNORED,
        /** An ICMPv6 error quoting a datagram of a protocol with no transport here (or too short to tell). */
        ICMPV6_ERROR_NO_TRANSPORT,
        /** No route: not on-link and no default router. */
        NO_ROUTE,
        /** A router advertisement while autoconfiguration is off, or one failing RFC 4861 §6.1.2. */
        ROUTER_ADVERTISEMENT_IGNORED,
    }

    /**
     * Reassembly limits (timeout 60 s: RFC 8200 §4.5) and the ICMPv6 error token bucket
     * (RFC 4443 §2.4 (f)), per shard; {@code acceptAnyDestination} takes every unicast destination
     * as this host's (capture replay only, as IPv4's replay mode).
     */
    public record Config(Reassembler.Limits reassembly, int icmpRatePerSecond, int icmpBurst, boolean acceptAnyDestination) {
        public Config(Reassembler.Limits reassembly, int icmpRatePerSecond, int icmpBurst) {
            this(reassembly, icmpRatePerSecond, icmpBurst, false);
        }

        public static Config defaults() {
            return new Config(new Reassembler.Limits(64, 1L << 20, 65_535 + Ipv6Header.HEADER_LENGTH + Ipv6Extensions.FRAGMENT_HEADER_LENGTH,
                    64, 60_000_000_000L), 1000, 100);
        }

        public Config withAcceptAnyDestination(boolean on) {
            return new Config(reassembly, icmpRatePerSecond, icmpBurst, on);
        }
    }

    /** RFC 8201 §4: a lowered path MTU is kept at least 5 minutes; 10 is the recommended figure. */
    static final long PATH_MTU_LIFETIME_NANOS = 600_000_000_000L;
    private static final int PATH_MTU_ENTRIES = 64;

    private final Shard shard;
    private final Ipv6Link ethernet;
    private final Ipv6Address.Prefix global;
    private final long linkLocalHigh;
    private final long linkLocalLow;
    /** The parsed form of every ICMPv6 error handed to a transport, refilled per error. */
    private final IcmpError icmpError = new IcmpError();
    private final int nicMtu;
    private final boolean acceptAnyDestination;
    /** The link MTU: the NIC's, or less when a router advertised it (RFC 4861 §6.3.4). */
    private int linkMtu;
    private final Ndp ndp;
    private final Reassembler reassembler;
    private final RateLimiter errorLimiter;
    private final Ipv6TransportHandler[] transports = new Ipv6TransportHandler[256];
    private final DropCounters<Drop> drops;
    private final DropCounters<Reassembler.Drop> reassemblyDrops;
    private final Counter delivered;
    private final Counter echoReplies;
    private final Counter reassembled;
    private final Counter fragmentsSent;
    private final Counter errorsSent;
    private final Counter errorsReceived;
    private final Counter pathMtuLowered;
    // The path MTU cache (RFC 8201 §5.2: per destination): a few entries, searched only when not empty.
    private final long[] pmtuHigh = new long[PATH_MTU_ENTRIES];
    private final long[] pmtuLow = new long[PATH_MTU_ENTRIES];
    private final int[] pmtuValue = new int[PATH_MTU_ENTRIES];
    private final long[] pmtuExpires = new long[PATH_MTU_ENTRIES];
    private int pmtuCount;
    private int nextIdentification;
    private Ipv6[] peers = new Ipv6[0];
    private ReassembledDatagramSteering reassembledSteering;
    // Autoconfiguration (RFC 4862), the same on every shard: the home shard's Slaac decides, every shard applies.
    private static final int MAX_AUTO = 8;
    private final long[] autoHigh = new long[MAX_AUTO];
    private final long[] autoLow = new long[MAX_AUTO];
    private final boolean[] autoTentative = new boolean[MAX_AUTO];
    /** RFC 4862 §5.5.4: past its preferred lifetime, still ours, not a source for new communications. */
    private final boolean[] autoDeprecated = new boolean[MAX_AUTO];
    private int autoCount;
    private final long[] onLinkHigh = new long[MAX_AUTO];
    private final int[] onLinkLength = new int[MAX_AUTO];
    /** When each advertised on-link prefix's valid lifetime ends (RFC 4861 §6.3.4's invalidation timer). */
    private final long[] onLinkExpires = new long[MAX_AUTO];
    private int onLinkCount;
    // The default router list (RFC 4861 §6.3.4, §6.3.6): a few routers, each until its lifetime ends.
    private static final int MAX_ROUTERS = 4;
    private final long[] routerHigh = new long[MAX_ROUTERS];
    private final long[] routerLow = new long[MAX_ROUTERS];
    private final long[] routerExpires = new long[MAX_ROUTERS];
    /** RFC 4191 §2.2 Default Router Preference of each router: 1 high, 0 medium, -1 low. */
    private final int[] routerPreference = new int[MAX_ROUTERS];
    /** Whether the router was chosen while its link address was unknown (a resolution started). */
    private final boolean[] routerTried = new boolean[MAX_ROUTERS];
    private int routerCount;
    /** The router chosen when none is known to be reachable: kept while it resolves, the next one after it failed. */
    private int routerCurrent;
    /** The link-local and static addresses under duplicate address detection (RFC 4862 §5.4): not ours yet. */
    private boolean linkLocalTentative;
    /** RFC 4861 §6.3.2 CurHopLimit: the default until a router advertises one. */
    private int curHopLimit = Ipv6Header.DEFAULT_HOP_LIMIT;
    private boolean globalTentative;
    /** The home shard's autoconfiguration, on every shard (messages go to its shard), or null without it. */
    private Slaac slaac;
    /** NIC offloads for TCP over IPv6 ({@link #setTcpOffloads}). */
    private boolean txTcpChecksum;
    private int tsoMaxBytes;

    /**
     * @param global the static address and its on-link prefix ({@code fd00:7::2/64}), or null for
     *               link-local only
     */
    public Ipv6(Shard shard, Ipv6Link ethernet, Ipv6Address.Prefix global, Ndp.Config ndpConfig, ShardMetrics metrics) {
        this(shard, ethernet, global, 1500, ndpConfig, Config.defaults(), metrics);
    }

    /** @param linkMtu the link's MTU (at least 1280, RFC 8200 §5) */
    public Ipv6(Shard shard, Ipv6Link ethernet, Ipv6Address.Prefix global, int linkMtu, Ndp.Config ndpConfig, Config config,
                ShardMetrics metrics) {
        if (linkMtu < Ipv6Header.MIN_MTU) {
            throw new IllegalArgumentException("IPv6 needs a link MTU of at least 1280 bytes (RFC 8200 5): " + linkMtu);
        }
        this.shard = shard;
        this.ethernet = ethernet;
        this.global = global;
        this.linkMtu = linkMtu;
        this.nicMtu = linkMtu;
        this.acceptAnyDestination = config.acceptAnyDestination();
        this.linkLocalHigh = Ipv6Address.LINK_LOCAL_HIGH;
        this.linkLocalLow = Ipv6Address.interfaceIdentifier(ethernet.mac());
        this.drops = new DropCounters<>(metrics, "ipv6_drops_total", "Received IPv6 datagrams dropped", Drop.class);
        this.reassemblyDrops = new DropCounters<>(metrics, "ipv6_reassembly_drops_total", "IPv6 fragments dropped", Reassembler.Drop.class);
        this.delivered = metrics.counter("ipv6_datagrams_delivered_total", "IPv6 datagrams accepted for this host");
        this.echoReplies = metrics.counter("icmpv6_echo_replies_sent_total", "ICMPv6 echo replies sent");
        this.reassembled = metrics.counter("ipv6_datagrams_reassembled_total", "IPv6 datagrams reassembled from fragments");
        this.fragmentsSent = metrics.counter("ipv6_fragments_sent_total", "IPv6 fragments sent");
        this.errorsSent = metrics.counter("icmpv6_errors_sent_total", "ICMPv6 error messages sent");
        this.errorsReceived = metrics.counter("icmpv6_errors_received_total", "ICMPv6 errors received and passed to a transport");
        this.pathMtuLowered = metrics.counter("ipv6_path_mtu_lowered_total", "Path MTUs lowered by a packet too big");
        this.reassembler = new Reassembler(shard.timers(), config.reassembly(), reassemblyDrops, this::reassemblyTimedOut,
                65_535 + Ipv6Header.HEADER_LENGTH + Ipv6Extensions.FRAGMENT_HEADER_LENGTH);
        this.errorLimiter = new RateLimiter(config.icmpRatePerSecond(), config.icmpBurst(), shard.nanoTime(),
                metrics.counter("icmpv6_errors_rate_limited_total", "ICMPv6 errors not sent because of the rate limit"));
        // RFC 7739: identifications should not be predictable; shards start apart and step by the shard count.
        this.nextIdentification = (int) (System.nanoTime() * 0x9E3779B97F4A7C15L >>> 32) ^ shard.id();
        metrics.gauge("ipv6_reassembly_bytes", "Bytes of IPv6 fragments held for reassembly", reassembler::bytesHeld);
        this.ndp = new Ndp(shard, ethernet, this, ndpConfig, metrics);
    }

    /**
     * The NIC's TCP offloads for IPv6 (from the stack, when the backend takes IPv6 frames with
     * them): checksums completed by the NIC, and super-segments of up to {@code tsoMaxBytes}
     * (0: none) cut by it. Off until called.
     */
    public void setTcpOffloads(boolean txTcpChecksum, int tsoMaxBytes) {
        this.txTcpChecksum = txTcpChecksum;
        this.tsoMaxBytes = txTcpChecksum ? tsoMaxBytes : 0;
    }

    @Override
    public boolean txTcp6ChecksumOffload() {
        return txTcpChecksum;
    }

    @Override
    public int txTcp6SegmentationMax() {
        return tsoMaxBytes;
    }

    /** The IPv6 layers of every shard of this stack (index = shard id): neighbours and path MTUs are shared. */
    public void setPeers(Ipv6[] peers) {
        this.peers = peers.clone();
        Ndp[] ndps = new Ndp[peers.length];
        for (int i = 0; i < peers.length; i++) {
            ndps[i] = peers[i] == null ? null : peers[i].ndp;
        }
        ndp.setPeers(ndps);
    }

    /** Where a reassembled datagram goes when its flow belongs to another shard (the stack's flow steering). */
    public interface ReassembledDatagramSteering {
        /**
         * Offers a reassembled datagram (from its IPv6 header, the fragment header taken out) whose
         * upper-layer header of {@code protocol} starts {@code upperLayerOffset} bytes in; returns
         * true if the steering took it (sent it to another shard), false to deliver it here.
         */
        boolean steer(Packet datagram, int protocol, int upperLayerOffset);
    }

    /** Sets the steering of reassembled datagrams (null: every one is delivered on this shard). */
    public void setReassembledDatagramSteering(ReassembledDatagramSteering steering) {
        this.reassembledSteering = steering;
    }

    /** Registers the transport for next header {@code protocol} (TCP: 6, UDP: 17). */
    public void register(int protocol, Ipv6TransportHandler transport) {
        transports[protocol & 0xff] = transport;
    }

    public Ndp ndp() {
        return ndp;
    }

    public DropCounters<Drop> drops() {
        return drops;
    }

    public DropCounters<Reassembler.Drop> reassemblyDrops() {
        return reassemblyDrops;
    }

    public Ipv6Address.Prefix globalAddress() {
        return global;
    }

    public long linkLocalLow() {
        return linkLocalLow;
    }

    /** The multicast MACs this host listens on: all-nodes and the solicited-node group of each address. */
    public static long[] multicastMacs(long mac, Ipv6Address.Prefix global) {
        long ll = Ipv6Address.interfaceIdentifier(mac);
        return global == null
                ? new long[] {Ipv6Address.multicastMac(Ipv6Address.ALL_NODES_LOW), Ipv6Address.multicastMac(Ipv6Address.solicitedNodeLow(ll))}
                : new long[] {Ipv6Address.multicastMac(Ipv6Address.ALL_NODES_LOW), Ipv6Address.multicastMac(Ipv6Address.solicitedNodeLow(ll)),
                        Ipv6Address.multicastMac(Ipv6Address.solicitedNodeLow(global.low()))};
    }

    /** Whether {@code (high, low)} is one of this host's unicast addresses. */
    public boolean isOurs(long high, long low) {
        if (acceptAnyDestination && !Ipv6Address.isMulticast(high) && !Ipv6Address.isUnspecified(high, low)) {
            return true;
        }
        if ((high == linkLocalHigh && low == linkLocalLow && !linkLocalTentative)
                || (global != null && high == global.high() && low == global.low() && !globalTentative)) {
            return true;
        }
        for (int i = 0; i < autoCount; i++) {
            if (autoHigh[i] == high && autoLow[i] == low && !autoTentative[i]) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code (high, low)} is an autoconfigured address still under duplicate address detection. */
    public boolean isTentative(long high, long low) {
        if (high == linkLocalHigh && low == linkLocalLow) {
            return linkLocalTentative;
        }
        if (global != null && high == global.high() && low == global.low()) {
            return globalTentative;
        }
        for (int i = 0; i < autoCount; i++) {
            if (autoHigh[i] == high && autoLow[i] == low) {
                return autoTentative[i];
            }
        }
        return false;
    }

    private boolean acceptsDestination(long high, long low) {
        if (isOurs(high, low)) {
            return true;
        }
        if (high == Ipv6Address.ALL_NODES_HIGH && low == Ipv6Address.ALL_NODES_LOW) {
            return true;
        }
        if (high != Ipv6Address.SOLICITED_NODE_HIGH) {
            return false;
        }
        if (low == Ipv6Address.solicitedNodeLow(linkLocalLow) || (global != null && low == Ipv6Address.solicitedNodeLow(global.low()))) {
            return true;
        }
        // Tentative addresses too: duplicate address detection listens on their groups (RFC 4862 §5.4.2).
        for (int i = 0; i < autoCount; i++) {
            if (low == Ipv6Address.solicitedNodeLow(autoLow[i])) {
                return true;
            }
        }
        return false;
    }

    /** The source for a datagram to a destination: link-local for link-local (and link-scope multicast) destinations. */
    @Override
    public long sourceHighFor(long dstHigh) {
        int auto = autoCount == 0 ? -1 : autoSourceFor(dstHigh);
        if (auto >= 0) {
            return autoHigh[auto];
        }
        return global == null || Ipv6Address.isLinkLocal(dstHigh) || (dstHigh >>> 48) == 0xff02 ? linkLocalHigh : global.high();
    }

    @Override
    public long sourceLowFor(long dstHigh) {
        int auto = autoCount == 0 ? -1 : autoSourceFor(dstHigh);
        if (auto >= 0) {
            return autoLow[auto];
        }
        return global == null || Ipv6Address.isLinkLocal(dstHigh) || (dstHigh >>> 48) == 0xff02 ? linkLocalLow : global.low();
    }

    /**
     * RFC 6724 §5 in short: an autoconfigured address in the destination's /64 (rule 8, longest
     * match), or one when there is no static global address; -1 to use the static or link-local one.
     * A deprecated address only when no preferred one fits (rule 3, RFC 4862 §5.5.4).
     */
    private int autoSourceFor(long dstHigh) {
        if (Ipv6Address.isLinkLocal(dstHigh) || (dstHigh >>> 48) == 0xff02) {
            return -1;
        }
        int any = -1;
        int deprecatedMatch = -1;
        for (int i = 0; i < autoCount; i++) {
            if (!autoTentative[i]) {
                if (autoHigh[i] == dstHigh && !autoDeprecated[i]) {
                    return i;
                }
                if (autoHigh[i] == dstHigh) {
                    deprecatedMatch = i;
                } else if (any < 0 || (autoDeprecated[any] && !autoDeprecated[i])) {
                    any = i;
                }
            }
        }
        if (global != null) {
            return -1; // the static address: preferred, never deprecated
        }
        if (deprecatedMatch >= 0 && (any < 0 || autoDeprecated[any])) {
            return deprecatedMatch;
        }
        return any;
    }

    // ---- autoconfiguration state, applied on every shard (RFC 4861 §6.3.4, RFC 4862 §5.5.3) ----------

    void setSlaac(Slaac slaac) {
        this.slaac = slaac;
    }

    /** Makes an address tentative for duplicate address detection: the link-local or static one ({@code fixed}), or an autoconfigured one. */
    void applyTentative(long high, long low, boolean fixed) {
        if (fixed) {
            applyFixedTentative(high, low, true);
        } else {
            applyAddress(high, low, true);
        }
    }

    /** Marks the link-local or static address tentative (under duplicate address detection) or in use. */
    void applyFixedTentative(long high, long low, boolean tentative) {
        if (high == linkLocalHigh && low == linkLocalLow) {
            linkLocalTentative = tentative;
        } else if (global != null && high == global.high() && low == global.low()) {
            globalTentative = tentative;
        }
    }

    /** Adds or updates an autoconfigured address; its solicited-node group is joined at once (RFC 4862 §5.4.2). */
    void applyAddress(long high, long low, boolean tentative) {
        for (int i = 0; i < autoCount; i++) {
            if (autoHigh[i] == high && autoLow[i] == low) {
                autoTentative[i] = tentative;
                return;
            }
        }
        if (autoCount == MAX_AUTO) {
            return;
        }
        autoHigh[autoCount] = high;
        autoLow[autoCount] = low;
        autoTentative[autoCount] = tentative;
        autoDeprecated[autoCount] = false;
        autoCount++;
        ethernet.join(Ipv6Address.multicastMac(Ipv6Address.solicitedNodeLow(low)));
    }

    /** Removes an autoconfigured address; its solicited-node group is left unless another address of ours is in it. */
    void removeAddress(long high, long low) {
        for (int i = 0; i < autoCount; i++) {
            if (autoHigh[i] == high && autoLow[i] == low) {
                int last = --autoCount;
                autoHigh[i] = autoHigh[last];
                autoLow[i] = autoLow[last];
                autoTentative[i] = autoTentative[last];
                autoDeprecated[i] = autoDeprecated[last];
                long group = Ipv6Address.solicitedNodeLow(low);
                if (!inSolicitedNodeGroup(group)) {
                    ethernet.leave(Ipv6Address.multicastMac(group));
                }
                return;
            }
        }
    }

    private boolean inSolicitedNodeGroup(long groupLow) {
        if (groupLow == Ipv6Address.solicitedNodeLow(linkLocalLow) || (global != null && groupLow == Ipv6Address.solicitedNodeLow(global.low()))) {
            return true;
        }
        for (int i = 0; i < autoCount; i++) {
            if (Ipv6Address.solicitedNodeLow(autoLow[i]) == groupLow) {
                return true;
            }
        }
        return false;
    }

    /** Marks an autoconfigured address deprecated (its preferred lifetime ended) or preferred again. */
    void applyDeprecated(long high, long low, boolean deprecated) {
        for (int i = 0; i < autoCount; i++) {
            if (autoHigh[i] == high && autoLow[i] == low) {
                autoDeprecated[i] = deprecated;
                return;
            }
        }
    }

    /** Whether {@code (high, low)} is an autoconfigured address past its preferred lifetime (RFC 4862 §5.5.4). */
    public boolean isDeprecated(long high, long low) {
        for (int i = 0; i < autoCount; i++) {
            if (autoHigh[i] == high && autoLow[i] == low) {
                return autoDeprecated[i];
            }
        }
        return false;
    }

    /**
     * RFC 4861 §6.3.4, a prefix option with the on-link flag: a new prefix enters the prefix list
     * until {@code validUntil} (a {@link Shard#nanoTime()} deadline, {@link Long#MAX_VALUE} for an
     * infinite lifetime), a known one has its invalidation timer reset to it, and a zero Valid
     * Lifetime ({@code zeroLifetime}) times a known prefix out at once and is ignored for a new one.
     */
    void applyOnLinkPrefix(long high, int length, long validUntil, boolean zeroLifetime) {
        for (int i = 0; i < onLinkCount; i++) {
            if (onLinkHigh[i] == high && onLinkLength[i] == length) {
                if (zeroLifetime) {
                    removeOnLink(i);
                } else {
                    onLinkExpires[i] = validUntil;
                }
                return;
            }
        }
        if (!zeroLifetime && onLinkCount < MAX_AUTO) {
            onLinkHigh[onLinkCount] = high;
            onLinkLength[onLinkCount] = length;
            onLinkExpires[onLinkCount] = validUntil;
            onLinkCount++;
        }
    }

    private void removeOnLink(int i) {
        onLinkCount--;
        onLinkHigh[i] = onLinkHigh[onLinkCount];
        onLinkLength[i] = onLinkLength[onLinkCount];
        onLinkExpires[i] = onLinkExpires[onLinkCount];
    }

    /** Whether {@code (high, low)} is on-link (RFC 4861 §5.2): link-local, the static prefix, or an advertised prefix still valid. */
    boolean isOnLink(long high, long low) {
        return onLink(high, low);
    }

    /**
     * RFC 4861 §6.3.4: a router enters the default router list with its lifetime, has it
     * refreshed by each advertisement, and leaves it with a lifetime of 0. A full list drops the
     * router that would expire first.
     */
    void applyRouter(long high, long low, long lifetimeNanos) {
        applyRouter(high, low, lifetimeNanos, 0);
    }

    /** {@link #applyRouter(long, long, long)} with the router's RFC 4191 preference (1 high, 0 medium, -1 low), updated by each advertisement. */
    void applyRouter(long high, long low, long lifetimeNanos, int preference) {
        long now = shard.nanoTime();
        int i = 0;
        while (i < routerCount && (routerHigh[i] != high || routerLow[i] != low)) {
            i++;
        }
        if (lifetimeNanos <= 0) {
            if (i < routerCount) {
                removeRouter(i);
            }
            return;
        }
        if (i == routerCount) {
            if (routerCount == MAX_ROUTERS) {
                i = 0;
                for (int j = 1; j < routerCount; j++) {
                    if (routerExpires[j] - routerExpires[i] < 0) {
                        i = j;
                    }
                }
            } else {
                routerCount++;
            }
            routerHigh[i] = high;
            routerLow[i] = low;
            routerTried[i] = false;
        }
        routerExpires[i] = now + lifetimeNanos;
        routerPreference[i] = preference;
    }

    private void removeRouter(int i) {
        for (int j = i + 1; j < routerCount; j++) {
            routerHigh[j - 1] = routerHigh[j];
            routerLow[j - 1] = routerLow[j];
            routerExpires[j - 1] = routerExpires[j];
            routerPreference[j - 1] = routerPreference[j];
            routerTried[j - 1] = routerTried[j];
        }
        routerCount--;
        if (routerCurrent > i) {
            routerCurrent--;
        }
    }

    /**
     * RFC 4861 §6.3.6: a router known to be reachable or probably reachable (its neighbour entry
     * past INCOMPLETE), in list order; when none is, one chosen round-robin: kept while its
     * address resolves, the next one once its resolution failed. -1 when the list is empty.
     */
    private int selectRouter() {
        long now = shard.nanoTime();
        for (int i = 0; i < routerCount; i++) {
            if (now - routerExpires[i] >= 0) {
                removeRouter(i--);
            }
        }
        if (routerCount == 0) {
            return -1;
        }
        // RFC 4191 §3.2 over RFC 4861 §6.3.6: among the routers probably reachable, the highest preference (the first on a tie).
        int best = -1;
        for (int i = 0; i < routerCount; i++) {
            Ndp.State state = ndp.state(routerHigh[i], routerLow[i]);
            if (state != null && state != Ndp.State.INCOMPLETE && (best < 0 || routerPreference[i] > routerPreference[best])) {
                best = i;
            }
        }
        if (best >= 0) {
            return best;
        }
        if (routerCurrent >= routerCount) {
            routerCurrent = 0;
        }
        if (routerTried[routerCurrent] && ndp.state(routerHigh[routerCurrent], routerLow[routerCurrent]) == null) {
            routerTried[routerCurrent] = false; // its resolution failed: the next one
            routerCurrent = (routerCurrent + 1) % routerCount;
        }
        routerTried[routerCurrent] = true;
        return routerCurrent;
    }

    /** RFC 4861 §6.3.4: CurHopLimit for what we send, and the neighbour cache's timers (each when not 0). */
    void applyRouterParameters(int curHopLimit, long reachableMillis, long retransMillis) {
        if (curHopLimit != 0) {
            this.curHopLimit = curHopLimit;
        }
        ndp.applyRouterTimers(reachableMillis, retransMillis);
    }

    /** The hop limit of the datagrams this host sends: 64, or what a router advertised. */
    public int curHopLimit() {
        return curHopLimit;
    }

    void applyMtu(int mtu) {
        if (mtu >= Ipv6Header.MIN_MTU && mtu <= nicMtu) {
            linkMtu = mtu;
        }
    }

    /** The default router that would be used now (RFC 4861 §6.3.6) as {high, low}, or null. */
    public long[] defaultRouter() {
        int i = selectRouter();
        return i < 0 ? null : new long[] {routerHigh[i], routerLow[i]};
    }

    /** The autoconfigured addresses that passed duplicate address detection, as text. */
    public java.util.List<String> autoconfiguredAddresses() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < autoCount; i++) {
            if (!autoTentative[i]) {
                out.add(Ipv6Address.toString(autoHigh[i], autoLow[i]));
            }
        }
        return out;
    }

    private boolean onLink(long high, long low) {
        if (Ipv6Address.isLinkLocal(high) || (global != null && global.contains(high, low))) {
            return true;
        }
        for (int i = 0; i < onLinkCount; i++) {
            if (onLinkExpires[i] != Long.MAX_VALUE && onLinkExpires[i] - shard.nanoTime() <= 0) {
                removeOnLink(i--); // its valid lifetime ended: off-link from now on (through a router)
                continue;
            }
            int len = onLinkLength[i];
            long mask = len >= 64 ? -1L : len == 0 ? 0 : -1L << (64 - len);
            if (((high ^ onLinkHigh[i]) & mask) == 0) {
                return true;
            }
        }
        return false;
    }

    /** An empty packet with headroom for the link header, or null (no buffers). */
    Packet newDatagram() {
        return shard.packets().allocateWithHeadroom();
    }

    // ---- path MTU (RFC 8201) ---------------------------------------------------------------------------

    /** The path MTU towards {@code (high, low)}: the link MTU unless a packet too big lowered it. */
    @Override
    public int pathMtu(long high, long low) {
        if (pmtuCount == 0) {
            return linkMtu;
        }
        long now = shard.nanoTime();
        for (int i = 0; i < pmtuCount; i++) {
            if (pmtuHigh[i] == high && pmtuLow[i] == low) {
                if (now - pmtuExpires[i] < 0) {
                    return pmtuValue[i];
                }
                removePathMtu(i); // RFC 8201 §4: after the lifetime, try the link MTU again
                return linkMtu;
            }
        }
        return linkMtu;
    }

    /** The link MTU. */
    public int linkMtu() {
        return linkMtu;
    }

    int nicMtu() {
        return nicMtu;
    }

    long mac() {
        return ethernet.mac();
    }

    /**
     * RFC 8201 §4: a packet too big lowers the path MTU to the reported MTU, never below the IPv6
     * minimum of 1280 and never up; every shard learns it.
     */
    private void lowerPathMtu(long high, long low, long reported) {
        int mtu = (int) Math.max(Ipv6Header.MIN_MTU, Math.min(reported, linkMtu));
        if (mtu >= pathMtu(high, low)) {
            return;
        }
        pathMtuLowered.increment();
        learnPathMtu(high, low, mtu);
        for (int i = 0; i < peers.length; i++) {
            Ipv6 peer = peers[i];
            if (peer != null && peer != this) {
                shard.send(i, s -> peer.learnPathMtu(high, low, mtu));
            }
        }
    }

    void learnPathMtu(long high, long low, int mtu) {
        long expires = shard.nanoTime() + PATH_MTU_LIFETIME_NANOS;
        int slot = -1;
        for (int i = 0; i < pmtuCount; i++) {
            if (pmtuHigh[i] == high && pmtuLow[i] == low) {
                slot = i;
                break;
            }
        }
        if (slot < 0) {
            if (pmtuCount == PATH_MTU_ENTRIES) {
                int oldest = 0;
                for (int i = 1; i < pmtuCount; i++) {
                    if (pmtuExpires[i] - pmtuExpires[oldest] < 0) {
                        oldest = i;
                    }
                }
                removePathMtu(oldest);
            }
            slot = pmtuCount++;
        } else if (pmtuValue[slot] <= mtu && shard.nanoTime() - pmtuExpires[slot] < 0) {
            return;
        }
        pmtuHigh[slot] = high;
        pmtuLow[slot] = low;
        pmtuValue[slot] = mtu;
        pmtuExpires[slot] = expires;
    }

    private void removePathMtu(int i) {
        int last = --pmtuCount;
        pmtuHigh[i] = pmtuHigh[last];
        pmtuLow[i] = pmtuLow[last];
        pmtuValue[i] = pmtuValue[last];
        pmtuExpires[i] = pmtuExpires[last];
    }

    // ---- receive ---------------------------------------------------------------------------------------

    @Override
    public void handle(Packet datagram) {
        int want = Math.min(datagram.length(), 512);
        if (datagram.length() < Ipv6Header.HEADER_LENGTH || !datagram.linearize(want)) {
            drop(datagram, Drop.TRUNCATED);
            return;
        }
        // It starts at its IPv6 header: an error about it has nothing to bring back in front (sendError).
        datagram.setHeaderLengths(datagram.l2Length(), 0);
        MemorySegment seg = datagram.head();
        long ip = datagram.headOffset();
        Drop problem = switch (Ipv6Header.validate(seg, ip, datagram.length())) {
            case NONE -> null;
            case TRUNCATED -> Drop.TRUNCATED;
            case BAD_VERSION -> Drop.BAD_VERSION;
            case BAD_PAYLOAD_LENGTH -> Drop.BAD_PAYLOAD_LENGTH;
            case BAD_SOURCE_ADDRESS -> Drop.BAD_SOURCE_ADDRESS;
        };
        if (problem != null) {
            drop(datagram, problem);
            return;
        }
        long dstHigh = Ipv6Header.destinationHigh(seg, ip);
        long dstLow = Ipv6Header.destinationLow(seg, ip);
        if (!acceptsDestination(dstHigh, dstLow)) {
            drop(datagram, Drop.NOT_FOR_US);
            return;
        }
        // Ethernet pads short frames: the datagram ends where the header says.
        int length = Ipv6Header.HEADER_LENGTH + Ipv6Header.payloadLength(seg, ip);
        datagram.truncate(length);
        long r = Ipv6Extensions.walk(seg, ip, Math.min(length, datagram.headLength()));
        Ipv6Extensions.Problem walkProblem = Ipv6Extensions.problem(r);
        if (walkProblem != Ipv6Extensions.Problem.NONE) {
            int code = Ipv6Extensions.parameterProblemCode(walkProblem, Ipv6Address.isMulticast(dstHigh));
            if (code >= 0) {
                sendError(datagram, Icmpv6Message.TYPE_PARAMETER_PROBLEM, code, Ipv6Extensions.pointer(r));
            }
            drop(datagram, Drop.BAD_EXTENSION_HEADER);
            return;
        }
        if (Ipv6Extensions.protocol(r) == Ipv6Extensions.FRAGMENT) {
            int fragmentCode = checkFragment(datagram, Ipv6Extensions.upperLayerOffset(r), length);
            if (fragmentCode >= 0) {
                // RFC 8200 §4.5 (code 0, at the Payload Length) or RFC 7112 §5 (code 3, pointer 0).
                sendError(datagram, Icmpv6Message.TYPE_PARAMETER_PROBLEM, fragmentCode,
                        fragmentCode == Icmpv6Message.CODE_ERRONEOUS_HEADER_FIELD ? Ipv6Header.OFFSET_PAYLOAD_LENGTH : 0);
                drop(datagram, Drop.BAD_FRAGMENT);
                return;
            }
            datagram = reassemble(datagram, r);
            if (datagram == null) {
                return;
            }
            seg = datagram.head();
            ip = datagram.headOffset();
            length = datagram.length();
            r = Ipv6Extensions.walk(seg, ip, Math.min(length, datagram.headLength()));
            walkProblem = Ipv6Extensions.problem(r);
            if (walkProblem != Ipv6Extensions.Problem.NONE || Ipv6Extensions.protocol(r) == Ipv6Extensions.FRAGMENT) {
                drop(datagram, walkProblem == Ipv6Extensions.Problem.NONE ? Drop.BAD_FRAGMENT : Drop.BAD_EXTENSION_HEADER);
                return;
            }
            // Fragments were steered by the address pair; the whole datagram may belong to its 4-tuple's shard.
            if (reassembledSteering != null
                    && reassembledSteering.steer(datagram, Ipv6Extensions.protocol(r), Ipv6Extensions.upperLayerOffset(r))) {
                return;
            }
        }
        int protocol = Ipv6Extensions.protocol(r);
        int upper = Ipv6Extensions.upperLayerOffset(r);
        if (protocol == IpProtocol.ICMPV6) {
            icmpv6(datagram, upper, length, dstHigh, dstLow);
            return;
        }
        if (protocol == Ipv6Extensions.NO_NEXT_HEADER) {
            drop(datagram, Drop.NO_NEXT_HEADER);
            return;
        }
        Ipv6TransportHandler transport = transports[protocol];
        if (transport == null) {
            // RFC 8200 §4: an unrecognized next header: parameter problem code 1, pointing at the field that named it.
            sendError(datagram, Icmpv6Message.TYPE_PARAMETER_PROBLEM, Icmpv6Message.CODE_UNRECOGNIZED_NEXT_HEADER, Ipv6Extensions.pointer(r));
            drop(datagram, Drop.UNKNOWN_NEXT_HEADER);
            return;
        }
        long srcHigh = Ipv6Header.sourceHigh(seg, ip);
        long srcLow = Ipv6Header.sourceLow(seg, ip);
        delivered.increment();
        datagram.setHeaderLengths(0, upper);
        if ((Ipv6Header.trafficClass(seg, ip) & Ipv4Header.ECN_MASK) == Ipv4Header.ECN_CE) {
            datagram.addFlags(Packet.RX_ECN_CE);   // for TCP's ECN-Echo (RFC 3168 6.1.3)
        }
        datagram.trimFront(upper);
        transport.receive6(srcHigh, srcLow, dstHigh, dstLow, datagram);
    }

    /**
     * The checks on a fragment before reassembly, with the parameter problem code each failure
     * calls for, or -1 when it passes: RFC 8200 §4.5, a fragment with more to follow whose data is
     * not a multiple of 8 bytes (code 0); RFC 7112 §5, a first fragment whose header chain does not
     * reach through the upper-layer header (the extension headers behind the fragment header, then
     * TCP's 20 bytes, UDP's 8 or ICMPv6's 4; code 3), which leaves a firewall nothing to judge by.
     */
    private int checkFragment(Packet fragment, int at, int length) {
        int data = at + Ipv6Extensions.FRAGMENT_HEADER_LENGTH;
        if (data + 4 > length) {
            return -1; // too short to hold its own offset: the reassembler counts it
        }
        int offsetAndFlags = fragment.getU16(at + 2);
        if ((offsetAndFlags & 1) != 0 && ((length - data) & 7) != 0) {
            return Icmpv6Message.CODE_ERRONEOUS_HEADER_FIELD;
        }
        if ((offsetAndFlags & 0xfff8) != 0) {
            return -1;
        }
        int next = fragment.getU8(at);
        int chain = data;
        while ((next == Ipv6Extensions.DESTINATION_OPTIONS || next == Ipv6Extensions.ROUTING || next == Ipv6Extensions.HOP_BY_HOP)
                && chain + 2 <= length) {
            int headerLength = (fragment.getU8(chain + 1) + 1) * 8;
            next = fragment.getU8(chain);
            chain += headerLength;
        }
        int upperHeader = switch (next) {
            case IpProtocol.TCP -> 20;
            case IpProtocol.UDP -> 8;
            case IpProtocol.ICMPV6 -> 4;
            case Ipv6Extensions.NO_NEXT_HEADER -> 0;
            case Ipv6Extensions.DESTINATION_OPTIONS, Ipv6Extensions.ROUTING, Ipv6Extensions.HOP_BY_HOP -> 2; // the walk ran out
            default -> 1;
        };
        return chain + upperHeader > length ? Icmpv6Message.CODE_INCOMPLETE_HEADER_CHAIN : -1;
    }

    /**
     * RFC 8200 §4.5: fragments are held by (source, destination, identification); the whole
     * datagram is the first fragment's unfragmentable part with the fragment header taken out (its
     * next header goes into the field that named the fragment header) and every fragment's data.
     */
    private Packet reassemble(Packet fragment, long walk) {
        MemorySegment seg = fragment.head();
        long ip = fragment.headOffset();
        int at = Ipv6Extensions.upperLayerOffset(walk);
        int nextField = Ipv6Extensions.pointer(walk);
        int headerLength = at + Ipv6Extensions.FRAGMENT_HEADER_LENGTH;
        Packet whole = reassembler.offer(fragment, Ipv6Header.sourceHigh(seg, ip), Ipv6Header.sourceLow(seg, ip),
                Ipv6Header.destinationHigh(seg, ip), Ipv6Header.destinationLow(seg, ip),
                (int) Ipv6Extensions.identification(seg, ip, at), 0, headerLength,
                Ipv6Extensions.fragmentOffsetBytes(seg, ip, at), Ipv6Extensions.moreFragments(seg, ip, at),
                Ipv6Header.trafficClass(seg, ip) & Ipv4Header.ECN_MASK);
        if (whole == null) {
            return null;
        }
        if (!whole.linearize(Math.min(whole.length(), Math.max(headerLength, 512)))) {
            drop(whole, Drop.BAD_FRAGMENT);
            return null;
        }
        MemorySegment ws = whole.head();
        long wo = whole.headOffset();
        NetworkBytes.setU8(ws, wo + nextField, Ipv6Extensions.fragmentNextHeader(ws, wo, at));
        // Move the unfragmentable part over the fragment header (MemorySegment.copy handles the overlap).
        MemorySegment.copy(ws, wo, ws, wo + Ipv6Extensions.FRAGMENT_HEADER_LENGTH, at);
        whole.trimFront(Ipv6Extensions.FRAGMENT_HEADER_LENGTH);
        Ipv6Header.setPayloadLength(whole.head(), whole.headOffset(), whole.length() - Ipv6Header.HEADER_LENGTH);
        // RFC 3168 5.3: CE in any fragment is CE for the whole (the first fragment's may not say it).
        Ipv6Header.setTrafficClass(whole.head(), whole.headOffset(),
                Ipv6Header.trafficClass(whole.head(), whole.headOffset()) & ~Ipv4Header.ECN_MASK | reassembler.lastEcn());
        reassembled.increment();
        return whole;
    }

    /** RFC 8200 §4.5: time exceeded (code 1) when the first fragment had arrived. */
    private void reassemblyTimedOut(Packet firstFragment) {
        firstFragment.setHeaderLengths(0, 0); // it starts at its IPv6 header: nothing to bring back in front
        sendError(firstFragment, Icmpv6Message.TYPE_TIME_EXCEEDED, Icmpv6Message.CODE_FRAGMENT_REASSEMBLY_TIME_EXCEEDED, 0);
    }

    private void icmpv6(Packet datagram, int upper, int length, long dstHigh, long dstLow) {
        MemorySegment seg = datagram.head();
        long ip = datagram.headOffset();
        int icmpLength = length - upper;
        long icmp = ip + upper;
        if (icmpLength < Icmpv6Message.HEADER_LENGTH || upper + Icmpv6Message.HEADER_LENGTH > datagram.headLength()) {
            drop(datagram, Drop.TRUNCATED);
            return;
        }
        long pseudo = Icmpv6Message.pseudoHeaderSum(seg, ip, icmpLength);
        if (!InternetChecksum.verifies(pseudo + InternetChecksum.sum(datagram, upper, icmpLength))) {
            drop(datagram, Drop.BAD_CHECKSUM);
            return;
        }
        delivered.increment();
        int type = Icmpv6Message.type(seg, icmp);
        switch (type) {
            case Icmpv6Message.TYPE_ECHO_REQUEST -> echo(datagram, upper, icmpLength);
            case Icmpv6Message.TYPE_NEIGHBOR_SOLICITATION, Icmpv6Message.TYPE_NEIGHBOR_ADVERTISEMENT -> {
                if (upper + icmpLength > datagram.headLength()) {
                    drop(datagram, Drop.TRUNCATED);
                    return;
                }
                NdpMessage.Problem p = NdpMessage.validate(seg, icmp, icmpLength, Ipv6Header.hopLimit(seg, ip),
                        Ipv6Header.sourceHigh(seg, ip), Ipv6Header.sourceLow(seg, ip), dstHigh, dstLow);
                if (p != NdpMessage.Problem.NONE) {
                    drop(datagram, Drop.BAD_NDP);
                } else if ((autoCount > 0 || linkLocalTentative || globalTentative) && duplicateAddressCheck(datagram, seg, ip, icmp, type)) {
                    return;
                } else if (type == Icmpv6Message.TYPE_NEIGHBOR_SOLICITATION) {
                    ndp.solicitation(datagram, seg, ip, icmp, icmpLength);
                } else {
                    ndp.advertisement(datagram, seg, icmp, icmpLength);
                }
            }
            case Slaac.MLD_QUERY -> mldQuery(datagram, seg, ip, icmp, icmpLength, upper);
            case Icmpv6Message.TYPE_ROUTER_ADVERTISEMENT -> {
                if (slaac == null || !slaac.autoconfigures() || upper + icmpLength > datagram.headLength()
                        || NdpMessage.validate(seg, icmp, icmpLength, Ipv6Header.hopLimit(seg, ip), Ipv6Header.sourceHigh(seg, ip),
                        Ipv6Header.sourceLow(seg, ip), dstHigh, dstLow) != NdpMessage.Problem.NONE) {
                    drop(datagram, Drop.ROUTER_ADVERTISEMENT_IGNORED);
                    return;
                }
                routerAdvertisement(datagram, seg, ip, icmp, icmpLength);
            }
            default -> {
                if (Icmpv6Message.isError(type)) {
                    receivedError(datagram, upper, icmpLength, type);
                } else {
                    drop(datagram, Drop.ICMPV6_IGNORED);
                }
            }
        }
    }

    /**
     * RFC 4862 §5.4.3, §5.4.4: a solicitation for a tentative address from the unspecified address
     * (another node's DAD) or an advertisement for it means the address is a duplicate; either goes
     * to the home shard's {@link Slaac}. A solicitation for a tentative address is never answered.
     * Returns true when it took the datagram.
     */
    private boolean duplicateAddressCheck(Packet datagram, MemorySegment seg, long ip, long icmp, int type) {
        long targetHigh = NdpMessage.targetHigh(seg, icmp);
        long targetLow = NdpMessage.targetLow(seg, icmp);
        if (!isTentative(targetHigh, targetLow)) {
            return false;
        }
        boolean fromUnspecified = Ipv6Address.isUnspecified(Ipv6Header.sourceHigh(seg, ip), Ipv6Header.sourceLow(seg, ip));
        datagram.release();
        if (type == Icmpv6Message.TYPE_NEIGHBOR_ADVERTISEMENT || fromUnspecified) {
            Slaac home = slaac;
            if (home.shardId() == shard.id()) {
                home.duplicate(targetHigh, targetLow);
            } else {
                shard.send(home.shardId(), s -> home.duplicate(targetHigh, targetLow));
            }
        }
        return true;
    }

    /**
     * RFC 3810 §5.1, §6.2: a query from a link-local source with hop limit 1 goes to the home
     * shard's {@link Slaac}, which answers with a report; its Maximum Response Code is milliseconds
     * (MLDv1's 24-byte query too, which puts the host in MLDv1 compatibility mode, §8.2.1) or,
     * from 32768 up, mantissa and exponent (§5.1.3). Without
     * autoconfiguration (no Slaac sends reports) queries are counted and dropped.
     */
    private void mldQuery(Packet datagram, MemorySegment seg, long ip, long icmp, int icmpLength, int upper) {
        if (slaac == null || icmpLength < 24 || upper + 24 > datagram.headLength() || Ipv6Header.hopLimit(seg, ip) != 1
                || !Ipv6Address.isLinkLocal(Ipv6Header.sourceHigh(seg, ip))) {
            drop(datagram, Drop.ICMPV6_IGNORED);
            return;
        }
        int code = NetworkBytes.getU16(seg, icmp + 4);
        long millis = code < 32768 ? code : (long) ((code & 0xfff) | 0x1000) << (((code >>> 12) & 7) + 3);
        long groupHigh = NetworkBytes.getU32(seg, icmp + 8) << 32 | NetworkBytes.getU32(seg, icmp + 12);
        long groupLow = NetworkBytes.getU32(seg, icmp + 16) << 32 | NetworkBytes.getU32(seg, icmp + 20);
        datagram.release();
        Slaac home = slaac;
        long delay = millis * 1_000_000L;
        boolean mldv1 = icmpLength == Slaac.MLDV1_QUERY_LENGTH; // RFC 3810 §8.1: the length tells the versions apart
        if (home.shardId() == shard.id()) {
            home.query(groupHigh, groupLow, delay, mldv1);
        } else {
            shard.send(home.shardId(), s -> home.query(groupHigh, groupLow, delay, mldv1));
        }
    }

    /**
     * A router advertisement that passed RFC 4861 §6.1.2: its source's link address is learned
     * here, and what it says (router lifetime, MTU, prefixes) goes to the home shard's {@link Slaac}.
     * Allocates: advertisements are rare (minutes apart) and this is the control path.
     */
    private void routerAdvertisement(Packet datagram, MemorySegment seg, long ip, long icmp, int length) {
        long srcHigh = Ipv6Header.sourceHigh(seg, ip);
        long srcLow = Ipv6Header.sourceLow(seg, ip);
        int lifetime = NdpMessage.routerLifetime(seg, icmp);
        long mtu = -1;
        long mac = -1;
        java.util.List<Slaac.PrefixInfo> prefixes = new java.util.ArrayList<>();
        for (int o = NdpMessage.firstOption(seg, icmp, length); o >= 0; o = NdpMessage.nextOption(seg, icmp, length, o)) {
            if (!NdpMessage.optionWellFormed(seg, icmp, o)) {
                continue;
            }
            switch (NdpMessage.optionType(seg, icmp, o)) {
                case NdpMessage.OPTION_SOURCE_LINK_LAYER_ADDRESS -> mac = NdpMessage.linkLayerAddress(seg, icmp, o);
                case NdpMessage.OPTION_MTU -> mtu = NdpMessage.mtu(seg, icmp, o);
                case NdpMessage.OPTION_PREFIX_INFORMATION -> prefixes.add(new Slaac.PrefixInfo(NdpMessage.prefixHigh(seg, icmp, o),
                        NdpMessage.prefixLength(seg, icmp, o), NdpMessage.prefixFlags(seg, icmp, o),
                        NdpMessage.validLifetime(seg, icmp, o), NdpMessage.preferredLifetime(seg, icmp, o)));
                default -> {
                }
            }
        }
        datagram.release();
        if (mac >= 0) {
            ndp.learnFromPeer(srcHigh, srcLow, mac, false);
            ndp.shareLearned(srcHigh, srcLow);
        }
        Slaac.Advertisement ad = new Slaac.Advertisement(srcHigh, srcLow, lifetime, mtu, java.util.List.copyOf(prefixes),
                NdpMessage.curHopLimit(seg, icmp), NdpMessage.reachableTime(seg, icmp), NdpMessage.retransTimer(seg, icmp),
                NdpMessage.routerPreference(seg, icmp));
        Slaac home = slaac;
        if (home.shardId() == shard.id()) {
            home.advertisement(ad);
        } else {
            shard.send(home.shardId(), s -> home.advertisement(ad));
        }
    }

    /**
     * RFC 4443 §2.4 (b), §3: an error goes to the transport of the datagram it quotes (unknown
     * error types too); a packet too big about a datagram we sent lowers that path's MTU first.
     */
    private void receivedError(Packet message, int upper, int icmpLength, int type) {
        MemorySegment seg = message.head();
        long icmp = message.headOffset() + upper;
        int code = Icmpv6Message.code(seg, icmp);
        long mtu = type == Icmpv6Message.TYPE_PACKET_TOO_BIG ? Icmpv6Message.mtu(seg, icmp) : 0;
        int quotedLength = icmpLength - Icmpv6Message.OFFSET_DATA;
        long quoted = icmp + Icmpv6Message.OFFSET_DATA;
        int available = message.headLength() - upper - Icmpv6Message.OFFSET_DATA;
        if (quotedLength < Ipv6Header.HEADER_LENGTH || available < Ipv6Header.HEADER_LENGTH
                || Ipv6Header.version(seg, quoted) != Ipv6Header.VERSION
                || !isOurs(Ipv6Header.sourceHigh(seg, quoted), Ipv6Header.sourceLow(seg, quoted))) {
            drop(message, Drop.ICMPV6_ERROR_NO_TRANSPORT);
            return;
        }
        if (type == Icmpv6Message.TYPE_PACKET_TOO_BIG) {
            lowerPathMtu(Ipv6Header.destinationHigh(seg, quoted), Ipv6Header.destinationLow(seg, quoted), mtu);
        }
        // The quoted packet may be cut anywhere: walk only as far as it goes.
        long r = Ipv6Extensions.walk(seg, quoted, Math.min(quotedLength, available));
        int protocol = Ipv6Extensions.protocol(r);
        if (protocol == Ipv6Extensions.FRAGMENT && Ipv6Extensions.problem(r) == Ipv6Extensions.Problem.NONE) {
            protocol = Ipv6Extensions.fragmentNextHeader(seg, quoted, Ipv6Extensions.upperLayerOffset(r));
        }
        Ipv6TransportHandler t = transports[protocol];
        if (Ipv6Extensions.problem(r) != Ipv6Extensions.Problem.NONE || t == null) {
            if (type == Icmpv6Message.TYPE_PACKET_TOO_BIG) {
                errorsReceived.increment(); // acted on: the path MTU is what it is for
                message.release();
            } else {
                drop(message, Drop.ICMPV6_ERROR_NO_TRANSPORT);
            }
            return;
        }
        message.trimFront(upper + Icmpv6Message.OFFSET_DATA);
        errorsReceived.increment();
        try {
            t.icmpv6Error(icmpError.fromIpv6(type, code, mtu, message));
        } finally {
            message.release();
        }
    }

    /**
     * RFC 4443 §4.2: the reply carries the request's identifier, sequence and data; its source is
     * the address the request was sent to (or, for a multicast request, ours of the same scope).
     * Built in place: the request's buffers become the reply (fragmented again if it is large).
     */
    private void echo(Packet datagram, int upper, int icmpLength) {
        MemorySegment seg = datagram.head();
        long ip = datagram.headOffset();
        long srcHigh = Ipv6Header.sourceHigh(seg, ip);
        long srcLow = Ipv6Header.sourceLow(seg, ip);
        long dstHigh = Ipv6Header.destinationHigh(seg, ip);
        long dstLow = Ipv6Header.destinationLow(seg, ip);
        if (Ipv6Address.isUnspecified(srcHigh, srcLow)) {
            drop(datagram, Drop.BAD_SOURCE_ADDRESS);
            return;
        }
        long replyHigh = isOurs(dstHigh, dstLow) ? dstHigh : sourceHighFor(srcHigh);
        long replyLow = isOurs(dstHigh, dstLow) ? dstLow : sourceLowFor(srcHigh);
        // Neither the IPv6 header nor the request's extension headers are echoed: send() writes a new header.
        datagram.trimFront(upper);
        datagram.setU8(0, Icmpv6Message.TYPE_ECHO_REPLY);
        datagram.setU16(Icmpv6Message.OFFSET_CHECKSUM, 0);
        long sum = Ipv6Header.pseudoHeaderSum(replyHigh, replyLow, srcHigh, srcLow, icmpLength, IpProtocol.ICMPV6)
                + InternetChecksum.sum(datagram, 0, icmpLength);
        datagram.setU16(Icmpv6Message.OFFSET_CHECKSUM, InternetChecksum.finish(sum));
        datagram.setFlags(0);
        echoReplies.increment();
        send(replyHigh, replyLow, srcHigh, srcLow, IpProtocol.ICMPV6, datagram);
    }

    // ---- ICMPv6 errors (RFC 4443) -----------------------------------------------------------------------

    /**
     * Sends an ICMPv6 error about {@code offending}, a received datagram that starts at its IPv6
     * header, or whose transport header comes first with the IPv6 and extension headers right in
     * front of it ({@link Packet#l3Length()} bytes, as {@link #handle} delivers it). {@code rest}
     * is the 32-bit field after the checksum (the pointer, the MTU, or 0). Borrowed: the caller
     * still releases {@code offending}.
     */
    public void sendError(Packet offending, int type, int code, int rest) {
        int restored = Icmp.restoreNetworkHeader(offending);
        try {
            if (!errorAllowed(offending, type, code)) {
                return;
            }
            if (!errorLimiter.tryAcquire(shard.nanoTime())) {
                return; // counted by the limiter
            }
            MemorySegment os = offending.head();
            long oo = offending.headOffset();
            long toHigh = Ipv6Header.sourceHigh(os, oo);
            long toLow = Ipv6Header.sourceLow(os, oo);
            long dHigh = Ipv6Header.destinationHigh(os, oo);
            long dLow = Ipv6Header.destinationLow(os, oo);
            // From the address the datagram was sent to when it is ours (§2.2), else ours of the right scope.
            long fromHigh = isOurs(dHigh, dLow) ? dHigh : sourceHighFor(toHigh);
            long fromLow = isOurs(dHigh, dLow) ? dLow : sourceLowFor(toHigh);
            // §2.4 (c): as much of the invoking packet as fits in the minimum MTU.
            int quote = Math.min(offending.length(), Icmpv6Message.MAX_ERROR_PACKET - Ipv6Header.HEADER_LENGTH - Icmpv6Message.HEADER_LENGTH);
            Packet p = shard.packets().allocateWithHeadroom();
            if (p == null) {
                return;
            }
            int off = p.extend(Icmpv6Message.HEADER_LENGTH + quote);
            if (off < 0) {
                p.release();
                return;
            }
            MemorySegment seg = p.head();
            int n = Icmpv6Message.HEADER_LENGTH + quote;
            Icmpv6Message.write(seg, off, type, code, rest);
            offending.copyTo(0, seg, off + Icmpv6Message.OFFSET_DATA, quote);
            Icmpv6Message.fillChecksum(seg, off, n, Ipv6Header.pseudoHeaderSum(fromHigh, fromLow, toHigh, toLow, n, IpProtocol.ICMPV6));
            errorsSent.increment();
            send(fromHigh, fromLow, toHigh, toLow, IpProtocol.ICMPV6, p);
        } finally {
            offending.trimFront(restored);
        }
    }

    /**
     * RFC 4443 §2.4 (e): no error about an ICMPv6 error or a redirect, about a datagram to a
     * multicast group or sent as link-layer multicast or broadcast (except packet too big and
     * parameter problem code 2), or to a source that names no single node.
     */
    private boolean errorAllowed(Packet offending, int type, int code) {
        if (offending.headLength() < Ipv6Header.HEADER_LENGTH) {
            return false;
        }
        MemorySegment s = offending.head();
        long o = offending.headOffset();
        if (Ipv6Header.version(s, o) != Ipv6Header.VERSION) {
            return false;
        }
        long srcHigh = Ipv6Header.sourceHigh(s, o);
        long srcLow = Ipv6Header.sourceLow(s, o);
        if (Ipv6Address.isUnspecified(srcHigh, srcLow) || Ipv6Address.isMulticast(srcHigh)) {
            return false;
        }
        boolean exempt = type == Icmpv6Message.TYPE_PACKET_TOO_BIG
                || (type == Icmpv6Message.TYPE_PARAMETER_PROBLEM && code == Icmpv6Message.CODE_UNRECOGNIZED_OPTION);
        boolean multicast = Ipv6Address.isMulticast(Ipv6Header.destinationHigh(s, o))
                || offending.hasFlag(Packet.L2_BROADCAST) || offending.hasFlag(Packet.L2_MULTICAST);
        if (multicast && !exempt) {
            return false;
        }
        // Follow the header chain by lengths alone: the error may be about one of its options.
        int next = Ipv6Header.nextHeader(s, o);
        int at = Ipv6Header.HEADER_LENGTH;
        int length = offending.length();
        while (at + 8 <= length) {
            if (next == Ipv6Extensions.HOP_BY_HOP || next == Ipv6Extensions.DESTINATION_OPTIONS || next == Ipv6Extensions.ROUTING) {
                int n = (offending.getU8(at + 1) + 1) * 8;
                next = offending.getU8(at);
                at += n;
            } else if (next == Ipv6Extensions.FRAGMENT) {
                if ((offending.getU16(at + 2) & 0xfff8) != 0) {
                    return true; // a later fragment: what it carries is not known (errors about it are timeouts only)
                }
                next = offending.getU8(at);
                at += Ipv6Extensions.FRAGMENT_HEADER_LENGTH;
            } else {
                break;
            }
        }
        if (next == IpProtocol.ICMPV6) {
            if (at >= length) {
                return false;
            }
            int icmpType = offending.getU8(at);
            return !Icmpv6Message.isError(icmpType) && icmpType != Icmpv6Message.TYPE_REDIRECT;
        }
        return true;
    }

    // ---- send -----------------------------------------------------------------------------------------

    /**
     * Sends {@code segment} (starting at the upper-layer header, with headroom in front) from
     * {@code src} to {@code dst} with next header {@code protocol}, fragmented (RFC 8200 §4.5) when
     * it exceeds the path MTU. The upper layer's checksum must be complete, or left to the NIC
     * ({@link #txTcp6ChecksumOffload()}); a TCP super-segment ({@link Packet#TX_TCP_SEGMENTATION},
     * at most {@link #txTcp6SegmentationMax()}) goes whole for the NIC to cut. Takes ownership.
     *
     * @return false if it was dropped at once (no route, no buffers; counted)
     */
    @Override
    public boolean send(long srcHigh, long srcLow, long dstHigh, long dstLow, int protocol, Packet segment) {
        return send(srcHigh, srcLow, dstHigh, dstLow, protocol, segment, Ipv4Header.ECN_NOT_ECT);
    }

    /** {@link #send(long, long, long, long, int, Packet)} with ECN bits; fragments go Not-ECT. */
    @Override
    public boolean send(long srcHigh, long srcLow, long dstHigh, long dstLow, int protocol, Packet segment, int ecn) {
        int mtu = Ipv6Address.isMulticast(dstHigh) ? linkMtu : pathMtu(dstHigh, dstLow);
        int total = segment.length() + Ipv6Header.HEADER_LENGTH;
        // A TCP super-segment goes whole: the NIC cuts it into segments within the MTU (TCP sized them).
        if (total <= mtu || (total <= tsoMaxBytes && protocol == IpProtocol.TCP && segment.hasFlag(Packet.TX_TCP_SEGMENTATION))) {
            int off;
            try {
                off = segment.prepend(Ipv6Header.HEADER_LENGTH);
            } catch (BufferExhaustedException e) {
                segment.release();
                return false;
            }
            Ipv6Header.write(segment.head(), off, segment.length() - Ipv6Header.HEADER_LENGTH, protocol, curHopLimit,
                    srcHigh, srcLow, dstHigh, dstLow);
            Ipv6Header.setTrafficClass(segment.head(), off, ecn);
            segment.setHeaderLengths(segment.l2Length(), Ipv6Header.HEADER_LENGTH);
            return route(segment, dstHigh, dstLow);
        }
        return fragment(srcHigh, srcLow, dstHigh, dstLow, protocol, segment, mtu);
    }

    /**
     * RFC 8200 §4.5: every fragment but the last carries a multiple of 8 bytes; all share one
     * identification; the data is shared with the segment, not copied. No atomic fragments are
     * made (RFC 8021).
     */
    private boolean fragment(long srcHigh, long srcLow, long dstHigh, long dstLow, int protocol, Packet segment, int mtu) {
        int perFragment = (mtu - Ipv6Header.HEADER_LENGTH - Ipv6Extensions.FRAGMENT_HEADER_LENGTH) & ~7;
        int length = segment.length();
        int id = nextIdentification;
        nextIdentification += Math.max(1, peers.length);
        boolean ok = true;
        for (int start = 0; start < length; start += perFragment) {
            int n = Math.min(perFragment, length - start);
            boolean last = start + n >= length;
            Packet piece = shard.packets().allocateWithHeadroom();
            if (piece == null) {
                ok = false;
                break;
            }
            piece.append(segment.share(start, n));
            int off;
            try {
                off = piece.prepend(Ipv6Header.HEADER_LENGTH + Ipv6Extensions.FRAGMENT_HEADER_LENGTH);
            } catch (BufferExhaustedException e) {
                piece.release();
                ok = false;
                break;
            }
            MemorySegment seg = piece.head();
            Ipv6Header.write(seg, off, n + Ipv6Extensions.FRAGMENT_HEADER_LENGTH, Ipv6Extensions.FRAGMENT, curHopLimit,
                    srcHigh, srcLow, dstHigh, dstLow);
            long fh = off + Ipv6Header.HEADER_LENGTH;
            NetworkBytes.setU8(seg, fh, protocol);
            NetworkBytes.setU8(seg, fh + 1, 0);
            NetworkBytes.setU16(seg, fh + 2, start | (last ? 0 : 1));
            NetworkBytes.setI32(seg, fh + 4, id);
            piece.setHeaderLengths(piece.l2Length(), Ipv6Header.HEADER_LENGTH + Ipv6Extensions.FRAGMENT_HEADER_LENGTH);
            fragmentsSent.increment();
            route(piece, dstHigh, dstLow);
        }
        segment.release();
        return ok;
    }

    /** Sends a datagram (from its IPv6 header) to {@code dst}: on-link neighbours only for now. */
    boolean route(Packet datagram, long dstHigh, long dstLow) {
        if (Ipv6Address.isMulticast(dstHigh)) {
            ethernet.sendIpv6(Ipv6Address.multicastMac(dstLow), datagram);
            return true;
        }
        if (onLink(dstHigh, dstLow)) {
            ndp.send(dstHigh, dstLow, datagram);
            return true;
        }
        int router = routerCount == 0 ? -1 : selectRouter();
        if (router >= 0) {
            ndp.send(routerHigh[router], routerLow[router], datagram); // RFC 4861 §5.2: off-link, through a default router
            return true;
        }
        drop(datagram, Drop.NO_ROUTE);
        return false;
    }

    /** Drops what is held (the stack is stopping). */
    public void clear() {
        reassembler.clear();
        ndp.clear();
    }

    private void drop(Packet p, Drop reason) {
        drops.count(reason);
        p.release();
    }
}
