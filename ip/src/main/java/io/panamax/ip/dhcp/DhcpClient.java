package io.panamax.ip.dhcp;

import io.panamax.ip.Ipv4Address;
import io.panamax.ip.UdpSocket;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Promise;
import io.panamax.reactor.Shard;
import io.panamax.reactor.Timer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.DropCounters;
import io.panamax.reactor.metrics.ShardMetrics;

import java.util.function.IntPredicate;
import java.util.random.RandomGenerator;

/**
 * A DHCPv4 client (RFC 2131 §4.4) on one shard: acquires a lease (DISCOVER, OFFER, REQUEST, ACK),
 * renews it with its server at T1 and with any server at T2, gives it up when it expires or a
 * server NAKs it, and releases it on {@link #stop}. What to do with a lease (install the address on
 * every shard) is the {@link Listener}'s business. A new address is probed with ARP through the
 * {@link AddressProbe} before the listener hears of it, and declined if another station holds it;
 * once bound, another station's claim on it is defended once and, repeated within 10 s, ends in a
 * DHCPDECLINE ({@link #conflictWhileBound}, RFC 5227 §2.4).
 * {@link #start(DhcpLease)} asks for a remembered lease first (INIT-REBOOT); {@link #inform} asks
 * only for parameters, for an address configured otherwise.
 *
 * <p>Retransmission (RFC 2131 §4.1): 4 s before the first retry, doubling to at most 64 s, each
 * delay randomized by ±1 s so that clients that started together do not stay in step. While
 * renewing or rebinding, a request is repeated after half the time left until T2 (or until the
 * lease ends), but not sooner than {@link Config#minRenewRetransmitNanos} (RFC 2131 §4.4.5 says
 * 60 s, the default).
 *
 * <p>The client runs on its shard only. Replies are handed to {@link #receive} by the UDP socket on
 * port 68 of this shard, and by those of the other shards, which forward them here.
 */
public final class DhcpClient {
    private static final System.Logger LOG = System.getLogger("io.panamax.ip.dhcp");
    private static final long SECOND = 1_000_000_000L;

    /**
     * RFC 2131 §4.4 states; PROBING between a new lease's DHCPACK and BOUND, while ARP probes check
     * that no other station holds the address (RFC 2131 §4.4.1, RFC 5227 §2.1); STOPPED after
     * {@link #stop}; INFORMING while a DHCPINFORM of {@link #inform} waits for its ACK.
     */
    public enum State { INIT, SELECTING, REQUESTING, PROBING, BOUND, RENEWING, REBINDING, INIT_REBOOT, REBOOTING, INFORMING, STOPPED }

    /** Why a received message was ignored (metric label {@code reason}). */
    public enum Drop {
        TRUNCATED, BAD_OP, UNSUPPORTED_HARDWARE, BAD_MAGIC_COOKIE, BAD_OPTION_LENGTH, BAD_MESSAGE_TYPE,
        /** A request, or a reply whose xid or chaddr is another client's. */
        NOT_OURS,
        /** A reply that means nothing in the current state (an OFFER while bound, say). */
        UNEXPECTED,
        /** An OFFER or ACK without a server identifier (RFC 2131 §4.3.1: MUST), or with no address. */
        INCOMPLETE,
    }

    /** What happens to the lease. Called on the client's shard; must not block. */
    public interface Listener {
        /** A lease was obtained ({@code renewed} false) or extended (true). */
        void bound(DhcpLease lease, boolean renewed);

        /** The lease ended (expired, NAKed): the address must no longer be used. */
        void lost(DhcpLease lease, String why);
    }

    /**
     * Checking that an offered address is free before using it (RFC 2131 §4.4.1: the client SHOULD
     * probe it; RFC 5227 §2.1.1). {@link #NONE} skips the check.
     */
    public interface AddressProbe {
        /** Sends one ARP probe for {@code ip} (sender IP 0.0.0.0). */
        void probe(int ip);

