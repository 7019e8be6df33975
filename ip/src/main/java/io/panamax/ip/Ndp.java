package io.panamax.ip;

import io.panamax.reactor.buffer.PendingDatagrams;
import io.panamax.ip.wire.Icmpv6Message;
import io.panamax.ip.wire.Ipv6Header;
import io.panamax.ip.wire.NdpMessage;
import io.panamax.reactor.Shard;
import io.panamax.reactor.Timer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.DropCounters;
import io.panamax.reactor.metrics.ShardMetrics;

import java.lang.foreign.MemorySegment;

/**
 * One shard's neighbour cache and address resolution for IPv6 (RFC 4861 §7): answers neighbor
 * solicitations for the stack's addresses, resolves next hops with solicitations to their
 * solicited-node group while datagrams wait in a bounded queue, and keeps each entry in the states
 * of §7.3.2 (INCOMPLETE, REACHABLE, STALE, DELAY, PROBE) with unreachability detection by unicast
 * probes. As with ARP, a mapping one shard learns from the wire is sent to the other shards.
 */
public final class Ndp {

    /** RFC 4861 §7.3.2 neighbour states. */
    public enum State { INCOMPLETE, REACHABLE, STALE, DELAY, PROBE }

    /** Why a message or a waiting datagram was dropped (metric label {@code reason}). */
    public enum Drop {
        /** A datagram pushed out of a full resolution queue. */
        QUEUE_OVERFLOW,
        /** Datagrams dropped because the neighbour never answered. */
        UNRESOLVED,
        /** An advertisement nobody asked about and with nothing to update (§7.2.5: silently discarded). */
        UNSOLICITED,
        /** A solicitation for an address that is not ours. */
        NOT_OUR_TARGET,
        /** No buffer for a solicitation or an advertisement. */
        NO_BUFFER,
    }

    /**
     * RFC 4861 §10 constants: REACHABLE_TIME 30 s, RETRANS_TIMER 1 s, MAX_MULTICAST_SOLICIT and
     * MAX_UNICAST_SOLICIT 3, DELAY_FIRST_PROBE_TIME 5 s; and the datagrams held per unresolved neighbour.
     */
    public record Config(long reachableNanos, long retransNanos, int maxMulticastSolicit, int maxUnicastSolicit,
                         long delayFirstProbeNanos, int queuePerDestination) {
        public static Config defaults() {
            return new Config(30_000_000_000L, 1_000_000_000L, 3, 3, 5_000_000_000L, 16);
        }
    }

    private final Shard shard;
    private final Ipv6Link ethernet;
    private final Ipv6 ipv6;
    private final Config config;
    /** ReachableTime and RetransTimer: the configured ones, or what a router advertised (RFC 4861 §6.3.4). */
    private long reachableNanos;
    private long retransNanos;
    private final DropCounters<Drop> drops;
    private final Counter solicitationsSent;
    private final Counter advertisementsSent;
    private final Counter learned;
    private Entry[] table = new Entry[64];
    private int size;
    private Ndp[] peers = new Ndp[0];

    Ndp(Shard shard, Ipv6Link ethernet, Ipv6 ipv6, Config config, ShardMetrics metrics) {
        this.shard = shard;
        this.ethernet = ethernet;
        this.ipv6 = ipv6;
        this.config = config;
        this.reachableNanos = config.reachableNanos();
        this.retransNanos = config.retransNanos();
        this.drops = new DropCounters<>(metrics, "ndp_drops_total", "Neighbor discovery messages and waiting datagrams dropped", Drop.class);
        this.solicitationsSent = metrics.counter("ndp_solicitations_sent_total", "Neighbor solicitations sent");
        this.advertisementsSent = metrics.counter("ndp_advertisements_sent_total", "Neighbor advertisements sent");
        this.learned = metrics.counter("ndp_mappings_learned_total", "Neighbour mappings learned or refreshed");
        metrics.gauge("ndp_cache_entries", "Entries in the neighbour cache", () -> size);
    }

    /** The neighbour caches of every shard of this stack (index = shard id). */
    public void setPeers(Ndp[] peers) {
        this.peers = peers.clone();
    }

    public DropCounters<Drop> drops() {
        return drops;
    }

    /**
     * RFC 4861 §6.3.4: a router's BaseReachableTime (ReachableTime is drawn from 0.5 to 1.5 times
     * it, §6.3.2, so that neighbours do not probe in step) and RetransTimer, each when not 0.
     */
    void applyRouterTimers(long baseReachableMillis, long retransMillis) {
        if (baseReachableMillis > 0) {
            double factor = 0.5 + java.util.concurrent.ThreadLocalRandom.current().nextDouble();
            reachableNanos = (long) (baseReachableMillis * 1_000_000L * factor);
        }
        if (retransMillis > 0) {
            retransNanos = retransMillis * 1_000_000L;
        }
    }

