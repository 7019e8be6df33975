package io.panamax.ethernet;

import io.panamax.ethernet.wire.ArpMessage;
import io.panamax.ethernet.wire.EtherType;
import io.panamax.ethernet.wire.EthernetAddress;
import io.panamax.reactor.Shard;
import io.panamax.reactor.Timer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketHandler;
import io.panamax.reactor.buffer.PendingDatagrams;
import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.DropCounters;
import io.panamax.reactor.metrics.ShardMetrics;
import io.panamax.reactor.util.IntObjectMap;

import java.lang.foreign.MemorySegment;

/**
 * One shard's ARP (RFC 826) for IPv4 over Ethernet: answers requests for the stack's address,
 * resolves next hops with a bounded queue of datagrams waiting per destination, keeps a cache whose
 * entries are re-confirmed before they expire while in use, and announces the stack's address with a
 * gratuitous ARP (RFC 5227 §2.3) at start.
 *
 * <p>Every shard has its own cache; a mapping one shard learns from the wire is sent to the other
 * shards of the same stack as a message, so a reply that arrives on shard 0 releases the datagrams
 * shard 3 queued for it.
 */
public final class Arp implements PacketHandler {

    /** Why ARP dropped a received message or a waiting datagram (metric label {@code reason}). */
    public enum Drop {
        TRUNCATED, UNSUPPORTED_HARDWARE_TYPE, UNSUPPORTED_PROTOCOL_TYPE, BAD_HARDWARE_LENGTH,
        BAD_PROTOCOL_LENGTH, UNSUPPORTED_OPERATION,
        /** A message claiming a broadcast/multicast or zero hardware address. */
        BAD_SENDER,
        /** A request or reply for another host that updates nothing here. */
        NOT_FOR_US,
        /** Another station claims the stack's own address (RFC 5227 conflict). */
        ADDRESS_CONFLICT,
        /** A datagram waiting for resolution pushed out by newer ones (queue full). */
        QUEUE_OVERFLOW,
        /** Datagrams dropped because the next hop never answered. */
        UNRESOLVED,
        /** No buffer to build a request or reply. */
        NO_BUFFER
    }

    /**
     * @param reachableNanos     how long a mapping is trusted after it was confirmed
     * @param retransmitNanos    interval between requests while resolving or re-confirming
     * @param maxProbes          requests before giving up
     * @param queuePerDestination datagrams held per unresolved destination (RFC 1122 2.3.2.2: at least one)
     */
    public record Config(long reachableNanos, long retransmitNanos, int maxProbes, int queuePerDestination) {
        public static Config defaults() {
            return new Config(60_000_000_000L, 1_000_000_000L, 3, 16);
        }
    }

    private static final int INCOMPLETE = 0;
    private static final int REACHABLE = 1;
    private static final int PROBING = 2;

    private final Shard shard;
    private final Ethernet ethernet;
    private final Config config;
    /** Changed, on this shard only, when the address changes (DHCP): see {@link #setLocalAddress}. */
    private int localIp;
    private final IntObjectMap<Entry> cache = new IntObjectMap<>(64);
    private final DropCounters<Drop> drops;
    private final Counter requestsSent;
    private final Counter repliesSent;
    private final Counter learned;
    private Arp[] peers = new Arp[0];
    /** The address being probed before use (RFC 5227 §2.1.1), or 0; see {@link #watch}. */
    private int watched;
    private ConflictListener watcher;

    /** RFC 5227 §1.1 DEFEND_INTERVAL: at most one defensive announcement per 10 s. */
    static final long DEFEND_INTERVAL_NANOS = 10_000_000_000L;
    /** Who decides on a conflict for the stack's own address ({@link #onOwnAddressConflict}), or null: ARP defends it itself. */
    private ConflictListener ownConflicts;
    /** When ARP last defended the address itself (RFC 5227 §2.4 (b)), or 0. */
    private long lastDefended;
    private final Counter defended;

    /** Told when another station shows it uses a watched address. Called on the ARP's shard. */
    public interface ConflictListener {
        void inUse(int ip, long senderMac);
    }