        /**
         * Reports to {@link DhcpClient#addressInUse} (on the client's shard) any ARP message that shows
         * another station uses {@code ip}, until called again; {@code ip} 0 stops.
         */
        void watch(int ip);

        /** Defends the bound address with one ARP announcement (RFC 5227 §2.4 (b)). */
        default void defend() {
        }

        AddressProbe NONE = new AddressProbe() {
            @Override
            public void probe(int ip) {
            }

            @Override
            public void watch(int ip) {
            }
        };
    }

    /**
     * @param initialDelayMaxNanos     a random wait before the first DISCOVER, up to this (RFC 2131
     *                                 §4.4.1 suggests 1-10 s to desynchronize clients that boot
     *                                 together; a stack starting alone needs less)
     * @param initialRetransmitNanos   first retransmission delay (RFC 2131 §4.1: 4 s)
     * @param maxRetransmitNanos       longest retransmission delay (64 s)
     * @param jitterNanos              randomization of each delay, ± this (1 s)
     * @param requestAttempts          REQUESTs sent in REQUESTING before going back to INIT
     * @param minRenewRetransmitNanos  shortest wait between requests while renewing or rebinding (60 s)
     * @param probes                   ARP probes of a new address before it is used; 0 uses it at once
     *                                 (RFC 5227 §1.1 PROBE_NUM: 3)
     * @param probeIntervalNanos       between probes, and after the last before the address counts as
     *                                 free (RFC 5227: PROBE_MIN 1 s, ANNOUNCE_WAIT 2 s; 100 ms by
     *                                 default, so that a stack is up a few tenths of a second after
     *                                 the ACK; a neighbour on the link answers within that)
     * @param declineWaitNanos         after a DHCPDECLINE, the wait before starting over (RFC 2131
     *                                 §3.1.5: at least 10 s, against a loop with the server)
     */
    public record Config(long initialDelayMaxNanos, long initialRetransmitNanos, long maxRetransmitNanos, long jitterNanos,
                         int requestAttempts, long minRenewRetransmitNanos, int probes, long probeIntervalNanos,
                         long declineWaitNanos) {
        public static Config defaults() {
            return new Config(SECOND, 4 * SECOND, 64 * SECOND, SECOND, 4, 60 * SECOND, 3, SECOND / 10, 10 * SECOND);
        }

        /** For a test against a server whose leases last minutes: renewal retries every few seconds. */
        public Config withMinRenewRetransmit(long nanos) {
            return new Config(initialDelayMaxNanos, initialRetransmitNanos, maxRetransmitNanos, jitterNanos, requestAttempts, nanos,
                    probes, probeIntervalNanos, declineWaitNanos);
        }

        /** Another address check: {@code count} probes {@code intervalNanos} apart, and the wait after a decline. */
        public Config withProbes(int count, long intervalNanos, long declineWait) {
            return new Config(initialDelayMaxNanos, initialRetransmitNanos, maxRetransmitNanos, jitterNanos, requestAttempts,
                    minRenewRetransmitNanos, count, intervalNanos, declineWait);
        }
    }

    /** Options asked of the server (RFC 2132 §9.8). */
    private static final byte[] PARAMETERS = {
        DhcpMessage.OPTION_SUBNET_MASK, DhcpMessage.OPTION_ROUTER, DhcpMessage.OPTION_DNS,
        DhcpMessage.OPTION_INTERFACE_MTU, DhcpMessage.OPTION_LEASE_TIME,
        DhcpMessage.OPTION_RENEWAL_TIME, DhcpMessage.OPTION_REBINDING_TIME,
    };

    private final Shard shard;
    private final UdpSocket socket;
    private final long mac;
    private final Config config;
    private final Listener listener;
    private final RandomGenerator random;
    private final IntPredicate neighbourKnown;
    private final AddressProbe addressProbe;
    private final byte[] clientId;
    private final Timer retransmitTimer;
    private final Timer leaseTimer;
    private final DropCounters<Drop> drops;
    private final Counter sent;
    private final Counter leases;
    private final Counter renewals;
    private final Counter naks;
    private final Counter expiries;
    private final Counter declines;