    /** ReachableTime in use (nanoseconds). */
    public long reachableNanos() {
        return reachableNanos;
    }

    /** RetransTimer in use (nanoseconds). */
    public long retransNanos() {
        return retransNanos;
    }

    /** The state of the entry for an address, or null when there is none. */
    public State state(long high, long low) {
        Entry e = find(high, low);
        return e == null ? null : e.state;
    }

    /** The link address of a neighbour, or -1 when not resolved. */
    public long lookup(long high, long low) {
        Entry e = find(high, low);
        return e == null || e.state == State.INCOMPLETE ? -1 : e.mac;
    }

    // ---- sending through the cache ---------------------------------------------------------------

    /** Sends an IPv6 datagram (from its header) to the on-link neighbour {@code (high, low)}. Takes ownership. */
    void send(long high, long low, Packet datagram) {
        Entry e = find(high, low);
        if (e == null) {
            e = insert(high, low);
            e.state = State.INCOMPLETE;
            e.probes = 0;
            solicit(e);
        }
        switch (e.state) {
            case INCOMPLETE -> {
                if (!e.enqueue(datagram)) {
                    drops.count(Drop.QUEUE_OVERFLOW);
                }
            }
            case STALE -> {
                // §7.3.3: first use of a stale entry starts the delay before probing.
                e.state = State.DELAY;
                timer(e).arm(config.delayFirstProbeNanos());
                ethernet.sendIpv6(e.mac, datagram);
            }
            default -> ethernet.sendIpv6(e.mac, datagram);
        }
    }

    // ---- receiving ---------------------------------------------------------------------------------

    /**
     * A neighbor solicitation that passed {@link NdpMessage#validate} ({@code ip} the IPv6
     * header, {@code icmp} the message of {@code length} bytes, both in {@code seg}). Answers it if
     * its target is ours (§7.2.4), and learns the sender's link address (§7.2.3). Takes ownership.
     */
    void solicitation(Packet datagram, MemorySegment seg, long ip, long icmp, int length) {
        long targetHigh = NdpMessage.targetHigh(seg, icmp);
        long targetLow = NdpMessage.targetLow(seg, icmp);
        if (!ipv6.isOurs(targetHigh, targetLow)) {
            drops.count(Drop.NOT_OUR_TARGET);
            datagram.release();
            return;
        }
        long srcHigh = Ipv6Header.sourceHigh(seg, ip);
        long srcLow = Ipv6Header.sourceLow(seg, ip);
        boolean unspecified = Ipv6Address.isUnspecified(srcHigh, srcLow);
        long senderMac = linkLayerOption(seg, icmp, length, NdpMessage.OPTION_SOURCE_LINK_LAYER_ADDRESS);
        if (!unspecified && senderMac >= 0) {
            Entry e = find(srcHigh, srcLow);
            if (e == null) {
                e = insert(srcHigh, srcLow);
                e.mac = senderMac;
                e.state = State.STALE;
                learned.increment();
            } else if (e.state == State.INCOMPLETE || e.mac != senderMac) {
                e.mac = senderMac;
                e.state = State.STALE;
                flush(e);
                learned.increment();
            }
            share(e, false);
        }
        datagram.release();
        // The answer goes to the solicitor, or to all nodes when it had no address yet (DAD).
        int flags = NdpMessage.FLAG_OVERRIDE | (unspecified ? 0 : NdpMessage.FLAG_SOLICITED);
        sendAdvertisement(targetHigh, targetLow, unspecified ? Ipv6Address.ALL_NODES_HIGH : srcHigh,
                unspecified ? Ipv6Address.ALL_NODES_LOW : srcLow, unspecified ? Ipv6Address.multicastMac(Ipv6Address.ALL_NODES_LOW)
                        : senderMac >= 0 ? senderMac : lookup(srcHigh, srcLow), flags);
    }