    public Arp(Shard shard, Ethernet ethernet, int localIp, Config config, ShardMetrics metrics) {
        this.shard = shard;
        this.ethernet = ethernet;
        this.localIp = localIp;
        this.config = config;
        this.drops = new DropCounters<>(metrics, "arp_drops_total", "ARP messages and waiting datagrams dropped", Drop.class);
        this.requestsSent = metrics.counter("arp_requests_sent_total", "ARP requests sent");
        this.repliesSent = metrics.counter("arp_replies_sent_total", "ARP replies sent");
        this.learned = metrics.counter("arp_mappings_learned_total", "Mappings learned or refreshed from the wire or from other shards");
        this.defended = metrics.counter("arp_address_defended_total",
                "Announcements defending the stack's address against another station's ARP (RFC 5227 2.4)");
        metrics.gauge("arp_cache_entries", "Entries in the ARP cache", cache::size);
    }

    /** The ARP instances of every shard of this stack (index = shard id), for sharing mappings. */
    public void setPeers(Arp[] peers) {
        this.peers = peers.clone();
    }

    public DropCounters<Drop> drops() {
        return drops;
    }

    /**
     * RFC 5227 §2.4, ongoing conflict detection: every ARP message from another station with the
     * stack's own address as its sender goes to {@code listener} (the DHCP client, which defends
     * or gives the address up), on this shard. Without a listener (a static address), ARP defends
     * the address itself with one announcement, at most once per DEFEND_INTERVAL (10 s).
     */
    public void onOwnAddressConflict(ConflictListener listener) {
        this.ownConflicts = listener;
    }

    /** The stack's address from now on (0 while it has none); called on this shard. */
    public void setLocalAddress(int ip) {
        this.localIp = ip;
    }

    /** The cached hardware address of {@code ip}, or -1 when unknown. */
    public long lookup(int ip) {
        Entry e = cache.get(ip);
        return e != null && e.state != INCOMPLETE ? e.mac : -1;
    }

    /** Entries in the cache (resolved or not). */
    public int size() {
        return cache.size();
    }

    // ---- sending through ARP --------------------------------------------------------------------

    /**
     * Sends an IPv4 datagram to the neighbour {@code nextHop}: at once when its address is known,
     * otherwise after resolution (the datagram waits in a bounded queue). Takes ownership.
     */
    public void sendIpv4(int nextHop, Packet datagram) {
        Entry e = cache.get(nextHop);
        if (e != null && e.state != INCOMPLETE) {
            e.lastUsed = shard.turnNanos();
            ethernet.send(e.mac, EtherType.IPV4, datagram);
            return;
        }
        if (e == null) {
            e = new Entry(nextHop, config.queuePerDestination());
            cache.put(nextHop, e);
            e.state = INCOMPLETE;
            e.probes = 0;
            e.lastUsed = shard.turnNanos();
            probe(e);
        }
        if (!e.enqueue(datagram)) {
            drops.count(Drop.QUEUE_OVERFLOW);
        }
    }

    /** Sends {@code datagram} as a link-layer broadcast (limited or directed broadcast). */
    public void sendIpv4Broadcast(Packet datagram) {
        ethernet.send(EthernetAddress.BROADCAST, EtherType.IPV4, datagram);
    }

    /** Announces the stack's address: a gratuitous request with sender = target = our address. */
    public void announce() {
        sendRequest(EthernetAddress.BROADCAST, localIp, localIp);
    }

    /**
     * Sends an ARP probe for {@code ip} (RFC 5227 §2.1.1): a broadcast request with sender IP
     * 0.0.0.0, so that no neighbour's cache learns an address we may not keep.
     */
    public void probe(int ip) {
        sendRequest(EthernetAddress.BROADCAST, 0, ip);
    }

    /**
     * Reports to {@code listener} every ARP message from now on that shows another station uses
     * {@code ip} (RFC 5227 §2.1.1: its sender IP is {@code ip}, or it is another station's probe
     * for {@code ip}); {@code ip} 0 stops watching. One address at a time, on this shard.
     */
    public void watch(int ip, ConflictListener listener) {
        this.watched = ip;
        this.watcher = ip == 0 ? null : listener;
    }