    private State state = State.INIT;
    private int xid;
    private long exchangeStart;
    private long retransmitDelay;
    private int attempts;
    private DhcpMessage offer;
    private DhcpLease lease;
    private long boundAt;
    /** The ACK of a new lease while its address is probed (PROBING). */
    private DhcpMessage acked;
    private int probesSent;
    /** The lease INIT-REBOOT asks for again (RFC 2131 §3.2), or null. */
    private DhcpLease remembered;
    /** INFORMING: the address configured by other means (ciaddr), and who waits for the parameters. */
    /** When the bound address was last defended (RFC 5227 §2.4), or 0. */
    private long lastDefended;
    private final Counter defences;
    private int informAddress;
    private Promise<DhcpMessage.Options> informed;

    /**
     * @param socket         UDP port 68 on this shard (the client sends from it; the caller routes
     *                       what arrives on it to {@link #receive})
     * @param mac            the interface's hardware address (chaddr, and the client identifier)
     * @param neighbourKnown whether the link address of an IPv4 destination is resolved (so a
     *                       DHCPRELEASE has left when {@link #stop} completes)
     */
    public DhcpClient(Shard shard, UdpSocket socket, long mac, Config config, Listener listener, RandomGenerator random,
                      IntPredicate neighbourKnown, ShardMetrics metrics) {
        this(shard, socket, mac, config, listener, random, neighbourKnown, AddressProbe.NONE, metrics);
    }

    /** @param addressProbe how a new address is checked before use (ARP probes on the link) */
    public DhcpClient(Shard shard, UdpSocket socket, long mac, Config config, Listener listener, RandomGenerator random,
                      IntPredicate neighbourKnown, AddressProbe addressProbe, ShardMetrics metrics) {
        this.shard = shard;
        this.socket = socket;
        this.mac = mac;
        this.config = config;
        this.listener = listener;
        this.random = random;
        this.neighbourKnown = neighbourKnown;
        this.addressProbe = addressProbe;
        // RFC 2132 §9.14: type 1 (Ethernet) and the MAC, as most clients send.
        this.clientId = new byte[7];
        clientId[0] = DhcpMessage.HTYPE_ETHERNET;
        for (int i = 0; i < 6; i++) {
            clientId[1 + i] = (byte) (mac >>> (40 - 8 * i));
        }
        this.retransmitTimer = shard.timers().newTimer(this::retransmit);
        this.leaseTimer = shard.timers().newTimer(this::leaseTimeReached);
        this.drops = new DropCounters<>(metrics, "dhcp_drops_total", "DHCP messages ignored", Drop.class);
        this.sent = metrics.counter("dhcp_messages_sent_total", "DHCP messages sent");
        this.leases = metrics.counter("dhcp_leases_obtained_total", "Leases obtained from INIT");
        this.renewals = metrics.counter("dhcp_renewals_total", "Leases extended while renewing or rebinding");
        this.naks = metrics.counter("dhcp_naks_total", "DHCPNAKs received");
        this.expiries = metrics.counter("dhcp_expiries_total", "Leases that ran out");
        this.declines = metrics.counter("dhcp_declines_total",
                "Addresses declined because another station answered an ARP probe, or claimed the bound address twice within 10 s");
        this.defences = metrics.counter("dhcp_address_defences_total",
                "Announcements defending the bound address against another station's ARP (RFC 5227 2.4)");
    }

    public State state() {
        return state;
    }

    /** The current lease, or null. */
    public DhcpLease lease() {
        return lease;
    }

    public long renewals() {
        return renewals.get();
    }

    public long naks() {
        return naks.get();
    }

    public long expiries() {
        return expiries.get();
    }

    /** Announcements that defended the bound address (RFC 5227 §2.4). */
    public long defences() {
        return defences.get();
    }

        public long declines() {
        return declines.get();
    }

    public long leasesObtained() {
        return leases.get();
    }

    public DropCounters<Drop> drops() {
        return drops;
    }