    /** A neighbor advertisement that passed {@link NdpMessage#validate} (§7.2.5). Takes ownership. */
    void advertisement(Packet datagram, MemorySegment seg, long icmp, int length) {
        long targetHigh = NdpMessage.targetHigh(seg, icmp);
        long targetLow = NdpMessage.targetLow(seg, icmp);
        int flags = NdpMessage.naFlags(seg, icmp);
        long mac = linkLayerOption(seg, icmp, length, NdpMessage.OPTION_TARGET_LINK_LAYER_ADDRESS);
        datagram.release();
        Entry e = find(targetHigh, targetLow);
        if (e == null) {
            drops.count(Drop.UNSOLICITED);
            return;
        }
        boolean solicited = (flags & NdpMessage.FLAG_SOLICITED) != 0;
        if (e.state == State.INCOMPLETE) {
            if (mac < 0) {
                return;
            }
            e.mac = mac;
            confirm(e, solicited, true);
            return;
        }
        boolean changed = mac >= 0 && mac != e.mac;
        if ((flags & NdpMessage.FLAG_OVERRIDE) != 0 || !changed) {
            if (changed) {
                e.mac = mac;
            }
            if (solicited) {
                confirm(e, true, true);
            } else if (changed) {
                e.state = State.STALE;
                share(e, false);
            }
        } else if (e.state == State.REACHABLE) {
            e.state = State.STALE;
        }
    }

    /** A mapping another shard learned from the wire. */
    void learnFromPeer(long high, long low, long mac, boolean reachable) {
        Entry e = find(high, low);
        if (e == null) {
            e = insert(high, low);
        }
        e.mac = mac;
        if (reachable) {
            confirm(e, true, false);
        } else {
            if (e.state == State.INCOMPLETE) {
                e.state = State.STALE;
                flush(e);
            } else if (e.state != State.REACHABLE) {
                e.state = State.STALE;
            }
            learned.increment();
        }
    }

    /** Sends the entry for {@code (high, low)} to the other shards (a router's address learned from its advertisement). */
    void shareLearned(long high, long low) {
        Entry e = find(high, low);
        if (e != null && e.state != State.INCOMPLETE) {
            share(e, false);
        }
    }

    private static long linkLayerOption(MemorySegment seg, long icmp, int length, int type) {
        for (int o = NdpMessage.firstOption(seg, icmp, length); o >= 0; o = NdpMessage.nextOption(seg, icmp, length, o)) {
            if (NdpMessage.optionType(seg, icmp, o) == type && NdpMessage.optionWellFormed(seg, icmp, o)) {
                return NdpMessage.linkLayerAddress(seg, icmp, o);
            }
        }
        return -1;
    }

    // ---- the entry life cycle ----------------------------------------------------------------------

    private void confirm(Entry e, boolean reachable, boolean fromWire) {
        e.state = reachable ? State.REACHABLE : State.STALE;
        e.probes = 0;
        if (reachable) {
            timer(e).arm(reachableNanos);
        } else if (e.timer != null) {
            e.timer.cancel();
        }
        learned.increment();
        flush(e);
        if (fromWire) {
            share(e, reachable);
        }
    }

    private void flush(Entry e) {
        Packet p;
        while ((p = e.dequeue()) != null) {
            ethernet.sendIpv6(e.mac, p);
        }
    }

    private void share(Entry e, boolean reachable) {
        for (int i = 0; i < peers.length; i++) {
            Ndp peer = peers[i];
            if (peer != null && peer != this) {
                long h = e.high;
                long l = e.low;
                long mac = e.mac;
                shard.send(i, s -> peer.learnFromPeer(h, l, mac, reachable));
            }
        }
    }

    private void solicit(Entry e) {
        e.probes++;
        // Resolution asks the solicited-node group; probing a known neighbour asks it directly.
        boolean unicast = e.state == State.PROBE;
        sendSolicitation(e.high, e.low, unicast ? e.high : Ipv6Address.SOLICITED_NODE_HIGH,
                unicast ? e.low : Ipv6Address.solicitedNodeLow(e.low),
                unicast ? e.mac : Ipv6Address.multicastMac(Ipv6Address.solicitedNodeLow(e.low)));
        timer(e).arm(retransNanos);
    }

    private void timerFired(Entry e) {
        switch (e.state) {
            case REACHABLE -> e.state = State.STALE; // §7.3.3: ReachableTime passed without confirmation
            case DELAY -> {
                e.state = State.PROBE;
                e.probes = 0;
                solicit(e);
            }
            case INCOMPLETE, PROBE -> {
                int max = e.state == State.INCOMPLETE ? config.maxMulticastSolicit() : config.maxUnicastSolicit();
                if (e.probes < max) {
                    solicit(e);
                    return;
                }
                Packet p;
                while ((p = e.dequeue()) != null) {
                    drops.count(Drop.UNRESOLVED);
                    p.release();
                }
                remove(e);
            }
            default -> {
            }
        }
    }

    private Timer timer(Entry e) {
        if (e.timer == null) {
            e.timer = shard.timers().newTimer(() -> {
                if (find(e.high, e.low) == e) {
                    timerFired(e);
                }
            });
        }
        return e.timer;
    }

    // ---- sending ND messages ---------------------------------------------------------------------------

