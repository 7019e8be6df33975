package io.panamax.stack;

import io.panamax.ethernet.Arp;
import io.panamax.ethernet.Ethernet;
import io.panamax.ethernet.EthernetConfig;
import io.panamax.ethernet.FrameTransmitter;
import io.panamax.ip.Icmp;
import io.panamax.ip.IpProtocol;
import io.panamax.ip.Ipv4;
import io.panamax.ip.Ipv4Address;
import io.panamax.ip.Route;
import io.panamax.ip.Udp;
import io.panamax.ip.wire.Ipv6Header;
import io.panamax.nic.MacAddress;
import io.panamax.nic.Nic;
import io.panamax.nic.NicCapabilities;
import io.panamax.nic.NicPoller;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketHandler;
import io.panamax.rss.FlowSteering;
import io.panamax.rss.HardwareRss;
import io.panamax.rss.RedirectionTable;
import io.panamax.rss.LocalPortAllocator;
import io.panamax.rss.PortRange;
import io.panamax.rss.Toeplitz;
import io.panamax.tcp.LocalPortPolicy;
import io.panamax.tcp.Tcp;
import io.panamax.tcp.TcpConfig;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A running network stack: a {@link Nic}, and on every shard of a {@link Reactor} one instance of
 * each layer ({@link ShardStack}).
 *
 * <pre>{@code
 * try (Stack stack = Stack.builder().nic(NicFactory.of(nic)).ipv4("10.7.0.2/24").shards(2).start()) {
 *     stack.onEveryShard(s -> s.udp().bind(7, (sock, ip, port, data) -> sock.send(ip, port, data))).join();
 *     ...
 * }
 * }</pre>
 *
 * <p>Shard {@code i} polls queue {@code i} of the NIC. A shard without a queue of its own (the NIC
 * granted fewer queues than there are shards) hands its frames to the shard that polls queue
 * {@code i % queues}.
 */