    /** Starts acquiring a lease (from INIT, after the initial random delay). */
    public void start() {
        start(null);
    }

    /**
     * Starts acquiring a lease, after the initial random delay: with {@code previous} (a lease this
     * client held before, e.g. before a restart) from INIT-REBOOT, asking for its address again
     * (RFC 2131 §3.2, §4.4.2), otherwise from INIT. A NAK, or no answer after
     * {@link Config#requestAttempts} requests, goes on from INIT.
     */
    public void start(DhcpLease previous) {
        if (state != State.INIT) {
            return;
        }
        if (previous != null) {
            remembered = previous;
            state = State.INIT_REBOOT;
        }
        retransmitTimer.arm(config.initialDelayMaxNanos() > 0 ? random.nextLong(config.initialDelayMaxNanos()) : 0);
    }

    /**
     * DHCPINFORM (RFC 2131 §3.4, §4.4.3): for a host whose {@code address} was configured by other
     * means, asks the servers for the link's other parameters (subnet mask, router, DNS, MTU); the
     * future has the options of the first DHCPACK, or fails after {@link Config#requestAttempts}
     * messages without one. Only from INIT, instead of acquiring a lease: the address must already be
     * in use, since the server answers it by unicast.
     */
    public ShardFuture<DhcpMessage.Options> inform(int address) {
        if (state != State.INIT || retransmitTimer.isArmed()) {
            Promise<DhcpMessage.Options> p = new Promise<>();
            p.fail(new IllegalStateException("DHCPINFORM only from INIT, not " + state));
            return p;
        }
        informAddress = address;
        informed = new Promise<>();
        state = State.INFORMING;
        newExchange();
        sendInform();
        armBackoff();
        return informed;
    }

    // ---- timers ------------------------------------------------------------------------------------

    private void retransmit() {
        switch (state) {
            case INIT -> discover();
            case INIT_REBOOT -> {
                state = State.REBOOTING;
                newExchange();
                sendRebootRequest();
                armBackoff();
            }
            case REBOOTING -> {
                if (++attempts >= config.requestAttempts()) {
                    LOG.log(System.Logger.Level.INFO, "DHCP: no answer to the INIT-REBOOT DHCPREQUEST for "
                            + remembered.prefix() + ", starting over");
                    toInit();
                    return;
                }
                sendRebootRequest();
                armBackoff();
            }
            case PROBING -> probeOrBind();
            case INFORMING -> {
                if (++attempts >= config.requestAttempts()) {
                    state = State.INIT;
                    Promise<DhcpMessage.Options> p = informed;
                    informed = null;
                    p.fail(new IllegalStateException("DHCP: no answer to " + attempts + " DHCPINFORMs"));
                    return;
                }
                sendInform();
                armBackoff();
            }
            case SELECTING -> {
                sendDiscover();
                armBackoff();
            }
            case REQUESTING -> {
                if (++attempts >= config.requestAttempts()) {
                    LOG.log(System.Logger.Level.INFO, "DHCP: no answer to DHCPREQUEST, starting over");
                    toInit();
                    return;
                }
                sendSelectingRequest();
                armBackoff();
            }
            case RENEWING, REBINDING -> {
                sendRenewal();
                armRenewRetransmit();
            }
            default -> {
            }
        }
    }

    /** T1, T2 or the lease's end, whichever is next for the state. */
    private void leaseTimeReached() {
        long elapsed = shard.nanoTime() - boundAt;
        if (elapsed >= lease.leaseSeconds() * SECOND) {
            expiries.increment();
            DhcpLease old = lease;
            LOG.log(System.Logger.Level.WARNING, "DHCP: lease " + old.prefix() + " expired");
            toInit();
            notifyLost(old, "lease expired");
            return;
        }
        if (elapsed >= lease.rebindingSeconds() * SECOND && state != State.REBINDING) {
            state = State.REBINDING;
        } else if (state == State.BOUND) {
            state = State.RENEWING;
        }
        newExchange();
        sendRenewal();
        armRenewRetransmit();
        armLeaseTimer();
    }