    // ---- receiving ---------------------------------------------------------------------------

    @Override
    public void handle(Packet message) {
        if (message.length() < ArpMessage.LENGTH || !message.linearize(ArpMessage.LENGTH)) {
            drop(message, Drop.TRUNCATED);
            return;
        }
        MemorySegment seg = message.head();
        long off = message.headOffset();
        Drop problem = switch (ArpMessage.validate(seg, off, message.headLength())) {
            case NONE -> null;
            case TRUNCATED -> Drop.TRUNCATED;
            case UNSUPPORTED_HARDWARE_TYPE -> Drop.UNSUPPORTED_HARDWARE_TYPE;
            case UNSUPPORTED_PROTOCOL_TYPE -> Drop.UNSUPPORTED_PROTOCOL_TYPE;
            case BAD_HARDWARE_LENGTH -> Drop.BAD_HARDWARE_LENGTH;
            case BAD_PROTOCOL_LENGTH -> Drop.BAD_PROTOCOL_LENGTH;
            case UNSUPPORTED_OPERATION -> Drop.UNSUPPORTED_OPERATION;
        };
        if (problem != null) {
            drop(message, problem);
            return;
        }
        int op = ArpMessage.operation(seg, off);
        long senderMac = ArpMessage.senderHardwareAddress(seg, off);
        int senderIp = ArpMessage.senderProtocolAddress(seg, off);
        int targetIp = ArpMessage.targetProtocolAddress(seg, off);
        if (!EthernetAddress.isUnicast(senderMac) || senderMac == EthernetAddress.ZERO) {
            drop(message, Drop.BAD_SENDER);
            return;
        }
        // RFC 5227 §2.1.1: while an address is being probed, any message whose sender is that
        // address, or another station's probe for it, means it is taken.
        boolean conflict = watched != 0 && (senderIp == watched
                || (senderIp == 0 && targetIp == watched && op == ArpMessage.OPERATION_REQUEST && senderMac != ethernet.mac()));
        if (conflict) {
            watcher.inUse(watched, senderMac);
        }
        // localIp 0: no address yet (DHCP), so nothing to defend and nothing to answer for.
        if (senderIp == localIp && localIp != 0) {
            drop(message, Drop.ADDRESS_CONFLICT);
            if (senderMac != ethernet.mac()) {
                ownAddressConflict(senderMac);
            }
            return;
        }
        // RFC 826 "Packet reception": update an existing entry for the sender (merge); add one only
        // if the message is for us. A probe (sender 0.0.0.0, RFC 5227) teaches nothing.
        boolean merged = false;
        if (senderIp != 0) {
            Entry e = cache.get(senderIp);
            if (e != null) {
                confirm(e, senderMac, true);
                merged = true;
            }
        }
        if (targetIp != localIp || localIp == 0) {
            if (!merged && !conflict) {
                drops.count(Drop.NOT_FOR_US);
            }
            message.release();
            return;
        }
        if (!merged && senderIp != 0 && senderIp != localIp) {
            Entry e = new Entry(senderIp, config.queuePerDestination());
            cache.put(senderIp, e);
            confirm(e, senderMac, true);
        }
        if (op == ArpMessage.OPERATION_REQUEST) {
            // Answer in place: the request's buffer becomes the reply.
            ArpMessage.turnIntoReply(seg, off, ethernet.mac());
            message.truncate(ArpMessage.LENGTH);
            repliesSent.increment();
            ethernet.send(senderMac, EtherType.ARP, message);
        } else {
            message.release();
        }
    }

    private void ownAddressConflict(long senderMac) {
        if (ownConflicts != null) {
            ownConflicts.inUse(localIp, senderMac);
            return;
        }
        long now = shard.turnNanos();
        if (lastDefended == 0 || now - lastDefended >= DEFEND_INTERVAL_NANOS) {
            lastDefended = now;
            defend();
        }
    }