    private void sendSolicitation(long targetHigh, long targetLow, long dstHigh, long dstLow, long dstMac) {
        Packet p = ipv6.newDatagram();
        if (p == null) {
            drops.count(Drop.NO_BUFFER);
            return;
        }
        MemorySegment seg = p.fragmentMemory(0);
        int off = p.extend(Ipv6Header.HEADER_LENGTH + NdpMessage.NS_LENGTH + NdpMessage.LINK_LAYER_OPTION_LENGTH);
        int n = NdpMessage.writeNeighborSolicitation(seg, off + Ipv6Header.HEADER_LENGTH, targetHigh, targetLow, ethernet.mac());
        finish(p, seg, off, n, ipv6.sourceHighFor(targetHigh), ipv6.sourceLowFor(targetHigh), dstHigh, dstLow);
        solicitationsSent.increment();
        ethernet.sendIpv6(dstMac, p);
    }

    private void sendAdvertisement(long targetHigh, long targetLow, long dstHigh, long dstLow, long dstMac, int flags) {
        if (dstMac < 0) {
            return; // a solicitor without a link address option and not in the cache: cannot answer
        }
        Packet p = ipv6.newDatagram();
        if (p == null) {
            drops.count(Drop.NO_BUFFER);
            return;
        }
        MemorySegment seg = p.fragmentMemory(0);
        int off = p.extend(Ipv6Header.HEADER_LENGTH + NdpMessage.NA_LENGTH + NdpMessage.LINK_LAYER_OPTION_LENGTH);
        int n = NdpMessage.writeNeighborAdvertisement(seg, off + Ipv6Header.HEADER_LENGTH, flags, targetHigh, targetLow, ethernet.mac());
        finish(p, seg, off, n, targetHigh, targetLow, dstHigh, dstLow);
        advertisementsSent.increment();
        ethernet.sendIpv6(dstMac, p);
    }

    /** The IPv6 header (hop limit 255, RFC 4861) and the ICMPv6 checksum of an ND message of {@code n} bytes. */
    static void finish(Packet p, MemorySegment seg, int off, int n, long srcHigh, long srcLow, long dstHigh, long dstLow) {
        Ipv6Header.write(seg, off, n, IpProtocol.ICMPV6, NdpMessage.HOP_LIMIT, srcHigh, srcLow, dstHigh, dstLow);
        Icmpv6Message.fillChecksum(seg, off + Ipv6Header.HEADER_LENGTH, n, Icmpv6Message.pseudoHeaderSum(seg, off, n));
        p.truncate(Ipv6Header.HEADER_LENGTH + n);
    }

    /** Drops everything queued (the stack is stopping). */
    public void clear() {
        for (Entry head : table) {
            for (Entry e = head; e != null; e = e.next) {
                Packet p;
                while ((p = e.dequeue()) != null) {
                    p.release();
                }
                if (e.timer != null) {
                    e.timer.cancel();
                }
            }
        }
        table = new Entry[64];
        size = 0;
    }

    // ---- the table: chained, keyed by the two halves of an address (no allocation to look up) -----------

    private int bucket(long high, long low) {
        long h = (high * 0x9e3779b97f4a7c15L) ^ (low * 0xc2b2ae3d27d4eb4fL);
        return (int) (h ^ (h >>> 32)) & (table.length - 1);
    }

    private Entry find(long high, long low) {
        for (Entry e = table[bucket(high, low)]; e != null; e = e.next) {
            if (e.high == high && e.low == low) {
                return e;
            }
        }
        return null;
    }

    private Entry insert(long high, long low) {
        if (size >= table.length) {
            Entry[] old = table;
            table = new Entry[old.length * 2];
            for (Entry head : old) {
                for (Entry e = head, next; e != null; e = next) {
                    next = e.next;
                    int b = bucket(e.high, e.low);
                    e.next = table[b];
                    table[b] = e;
                }
            }
        }
        Entry e = new Entry(high, low, config.queuePerDestination());
        int b = bucket(high, low);
        e.next = table[b];
        table[b] = e;
        size++;
        return e;
    }

    private void remove(Entry target) {
        int b = bucket(target.high, target.low);
        Entry prev = null;
        for (Entry e = table[b]; e != null; prev = e, e = e.next) {
            if (e == target) {
                if (prev == null) {
                    table[b] = e.next;
                } else {
                    prev.next = e.next;
                }
                size--;
                return;
            }
        }
    }

    private static final class Entry extends PendingDatagrams {
        final long high;
        final long low;
        long mac;
        State state;
        int probes;
        Timer timer;
        Entry next;

        Entry(long high, long low, int capacity) {
            super(capacity);
            this.high = high;
            this.low = low;
        }
    }
}