    private void armLeaseTimer() {
        if (lease.infinite()) {
            leaseTimer.cancel();
            return;
        }
        long next = switch (state) {
            case BOUND -> lease.renewalSeconds();
            case RENEWING -> lease.rebindingSeconds();
            default -> lease.leaseSeconds();
        };
        leaseTimer.armAt(boundAt + next * SECOND);
    }

    private void armBackoff() {
        long jitter = config.jitterNanos() > 0 ? random.nextLong(-config.jitterNanos(), config.jitterNanos() + 1) : 0;
        retransmitTimer.arm(Math.max(SECOND / 10, retransmitDelay + jitter));
        retransmitDelay = Math.min(config.maxRetransmitNanos(), retransmitDelay * 2);
    }

    /** RFC 2131 §4.4.5: half the time left until T2 (RENEWING) or the lease's end (REBINDING). */
    private void armRenewRetransmit() {
        long until = boundAt + (state == State.RENEWING ? lease.rebindingSeconds() : lease.leaseSeconds()) * SECOND;
        long half = (until - shard.nanoTime()) / 2;
        retransmitTimer.arm(Math.max(config.minRenewRetransmitNanos(), half));
    }

    // ---- transitions -------------------------------------------------------------------------------

    private void discover() {
        state = State.SELECTING;
        newExchange();
        offer = null;
        sendDiscover();
        armBackoff();
    }

    private void newExchange() {
        xid = random.nextInt();
        exchangeStart = shard.nanoTime();
        retransmitDelay = config.initialRetransmitNanos();
        attempts = 0;
    }

    private void toInit() {
        toInit(0);
    }

    /** Back to INIT, DISCOVERing after {@code delayNanos}. */
    private void toInit(long delayNanos) {
        retransmitTimer.cancel();
        leaseTimer.cancel();
        lease = null;
        offer = null;
        remembered = null;
        if (acked != null) {
            acked = null;
            addressProbe.watch(0);
        }
        state = State.INIT;
        // Start over at once: the wait that desynchronizes clients at boot is not needed again.
        retransmitTimer.arm(delayNanos);
    }

    // ---- receive -------------------------------------------------------------------------------------

    /** A datagram that arrived on port 68 (the UDP payload). Takes ownership; never throws. */
    public void receive(Packet payload) {
        try {
            if (!payload.linearize(payload.length())) {
                drops.count(Drop.TRUNCATED);
                return;
            }
            DhcpMessage.Parsed parsed = DhcpMessage.parse(payload.head(), payload.headOffset(), payload.length());
            if (!parsed.ok()) {
                drops.count(Drop.valueOf(parsed.problem().name()));
                return;
            }
            handle(parsed.message());
        } finally {
            payload.release();
        }
    }

    private void handle(DhcpMessage m) {
        if (m.op() != DhcpMessage.OP_BOOTREPLY || m.xid() != xid || m.chaddr() != mac) {
            drops.count(Drop.NOT_OURS);
            return;
        }
        int type = m.options().messageType();
        switch (state) {
            case SELECTING -> {
                if (type != DhcpMessage.DHCPOFFER) {
                    drops.count(Drop.UNEXPECTED);
                } else if (m.options().serverId() == 0 || m.yiaddr() == 0) {
                    drops.count(Drop.INCOMPLETE);
                } else {
                    // The first acceptable offer (RFC 2131 §4.4.1 lets the client choose; waiting
                    // for more would only delay the stack's start).
                    offer = m;
                    state = State.REQUESTING;
                    retransmitDelay = config.initialRetransmitNanos();
                    attempts = 0;
                    sendSelectingRequest();
                    armBackoff();
                }
            }
            case REQUESTING, RENEWING, REBINDING, REBOOTING -> {
                if (type == DhcpMessage.DHCPACK) {
                    ack(m);
                } else if (type == DhcpMessage.DHCPNAK) {
                    nak(m);
                } else {
                    drops.count(Drop.UNEXPECTED);
                }
            }
            case INFORMING -> {
                if (type != DhcpMessage.DHCPACK) {
                    drops.count(Drop.UNEXPECTED);
                    return;
                }
                retransmitTimer.cancel();
                state = State.INIT;
                Promise<DhcpMessage.Options> p = informed;
                informed = null;
                p.complete(m.options());
            }
            default -> drops.count(Drop.UNEXPECTED);
        }
    }