    /**
     * RFC 5227 §2.4 (b): one ARP announcement of the stack's address, so that the neighbours
     * whose caches the other station's message changed point at this host again.
     */
    public void defend() {
        defended.increment();
        announce();
    }

    /** A mapping another shard of this stack learned from the wire. */
    void learnFromPeer(int ip, long mac) {
        Entry e = cache.get(ip);
        if (e == null) {
            e = new Entry(ip, config.queuePerDestination());
            cache.put(ip, e);
        }
        confirm(e, mac, false);
    }

    // ---- the entry life cycle -----------------------------------------------------------------

    /** The mapping is confirmed: send what waited, trust it for the reachable time. */
    private void confirm(Entry e, long mac, boolean fromWire) {
        e.mac = mac;
        e.state = REACHABLE;
        e.probes = 0;
        e.confirmedAt = shard.turnNanos();
        timer(e).arm(config.reachableNanos());
        learned.increment();
        Packet p;
        while ((p = e.dequeue()) != null) {
            ethernet.send(mac, EtherType.IPV4, p);
        }
        // Every mapping from the wire is shared, not only a new or changed one: the reply may answer
        // another shard's request (its entry expired while this shard's stayed in use), and that
        // shard, whose NIC queue gets no ARP, learns only this way. ARP messages are rare: one
        // message per shard each.
        if (fromWire) {
            for (int i = 0; i < peers.length; i++) {
                Arp peer = peers[i];
                if (peer != null && peer != this) {
                    int ip = e.ip;
                    shard.send(i, s -> peer.learnFromPeer(ip, mac));
                }
            }
        }
    }

    private void probe(Entry e) {
        e.probes++;
        // Resolution broadcasts; re-confirmation of a known mapping asks the neighbour directly.
        sendRequest(e.state == PROBING ? e.mac : EthernetAddress.BROADCAST, localIp, e.ip);
        timer(e).arm(config.retransmitNanos());
    }

    private void timerFired(Entry e) {
        long now = shard.turnNanos();
        switch (e.state) {
            case REACHABLE -> {
                if (now - e.lastUsed < config.reachableNanos()) {
                    e.state = PROBING; // still in use: re-confirm while we keep sending
                    e.probes = 0;
                    probe(e);
                } else {
                    cache.remove(e.ip);
                }
            }
            case INCOMPLETE, PROBING -> {
                if (e.probes < config.maxProbes()) {
                    probe(e);
                    return;
                }
                Packet p;
                while ((p = e.dequeue()) != null) {
                    drops.count(Drop.UNRESOLVED);
                    p.release();
                }
                cache.remove(e.ip);
            }
            default -> throw new IllegalStateException("ARP entry state " + e.state);
        }
    }

    private Timer timer(Entry e) {
        if (e.timer == null) {
            e.timer = shard.timers().newTimer(() -> {
                if (cache.get(e.ip) == e) {
                    timerFired(e);
                }
            });
        }
        return e.timer;
    }

    private void sendRequest(long dstMac, int senderIp, int targetIp) {
        Packet p = shard.packets().allocateWithHeadroom();
        if (p == null) {
            drops.count(Drop.NO_BUFFER);
            return;
        }
        int off = p.extend(ArpMessage.LENGTH);
        ArpMessage.writeRequest(p.head(), off, ethernet.mac(), senderIp, targetIp);
        requestsSent.increment();
        ethernet.send(dstMac, EtherType.ARP, p);
    }

    /** Drops everything queued (the stack is stopping). */
    public void clear() {
        cache.forEachValue(e -> {
            Packet p;
            while ((p = e.dequeue()) != null) {
                p.release();
            }
            if (e.timer != null) {
                e.timer.cancel();
            }
        });
        cache.clear();
    }

    private void drop(Packet p, Drop reason) {
        drops.count(reason);
        p.release();
    }

    /** One neighbour: its address, state, and the datagrams waiting for it. */
    private static final class Entry extends PendingDatagrams {
        final int ip;
        long mac;
        int state;
        int probes;
        long confirmedAt;
        long lastUsed;
        Timer timer;

        Entry(int ip, int capacity) {
            super(capacity);
            this.ip = ip;
        }
    }
}