public final class Stack implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.panamax.stack");

    private final Reactor reactor;
    private final boolean ownsReactor;
    private final Nic nic;
    /** The address in use on every shard (replaced when a DHCP lease comes or goes). */
    private volatile Route route;
    private final ShardStack[] shards;
    private final NicPoller[] pollers;
    private final Ethernet[] ethernets;
    private final Ipv4[] ipv4s;
    private final io.panamax.ip.Ipv6[] ipv6s;
    private io.panamax.ip.Slaac slaac;
    private final FlowSteering steering;
    private volatile boolean closed;
    private volatile String leaksAtClose;
    private volatile DhcpAddressing dhcp;
    /** Whether the address comes from a DHCP lease ({@link Builder#ipv4Dhcp()}). */
    private boolean addressFromDhcp;
    /** Where the DHCP lease is kept across restarts ({@link Builder#dhcpLeaseFile}), or null. */
    private LeaseFile leaseFile;
    private final Object multicastLock = new Object();
    private long[] pendingMulticast;
    private volatile Nic.MulticastDelivery multicastDelivery;

    private Stack(Reactor reactor, boolean ownsReactor, Nic nic, Route route, FlowSteering steering) {
        this.reactor = reactor;
        this.ownsReactor = ownsReactor;
        this.nic = nic;
        this.route = route;
        this.steering = steering;
        this.shards = new ShardStack[reactor.shardCount()];
        this.pollers = new NicPoller[reactor.shardCount()];
        this.ethernets = new Ethernet[reactor.shardCount()];
        this.ipv4s = new Ipv4[reactor.shardCount()];
        this.ipv6s = new io.panamax.ip.Ipv6[reactor.shardCount()];
    }

    public static Builder builder() {
        return new Builder();
    }

    public Reactor reactor() {
        return reactor;
    }

    public Nic nic() {
        return nic;
    }

    public int shardCount() {
        return shards.length;
    }

    /** The stack's IPv4 address and subnet (0.0.0.0/0 while a DHCP stack has no lease). */
    public Ipv4Address.Prefix address() {
        return route.interfaceAddress();
    }

    /** Shard {@code i}'s IPv6 layer (use it on that shard only), or null without {@link Builder#ipv6}. */
    public io.panamax.ip.Ipv6 ipv6(int i) {
        return ipv6s[i];
    }

    /** The DHCP client (use it on shard 0 only), or null when the address was configured (and {@link #dhcpInform} never called). */
    public io.panamax.ip.dhcp.DhcpClient dhcpClient() {
        return dhcp == null ? null : dhcp.client();
    }

    /**
     * DHCPINFORM (RFC 2131 §3.4, §4.4.3) from a stack whose IPv4 address is static: asks the
     * link's DHCP servers for its other parameters (subnet mask, router, DNS servers, MTU...)
     * without taking a lease. Completes with the options of the first DHCPACK, or fails after the
     * client's retries. The first call binds UDP port 68 and makes a client on shard 0, kept until
     * the stack closes. A stack with {@link Builder#ipv4Dhcp()} has these in its lease instead.
     */
    public CompletableFuture<io.panamax.ip.dhcp.DhcpMessage.Options> dhcpInform() {
        if (addressFromDhcp) {
            throw new IllegalStateException("the address comes from DHCP: its lease has the parameters (dhcpClient().lease())");
        }
        return reactor.submit(0, () -> {
            if (dhcp == null) {
                dhcp = new DhcpAddressing(reactor.shard(0), shards, nic.mtu(), rt -> route = rt);
            }
            return dhcp.inform(shards[0].ethernet().mac(), io.panamax.ip.dhcp.DhcpClient.Config.defaults(), route.localAddress());
        });
    }

    /**
     * The stack's part on shard {@code i}: use it only on that shard (see {@link #onEveryShard},
     * {@link Reactor#submit}).
     */
    public ShardStack shard(int i) {
        return shards[i];
    }

    /** Runs {@code action} with each shard's stack, on that shard; completes when all have run. */
    public CompletableFuture<Void> onEveryShard(Consumer<ShardStack> action) {
        return reactor.onEveryShard(s -> action.accept(shards[s.id()]));
    }

    /** Waits for {@code f} (driving the loops in a manual-mode reactor). */
    public <T> T await(CompletableFuture<T> f, Duration limit) {
        return reactor.await(f, limit);
    }

    private void build(Shard shard, Builder b, Arp[] arps) {
        int id = shard.id();
        int queues = Math.min(nic.queueCount(), shards.length);
        NicCapabilities caps = nic.capabilities();
        FrameTransmitter tx;
        if (id < queues) {
            tx = frame -> pollers[id].send(frame);
        } else {
            int owner = id % queues;
            PacketHandler sendOnOwner = frame -> pollers[owner].send(frame);
            // Lent, not forwarded: the frame carries slices of this shard's TCP send buffers, whose
            // reference counts must stay this shard's; the owner's release sends it back here.
            tx = frame -> frame.lend(shard, owner, sendOnOwner);
        }
        var metrics = shard.metrics();
        Ethernet ethernet = new Ethernet(b.ethernetConfig(nic), tx, metrics);
        ethernets[id] = ethernet;
        FlowSteering mine = shards.length > 1 ? steering.copy() : null;
        if (id < queues) {
            PacketHandler receive = mine == null ? ethernet : new RxSteering(shard, mine, ethernet, ethernets);
            pollers[id] = new NicPoller(nic.queue(id), receive).deviceOffloads(nic.capabilities());
        }
        Arp arp = new Arp(shard, ethernet, route.localAddress(), b.arp, metrics);
        arps[id] = arp;
        ethernet.register(io.panamax.ethernet.wire.EtherType.ARP, arp);
        // TCP sends super-segments only to a device that cuts them and completes their checksums.
        int tsoMax = caps.tso() && caps.txTcpChecksum() ? caps.tsoMaxBytes() : 0;
        Ipv4.Offloads offloads = new Ipv4.Offloads(caps.rxIpChecksum(), caps.txIpChecksum(), caps.txTcpChecksum(),
                caps.txUdpChecksum(), tsoMax);
        Ipv4 ipv4 = new Ipv4(shard, route, EthernetLinks.ipv4(arp), nic.mtu(), offloads, b.ipv4Config, metrics);
        ipv4s[id] = ipv4;
        if (mine != null) {
            ipv4.setReassembledDatagramSteering((datagram, src, dst, protocol, headerLength) ->
                    steerReassembled(shard, mine, datagram, src, dst, protocol, headerLength));
        }
        ethernet.register(io.panamax.ethernet.wire.EtherType.IPV4, ipv4);
        if (b.ipv6Address != null || b.slaacMode != null) {
            ipv6s[id] = new io.panamax.ip.Ipv6(shard, EthernetLinks.ipv6(ethernet), b.ipv6Address, nic.mtu(), io.panamax.ip.Ndp.Config.defaults(),
                    b.ipv6Config, metrics);
            if (nic.ipv6TcpOffloads()) {
                // The same TCP offloads as IPv4's, where the backend takes IPv6 frames with them (TAP).
                ipv6s[id].setTcpOffloads(caps.txTcpChecksum(), tsoMax);
            }
            ethernet.register(io.panamax.ethernet.wire.EtherType.IPV6, ipv6s[id]);
        }
        if (mine != null && ipv6s[id] != null) {
            io.panamax.ip.Ipv6 here = ipv6s[id];
            here.setReassembledDatagramSteering((datagram, protocol, upper) -> steerReassembled6(shard, mine, datagram, protocol, upper));
        }
        Icmp icmp = new Icmp(shard, ipv4, b.ipv4Config, metrics);
        ipv4.register(IpProtocol.ICMP, icmp);
        Udp udp = new Udp(shard, ipv4, icmp, metrics);
        ipv4.register(IpProtocol.UDP, udp);
        if (ipv6s[id] != null) {
            udp.attachIpv6(ipv6s[id]);
            ipv6s[id].register(IpProtocol.UDP, udp);
        }
        LocalPortPolicy ports = mine == null ? LocalPortPolicy.sequential()
                : new RssPortPolicy(new LocalPortAllocator(mine, id,
                        new PortRange(b.tcpConfig.ephemeralPortLow(), b.tcpConfig.ephemeralPortHigh()), System.nanoTime()));
        Tcp tcp = new Tcp(shard, ipv4, b.tcpConfig, ports);
        ipv4.register(IpProtocol.TCP, tcp);
        if (ipv6s[id] != null) {
            // Next header 6: TCP over IPv6 on the same connection tables and listeners (dual-stack).
            tcp.attachIpv6(ipv6s[id]);
            ipv6s[id].register(IpProtocol.TCP, tcp);
        }
        shards[id] = new ShardStack(shard, ethernet, arp, ipv4, icmp, udp, tcp);
    }

    /** A reassembled TCP/UDP datagram goes to the shard its 4-tuple belongs to. */
    private boolean steerReassembled(Shard shard, FlowSteering mine, Packet datagram, int src, int dst, int protocol, int headerLength) {
        if ((protocol != IpProtocol.TCP && protocol != IpProtocol.UDP) || datagram.length() < headerLength + 4) {
            return false;
        }
        int ports = datagram.getI32(headerLength);
        int owner = mine.shardOfIpv4Tcp(src, dst, ports >>> 16, ports & 0xffff);
        if (owner == shard.id()) {
            return false;
        }
        datagram.forward(shard, owner, ipv4s[owner]);
        return true;
    }

    /** A reassembled IPv6 TCP/UDP datagram goes to the shard its 4-tuple belongs to (FrameFlow's rule). */
    private boolean steerReassembled6(Shard shard, FlowSteering mine, Packet datagram, int protocol, int upper) {
        if ((protocol != IpProtocol.TCP && protocol != IpProtocol.UDP) || datagram.length() < upper + 4
                || mine.toeplitz().maxInputBytes() < Toeplitz.IPV6_L4_INPUT_BYTES) {
            return false;
        }
        java.lang.foreign.MemorySegment seg = datagram.head();
        long ip = datagram.headOffset();
        int ports = datagram.getI32(upper);
        int owner = mine.shardOfIpv6Tcp(Ipv6Header.sourceHigh(seg, ip), Ipv6Header.sourceLow(seg, ip),
                Ipv6Header.destinationHigh(seg, ip), Ipv6Header.destinationLow(seg, ip),
                ports >>> 16, ports & 0xffff);
        if (owner == shard.id()) {
            return false;
        }
        datagram.forward(shard, owner, ipv6s[owner]);
        return true;
    }

    /**
     * Programs the NIC's multicast filter with IPv6's groups now (all-nodes, solicited-node), and
     * again whenever shard 0's Ethernet layer joins or leaves one (SLAAC addresses come and go):
     * off the shards, on a virtual thread, the latest set winning.
     */
    private void filterMulticast(Reactor r, long[] initial) {
        applyMulticast(initial);
        r.await(r.submit(0, () -> {
            ethernets[0].setGroupsListener(groups -> {
                synchronized (multicastLock) {
                    pendingMulticast = groups;
                }
                Thread.ofVirtual().name("panamax-multicast-filter").start(() -> {
                    long[] latest;
                    synchronized (multicastLock) {
                        latest = pendingMulticast;
                        pendingMulticast = null;
                        if (latest != null && !closed) {
                            applyMulticast(latest);
                        }
                    }
                });
            });
            return ShardFuture.done();
        }), Duration.ofSeconds(30));
    }

    private void applyMulticast(long[] groups) {
        synchronized (multicastLock) {
            multicastDelivery = nic.setMulticastGroups(groups);
        }
    }

    /** How the NIC delivers the IPv6 multicast groups (null without IPv6, or when promiscuous). */
    public Nic.MulticastDelivery multicastDelivery() {
        return multicastDelivery;
    }

    /** How flows are spread over the shards (and, under hardware RSS, over the NIC's queues). */
    public FlowSteering steering() {
        return steering;
    }

    private void wire(Shard shard, Arp[] arps) {
        ShardStack s = shards[shard.id()];
        s.arp().setPeers(arps);
        if (ipv6s[shard.id()] != null) {
            ipv6s[shard.id()].setPeers(ipv6s);
        }
        if (pollers[shard.id()] != null) {
            shard.addPoller(pollers[shard.id()]);
            // TAP, DPDK net_af_xdp: sleep in ppoll on the queue's descriptor when idle (DPDK's
            // other drivers and the wire have none and keep spinning, then parking). NicPoller.close() undoes it before the NIC closes.
            pollers[shard.id()].waitOnDescriptor();
        }
    }

    /**
     * Stops the stack: every shard releases what its layers hold and stops polling the NIC; the
     * buffer pools are checked for leaks (see {@link #leaksAtClose()}) while the NIC's memory still
     * exists; then the reactor (if the stack made it) and the NIC are closed. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (dhcp != null) {
            try {
                reactor.await(reactor.submit(0, dhcp::stop), Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "releasing the DHCP lease failed", e);
            }
            if (leaseFile != null) {
                leaseFile.close();
            }
        }
        try {
            reactor.await(reactor.onEveryShard(shard -> {
                if (slaac != null && shard.id() == slaac.shardId()) {
                    slaac.stop();
                }
                ShardStack s = shards[shard.id()];
                if (s != null) {
                    s.close();
                }
                if (ipv6s[shard.id()] != null) {
                    ipv6s[shard.id()].clear();
                }
                NicPoller p = pollers[shard.id()];
                if (p != null) {
                    p.flush();
                    shard.removePoller(p);
                    p.close();
                }
            }), Duration.ofSeconds(10));
            leaksAtClose = checkPools();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "stopping the stack's shards failed", e);
            leaksAtClose = "not checked: " + e;
        }
        if (ownsReactor) {
            reactor.stop();
        }
        synchronized (multicastLock) {
            // A multicast filter update in flight ends before the device goes; later ones see closed.
            nic.close();
        }
    }

    /**
     * After {@link #close()}: null when every shard's buffer pool was full again and every packet
     * wrapper returned before the NIC was closed, otherwise what was missing. Tests assert on it.
     */
    public String leaksAtClose() {
        return leaksAtClose;
    }

    /**
     * Closes this stack when the JVM shuts down, then each of {@code alsoClose} in order (the
     * network namespace its TAP device lives in, say): at SIGINT (Ctrl-C) and SIGTERM, at
     * {@link System#exit}, or when the last non-daemon thread ends. A JVM hook, so the process
     * still exits with 128 + the signal; an application that wants to stop otherwise (exit 0, drain
     * connections first) handles the signals itself and calls {@link #close()}. Closing twice is
     * harmless: the hook does nothing if the stack was closed already. Returns this.
     */
    public Stack closeOnShutdown(AutoCloseable... alsoClose) {
        AutoCloseable[] others = alsoClose.clone();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            close();
            for (AutoCloseable c : others) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.WARNING, "closing " + c + " at shutdown failed", e);
                }
            }
        }, "panamax-shutdown"));
        return this;
    }

    /**
     * Waits (up to 5 s) for buffers travelling home between shards; returns what is still out, or null.
     * Each round first flushes the shard's poller: a frame another shard built while closing (the
     * RST of an aborted connection) reaches its queue's shard after that shard stopped polling, and
     * would otherwise wait in the poller's transmit burst forever, holding its buffer.
     */
    private String checkPools() {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            StringBuilder missing = new StringBuilder();
            for (int i = 0; i < shards.length; i++) {
                NicPoller poller = pollers[i];
                String m = reactor.await(reactor.submit(i, () -> {
                    if (poller != null) {
                        poller.flush();
                    }
                    return ShardFuture.succeeded(poolReport(Shard.current()));
                }), Duration.ofSeconds(10));
                if (m != null) {
                    missing.append(missing.isEmpty() ? "" : "; ").append(m);
                }
            }
            if (missing.isEmpty()) {
                return null;
            }
            if (System.nanoTime() > deadline) {
                return missing.toString();
            }
            if (reactor.isManual()) {
                reactor.runUntilIdle();
            } else {
                Thread.onSpinWait();
            }
        }
    }

    private static String poolReport(Shard s) {
        int out = s.buffers().capacity() - s.buffers().available();
        long packets = s.packets().inUse();
        return out == 0 && packets == 0 ? null
                : "shard " + s.id() + ": " + out + " buffer(s), " + packets + " packet(s) not returned";
    }

    /** Builds and starts a {@link Stack}; {@link #nic} and {@link #ipv4} are required. */
    public static final class Builder {
        private NicFactory nicFactory;
        private Ipv4Address.Prefix address;
        private int gateway = Ipv4Address.ANY;
        private Reactor reactor;
        private Reactor.Builder reactorBuilder = Reactor.builder();
        private MacAddress mac;
        private int vlanId = -1;
        private boolean promiscuous;
        private Arp.Config arp = Arp.Config.defaults();
        private Ipv4.Config ipv4Config = Ipv4.Config.defaults();
        private byte[] rssKey;
        private TcpConfig tcpConfig = TcpConfig.defaults();
        private int shards = Runtime.getRuntime().availableProcessors();
        private io.panamax.ip.dhcp.DhcpClient.Config dhcpConfig;
        private Duration dhcpTimeout = Duration.ofSeconds(60);
        private io.panamax.ip.dhcp.DhcpLease dhcpPrevious;
        private java.nio.file.Path dhcpLeaseFile;
        private io.panamax.ip.Ipv6Address.Prefix ipv6Address;
        private io.panamax.ip.Ipv6.Config ipv6Config = io.panamax.ip.Ipv6.Config.defaults();
        private io.panamax.ip.Slaac.Mode slaacMode;
        private byte[] slaacSecret;

        /** The NIC to run on (opened at {@link #start()} with one queue per shard wanted). */
        public Builder nic(NicFactory factory) {
            this.nicFactory = Objects.requireNonNull(factory);
            return this;
        }

        /** The stack's address and subnet, such as {@code 10.7.0.2/24}. */
        public Builder ipv4(String cidr) {
            this.address = Ipv4Address.Prefix.parse(cidr);
            return this;
        }

        /**
         * The address, subnet, default gateway and MTU from a DHCP server (RFC 2131); {@link #start()}
         * returns once the lease's address is in use on every shard.
         */
        public Builder ipv4Dhcp() {
            return ipv4Dhcp(io.panamax.ip.dhcp.DhcpClient.Config.defaults(), Duration.ofSeconds(60));
        }

        /** {@link #ipv4Dhcp()} with the client's timings and how long {@link #start()} waits for a lease. */
        public Builder ipv4Dhcp(io.panamax.ip.dhcp.DhcpClient.Config config, Duration timeout) {
            this.dhcpConfig = Objects.requireNonNull(config);
            this.dhcpTimeout = Objects.requireNonNull(timeout);
            this.address = null;
            return this;
        }

        /**
         * {@link #ipv4Dhcp()} that first asks for the address of {@code previous}, a lease this host
         * held before (RFC 2131 §3.2 INIT-REBOOT): the server ACKs it, or NAKs it and the client
         * starts over from DISCOVER, as it does when no server answers.
         */
        public Builder ipv4Dhcp(io.panamax.ip.dhcp.DhcpLease previous) {
            ipv4Dhcp();
            this.dhcpPrevious = Objects.requireNonNull(previous);
            return this;
        }

        /**
         * With {@link #ipv4Dhcp()}: keeps the lease in {@code file} across restarts. A lease found
         * there at {@link #start()} is asked for first (INIT-REBOOT, as {@link #ipv4Dhcp(io.panamax.ip.dhcp.DhcpLease)});
         * each lease and renewal is written there, and the file is removed when the lease is lost
         * (NAK, expiry, a conflict); it stays after the release at {@link Stack#close()}.
         */
        public Builder dhcpLeaseFile(java.nio.file.Path file) {
            this.dhcpLeaseFile = Objects.requireNonNull(file);
            return this;
        }

        /**
         * IPv6 besides IPv4: a static address with its on-link prefix ({@code fd00:7::2/64}) and the
         * link-local address from the MAC; ICMPv6 echo and neighbour discovery (see {@code Ipv6}).
         * Both pass duplicate address detection (RFC 4862 §5.4, one second) before {@link #start}
         * returns; {@code start} fails when another node holds one.
         */
        public Builder ipv6(String cidr) {
            this.ipv6Address = io.panamax.ip.Ipv6Address.Prefix.parse(cidr);
            return this;
        }

        /** IPv6 reassembly limits and ICMPv6 error rate ({@code Ipv6.Config.defaults()} otherwise). */
        public Builder ipv6Autoconf() {
            return ipv6Autoconf(io.panamax.ip.Slaac.Mode.EUI_64, null);
        }

        /**
         * IPv6 addresses from router advertisements (RFC 4862 SLAAC; with or without {@link #ipv6}):
         * router solicitations at start, the default router, link MTU and on-link prefixes
         * advertised, an address per autonomous /64 prefix after duplicate address detection.
         * {@code Slaac.Mode.STABLE_PRIVACY} makes RFC 7217 identifiers from {@code secret}.
         */
        public Builder ipv6Autoconf(io.panamax.ip.Slaac.Mode mode, byte[] secret) {
            this.slaacMode = Objects.requireNonNull(mode);
            this.slaacSecret = secret == null ? null : secret.clone();
            return this;
        }

        public Builder ipv6Config(io.panamax.ip.Ipv6.Config config) {
            this.ipv6Config = Objects.requireNonNull(config);
            return this;
        }

        /** The default gateway (on the subnet); none by default. */
        public Builder gateway(String ip) {
            this.gateway = Ipv4Address.parse(ip);
            return this;
        }

        /** Number of shards of the reactor the stack makes (ignored with {@link #reactor(Reactor)}). */
        public Builder shards(int n) {
            reactorBuilder.shards(n);
            this.shards = n;
            return this;
        }

        /** Settings of the reactor the stack makes (shards, idle policy, buffers...). */
        public Builder reactorSettings(Consumer<Reactor.Builder> settings) {
            settings.accept(reactorBuilder);
            return this;
        }

        /** Runs on an existing (started) reactor, which the stack then does not stop. */
        public Builder reactor(Reactor r) {
            this.reactor = Objects.requireNonNull(r);
            return this;
        }

        /** The stack's MAC; by default the NIC's. */
        public Builder mac(MacAddress m) {
            this.mac = m;
            return this;
        }

        public Builder vlan(int vlanId) {
            this.vlanId = vlanId;
            return this;
        }

        /** Accept frames for any destination MAC (capture replay). */
        public Builder promiscuous(boolean p) {
            this.promiscuous = p;
            return this;
        }

        /**
         * Replay mode: accept every frame and every IPv4 and IPv6 unicast destination, so that each
         * conversation of a capture reaches the protocol layers as if the stack were its server.
         * Never for a live network.
         */
        public Builder replayMode() {
            this.promiscuous = true;
            this.ipv4Config = ipv4Config.withAcceptAnyDestination(true);
            this.ipv6Config = ipv6Config.withAcceptAnyDestination(true);
            return this;
        }

        public Builder tcp(TcpConfig c) {
            this.tcpConfig = Objects.requireNonNull(c);
            return this;
        }

        public Builder arp(Arp.Config c) {
            this.arp = Objects.requireNonNull(c);
            return this;
        }

        public Builder ipv4Config(Ipv4.Config c) {
            this.ipv4Config = Objects.requireNonNull(c);
            return this;
        }

        /**
         * The RSS key of the stack's hash (and of the NIC's, where the stack programs it); the
         * default is the standard Microsoft key.
         */
        public Builder rssKey(byte[] key) {
            this.rssKey = key.clone();
            return this;
        }

        /**
         * Hardware steering when the NIC has a redirection table and a queue per shard (its key
         * and table are programmed to the stack's), software steering otherwise.
         */
        private FlowSteering steeringFor(Nic nic, int shardCount) {
            Toeplitz hash = rssKey != null ? Toeplitz.of(rssKey) : Toeplitz.microsoft();
            int queues = Math.min(nic.queueCount(), shardCount);
            FlowSteering s = FlowSteering.forDevice(hash, nic.capabilities(), nic.queueCount(), shardCount);
            if (s.mode() == FlowSteering.Mode.HARDWARE && nic.rss().isPresent()) {
                HardwareRss.configure(nic.rss().get(), s);
            } else if (s.mode() == FlowSteering.Mode.HARDWARE) {
                s = FlowSteering.software(hash, RedirectionTable.spreading(RedirectionTable.DEFAULT_SIZE, shardCount), queues);
            }
            return s;
        }

        EthernetConfig ethernetConfig(Nic nic) {
            MacAddress own = mac != null ? mac : nic.mac();
            Set<MacAddress> groups = new java.util.HashSet<>();
            if (ipv6Address != null || slaacMode != null) {
                // All-nodes and the solicited-node groups of our addresses (RFC 4861 §7.2.1).
                for (long m : io.panamax.ip.Ipv6.multicastMacs(own.bits(), ipv6Address)) {
                    groups.add(new MacAddress(m));
                }
            }
            return new EthernetConfig(own, vlanId, groups, promiscuous);
        }

        /** Opens the NIC, builds the layers on every shard and announces the address (gratuitous ARP). */
        public Stack start() throws Exception {
            if (nicFactory == null) {
                throw new IllegalStateException("no NIC: call nic(...)");
            }
            if (dhcpLeaseFile != null && dhcpConfig == null) {
                throw new IllegalStateException("dhcpLeaseFile(...) goes with ipv4Dhcp()");
            }
            if (address == null && dhcpConfig == null) {
                throw new IllegalStateException("no address: call ipv4(\"a.b.c.d/len\") or ipv4Dhcp()");
            }
            Route route = address == null ? DhcpAddressing.UNCONFIGURED : new Route(address, gateway);
            boolean owns = reactor == null;
            // The NIC opens first: a device with its own packet memory (DPDK) supplies the shards'
            // buffer pools, so that what the stack builds goes to the device without a copy.
            Nic nic = nicFactory.open(owns ? shards : reactor.shardCount());
            Reactor r;
            try {
                if (owns) {
                    nic.deviceBufferPools().ifPresent(reactorBuilder::bufferPools);
                    r = reactorBuilder.build().start();
                } else {
                    r = reactor;
                }
            } catch (RuntimeException | Error e) {
                nic.close();
                throw e;
            }
            Stack stack;
            try {
                stack = new Stack(r, owns, nic, route, steeringFor(nic, r.shardCount()));
            } catch (RuntimeException e) {
                nic.close();
                if (owns) {
                    r.stop();
                }
                throw e;
            }
            try {
                Arp[] arps = new Arp[r.shardCount()];
                r.await(r.onEveryShard(s -> stack.build(s, this, arps)), Duration.ofSeconds(30));
                r.await(r.onEveryShard(s -> stack.wire(s, arps)), Duration.ofSeconds(30));
                if ((ipv6Address != null || slaacMode != null) && !promiscuous) {
                    stack.filterMulticast(r, ethernetConfig(nic).multicast().stream().mapToLong(MacAddress::bits).toArray());
                }
                if (ipv6Address != null || slaacMode != null) {
                    r.await(r.submit(0, () -> {
                        stack.slaac = slaacMode != null
                                ? new io.panamax.ip.Slaac(r.shard(0), stack.ipv6s[0], stack.ipv6s, slaacMode, slaacSecret, r.shard(0).metrics())
                                : io.panamax.ip.Slaac.addressesOnly(r.shard(0), stack.ipv6s[0], stack.ipv6s, r.shard(0).metrics());
                        stack.slaac.start();
                        return ShardFuture.done();
                    }), Duration.ofSeconds(30));
                    // RFC 4862 §5.4: the link-local and static addresses are used only after duplicate address detection (1 s).
                    java.util.List<String> duplicates = r.await(stack.slaac.fixedAddressesChecked(), Duration.ofSeconds(30));
                    if (!duplicates.isEmpty()) {
                        throw new IllegalStateException("IPv6 address(es) " + duplicates + " already in use on the link"
                                + " (duplicate address detection, RFC 4862 5.4.5): not started");
                    }
                }
                if (dhcpConfig != null) {
                    stack.addressFromDhcp = true;
                    io.panamax.ip.dhcp.DhcpLease previous = dhcpPrevious;
                    if (dhcpLeaseFile != null) {
                        stack.leaseFile = new LeaseFile(dhcpLeaseFile);
                        if (previous == null) {
                            previous = LeaseFile.read(dhcpLeaseFile);
                        }
                    }
                    io.panamax.ip.dhcp.DhcpLease remembered = previous;
                    stack.dhcp = new DhcpAddressing(r.shard(0), stack.shards, nic.mtu(), rt -> stack.route = rt, stack.leaseFile);
                    long mac = ethernetConfig(nic).mac().bits();
                    r.await(r.submit(0, () -> stack.dhcp.start(mac, dhcpConfig, remembered)), Duration.ofSeconds(30));
                    // Up only once the lease's address is in use on every shard (DhcpAddressing.bound).
                    r.await(stack.dhcp.firstLease(), dhcpTimeout);
                } else {
                    r.await(r.submit(0, () -> {
                        stack.shards[0].arp().announce();
                        return ShardFuture.done();
                    }), Duration.ofSeconds(30));
                }
            } catch (RuntimeException e) {
                stack.close();
                throw e;
            }
            return stack;
        }
    }
}