    private void ack(DhcpMessage m) {
        if (m.yiaddr() == 0 || (m.options().serverId() == 0 && (state == State.REQUESTING || state == State.REBOOTING))) {
            drops.count(Drop.INCOMPLETE);
            return;
        }
        boolean newAddress = lease == null || lease.address() != m.yiaddr();
        if (newAddress && config.probes() > 0) {
            // RFC 2131 §4.4.1: check the address before using it; bind when the probes go unanswered.
            acked = m;
            probesSent = 0;
            leaseTimer.cancel(); // a renewal that brought another address: bind re-arms it
            state = State.PROBING;
            retransmitTimer.cancel();
            addressProbe.watch(m.yiaddr());
            probeOrBind();
            return;
        }
        bind(m);
    }

    /** PROBING: the next probe, or after the last one's wait, the lease. */
    private void probeOrBind() {
        if (probesSent < config.probes()) {
            probesSent++;
            addressProbe.probe(acked.yiaddr());
            retransmitTimer.arm(config.probeIntervalNanos());
            return;
        }
        DhcpMessage m = acked;
        acked = null;
        addressProbe.watch(0);
        bind(m);
    }

    /**
     * Another station uses {@code ip} (it answered or sent an ARP message for it). While that is the
     * address being probed: DHCPDECLINE to the server that offered it, and INIT after
     * {@link Config#declineWaitNanos} (RFC 2131 §3.1.5, §4.4.1). On the client's shard.
     */
    public void addressInUse(int ip, long senderMac) {
        if (state != State.PROBING || acked == null || acked.yiaddr() != ip) {
            return;
        }
        decline(ip, acked.options().serverId(), senderMac, " offered by ");
    }

    /**
     * RFC 5227 §2.4: another station sent an ARP message with the bound address {@code ip} as its
     * sender. The first such conflict is defended with one announcement (policy (b)); a second
     * within DEFEND_INTERVAL (10 s) means the other station insists: the address is given up with
     * a DHCPDECLINE to the server that leased it (the listener is told it is lost) and the client
     * starts over after {@link Config#declineWaitNanos}. On the client's shard.
     */
    public void conflictWhileBound(int ip, long senderMac) {
        if (lease == null || lease.address() != ip || (state != State.BOUND && state != State.RENEWING && state != State.REBINDING)) {
            return;
        }
        long now = shard.nanoTime();
        if (lastDefended == 0 || now - lastDefended >= DEFEND_INTERVAL_NANOS) {
            lastDefended = now;
            defences.increment();
            LOG.log(System.Logger.Level.WARNING, "DHCP: " + Ipv4Address.toString(ip) + " is claimed by "
                    + String.format("%012x", senderMac) + ": defending it (RFC 5227 2.4)");
            addressProbe.defend();
            return;
        }
        lastDefended = 0;
        decline(ip, lease.serverId(), senderMac, " leased from ");
    }

    /** RFC 5227 §1.1: DEFEND_INTERVAL. */
    static final long DEFEND_INTERVAL_NANOS = 10 * SECOND;

    /** DHCPDECLINE of {@code ip} to {@code server}, INIT after the decline wait; a lease held is lost. */
    private void decline(int ip, int server, long senderMac, String from) {
        declines.increment();
        LOG.log(System.Logger.Level.WARNING, "DHCP: " + Ipv4Address.toString(ip) + from
                + Ipv4Address.toString(server) + " is in use by " + String.format("%012x", senderMac) + ": DHCPDECLINE");
        // RFC 2131 Table 5: ciaddr 0, the requested IP and server identifier options, a new xid;
        // broadcast (§4.4.4: the client declines the address it would have sent from).
        xid = random.nextInt();
        send(Ipv4Address.BROADCAST, new DhcpMessage(DhcpMessage.OP_BOOTREQUEST, xid, 0, 0, 0, 0, 0, 0, mac,
                DhcpMessage.Options.ofType(DhcpMessage.DHCPDECLINE).withClientId(clientId).withRequestedIp(ip).withServerId(server)));
        DhcpLease old = lease; // a renewal that moved us to another address: the old one is gone too
        toInit(config.declineWaitNanos());
        if (old != null) {
            notifyLost(old, "DHCPDECLINE: the address is in use by another station");
        }
    }

    private void bind(DhcpMessage m) {
        DhcpLease got = DhcpLease.fromAck(m);
        if (got.serverId() == 0 && lease != null) {
            got = new DhcpLease(got.address(), got.prefixLength(), got.router(), got.interfaceMtu(), got.dnsServers(),
                    lease.serverId(), got.leaseSeconds(), got.renewalSeconds(), got.rebindingSeconds());
        }
        boolean renewed = lease != null && lease.address() == got.address()
                && (state == State.RENEWING || state == State.REBINDING);
        // RFC 2131 §4.4.1: the lease's times run from when the request was sent.
        boundAt = exchangeStart;
        if (!renewed) {
            lastDefended = 0; // a new address: no defence of it yet
        }
        lease = got;
        state = State.BOUND;
        retransmitTimer.cancel();
        armLeaseTimer();
        if (renewed) {
            renewals.increment();
        } else {
            leases.increment();
        }
        LOG.log(System.Logger.Level.INFO, "DHCP: " + (renewed ? "renewed " : "bound to ") + got);
        try {
            listener.bound(got, renewed);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "DHCP listener failed", e);
        }
    }

    private void nak(DhcpMessage m) {
        naks.increment();
        DhcpLease old = lease;
        LOG.log(System.Logger.Level.WARNING, "DHCP: DHCPNAK from " + Ipv4Address.toString(m.options().serverId())
                + (old == null ? "" : " for " + old.prefix()));
        // RFC 2131 §3.1 step 5 / §4.4.2: back to INIT.
        toInit();
        if (old != null) {
            notifyLost(old, "DHCPNAK");
        }
    }

    private void notifyLost(DhcpLease old, String why) {
        try {
            listener.lost(old, why);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "DHCP listener failed", e);
        }
    }

    // ---- send ----------------------------------------------------------------------------------------

    private int secs() {
        return (int) Math.min(0xffff, (shard.nanoTime() - exchangeStart) / SECOND);
    }

    private DhcpMessage.Options requestOptions(int type) {
        return DhcpMessage.Options.ofType(type).withClientId(clientId).withParameterRequestList(PARAMETERS);
    }

    private void sendDiscover() {
        // The broadcast flag: until an address is configured this stack accepts only broadcasts
        // (RFC 2131 §4.1: a client that cannot receive unicast before then SHOULD set it).
        send(Ipv4Address.BROADCAST, new DhcpMessage(DhcpMessage.OP_BOOTREQUEST, xid, secs(), DhcpMessage.FLAG_BROADCAST,
                0, 0, 0, 0, mac, requestOptions(DhcpMessage.DHCPDISCOVER)));
    }

    /** RFC 2131 §4.3.2 "SELECTING": requested IP and server identifier, ciaddr 0, broadcast. */
    private void sendSelectingRequest() {
        send(Ipv4Address.BROADCAST, new DhcpMessage(DhcpMessage.OP_BOOTREQUEST, xid, secs(), DhcpMessage.FLAG_BROADCAST,
                0, 0, 0, 0, mac, requestOptions(DhcpMessage.DHCPREQUEST)
                        .withRequestedIp(offer.yiaddr()).withServerId(offer.options().serverId())));
    }

    /**
     * RFC 2131 §4.4.3 and Table 5: ciaddr is our address; no requested IP, server identifier or
     * lease time; broadcast, since the servers are not known (the reply is unicast to ciaddr).
     */
    private void sendInform() {
        send(Ipv4Address.BROADCAST, new DhcpMessage(DhcpMessage.OP_BOOTREQUEST, xid, secs(), 0, informAddress, 0, 0, 0, mac,
                requestOptions(DhcpMessage.DHCPINFORM)));
    }

    /**
     * RFC 2131 §4.3.2 "INIT-REBOOT": the remembered address as the requested IP, no server
     * identifier, ciaddr 0, broadcast.
     */
    private void sendRebootRequest() {
        send(Ipv4Address.BROADCAST, new DhcpMessage(DhcpMessage.OP_BOOTREQUEST, xid, secs(), DhcpMessage.FLAG_BROADCAST,
                0, 0, 0, 0, mac, requestOptions(DhcpMessage.DHCPREQUEST).withRequestedIp(remembered.address())));
    }

    /**
     * RFC 2131 §4.3.2 "RENEWING" (unicast to the server) and "REBINDING" (broadcast): ciaddr is
     * our address, and neither requested IP nor server identifier may be sent.
     */
    private void sendRenewal() {
        int to = state == State.RENEWING ? lease.serverId() : Ipv4Address.BROADCAST;
        send(to, new DhcpMessage(DhcpMessage.OP_BOOTREQUEST, xid, secs(), 0, lease.address(), 0, 0, 0, mac,
                requestOptions(DhcpMessage.DHCPREQUEST)));
    }

    private void send(int destination, DhcpMessage m) {
        Packet p = shard.packets().allocateWithHeadroom();
        if (p == null) {
            // No buffer now: the retransmission timer tries again.
            return;
        }
        int off = p.extend(m.length());
        if (off < 0) {
            p.release();
            return;
        }
        m.emit(p.fragmentMemory(0), off);
        sent.increment();
        socket.send(destination, DhcpMessage.SERVER_PORT, p);
    }

    // ---- stop ----------------------------------------------------------------------------------------

    /**
     * Stops the client: with a lease, sends a DHCPRELEASE to its server (RFC 2131 §4.4.6) and
     * completes once that has left (the server's link address known) or after {@code lingerNanos};
     * closes the socket. The address is the caller's to stop using.
     */
    public ShardFuture<Void> stop(long lingerNanos) {
        if (state == State.STOPPED) {
            return ShardFuture.done();
        }
        retransmitTimer.cancel();
        leaseTimer.cancel();
        if (acked != null) {
            acked = null;
            addressProbe.watch(0);
        }
        if (informed != null) {
            informed.fail(new IllegalStateException("DHCP client stopped"));
            informed = null;
        }
        DhcpLease held = lease;
        boolean hadLease = held != null && (state == State.BOUND || state == State.RENEWING || state == State.REBINDING);
        state = State.STOPPED;
        if (!hadLease) {
            socket.close();
            return ShardFuture.done();
        }
        xid = random.nextInt();
        exchangeStart = shard.nanoTime();
        DhcpMessage.Options o = DhcpMessage.Options.ofType(DhcpMessage.DHCPRELEASE).withClientId(clientId).withServerId(held.serverId());
        send(held.serverId(), new DhcpMessage(DhcpMessage.OP_BOOTREQUEST, xid, 0, 0, held.address(), 0, 0, 0, mac, o));
        LOG.log(System.Logger.Level.INFO, "DHCP: released " + held.prefix());
        Promise<Void> done = new Promise<>();
        long deadline = shard.nanoTime() + lingerNanos;
        Timer[] poll = new Timer[1];
        poll[0] = shard.timers().newTimer(() -> {
            if (neighbourKnown.test(held.serverId()) || shard.nanoTime() >= deadline) {
                socket.close();
                done.complete(null);
            } else {
                poll[0].arm(SECOND / 50);
            }
        });
        poll[0].arm(SECOND / 50);
        return done;
    }
}
