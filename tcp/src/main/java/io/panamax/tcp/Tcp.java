package io.panamax.tcp;

import io.panamax.ip.IcmpError;
import io.panamax.ip.IpProtocol;
import io.panamax.ip.Ipv4Address;
import io.panamax.ip.Ipv4Output;
import io.panamax.ip.Ipv6Address;
import io.panamax.ip.Ipv6Output;
import io.panamax.ip.Ipv6TransportHandler;
import io.panamax.ip.TransportHandler;
import io.panamax.ip.wire.Ipv6Header;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.wire.TcpChecksum;
import io.panamax.tcp.wire.TcpHeader;
import io.panamax.tcp.wire.TcpOptions;
import io.panamax.tcp.wire.TcpSegmentRepr;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.util.Objects;
import java.util.function.Consumer;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.CWR;
import static io.panamax.tcp.wire.TcpHeader.ECE;
import static io.panamax.tcp.wire.TcpHeader.FIN;
import static io.panamax.tcp.wire.TcpHeader.RST;
import static io.panamax.tcp.wire.TcpHeader.SYN;

/**
 * TCP on one shard (RFC 9293): the shard's connections and listeners, the
 * {@link TransportHandler} the IPv4 layer delivers protocol 6 to and, once
 * {@link #attachIpv6 attached}, the {@link Ipv6TransportHandler} the IPv6 layer delivers next
 * header 6 to. It parses and validates each segment (header, checksum, options), finds its
 * connection by 4-tuple, and hands it to the connection's state machine ({@link Tcb}); segments
 * for no connection go to a listener or are answered with a RST.
 *
 * <p>Both families run through the same code: a segment and a connection carry a family flag
 * with the addresses in place (IPv4 as ints, IPv6 as two longs each), each family has its own
 * connection table ({@link ConnectionTable}) and its own listener slots, so an IPv4 segment takes
 * the same path, with no allocation, as before IPv6. A listener takes both families unless made
 * for one ({@link #listen(StandardProtocolFamily, int, Consumer)}).
 *
 * <pre>{@code
 * Tcp tcp = new Tcp(shard, ipv4, TcpConfig.defaults());
 * tcp.listen(8080, conn -> conn.read().then(data -> conn.write(data)).then(v -> conn.close()));
 * tcp.connect(Ipv4Address.parse("10.7.0.1"), 80).then(conn -> conn.write("GET / HTTP/1.0\r\n\r\n".getBytes()));
 * }</pre>
 *
 * <p>Every method must be called on the shard. {@link Ipv4Output#send} must not call back into
 * {@link #receive} synchronously; if it does (a loopback), the segment is queued and processed
 * when the current one is done.
 */
public final class Tcp implements TransportHandler, Ipv6TransportHandler {
    private static final System.Logger LOG = System.getLogger("io.panamax.tcp");

    private final Shard shard;
    private final Ipv4Output ip;
    /** The shard's IPv6, or null until {@link #attachIpv6}. */
    private Ipv6Output ip6;
    private final TcpConfig config;
    private final LocalPortPolicy ports;
    private final TcpCounters counters;
    private final ConnectionTable connections = ConnectionTable.ipv4(1024);
    private final ConnectionTable connections6 = ConnectionTable.ipv6(64);
    /** Listeners by port for IPv4 and for IPv6; a dual-stack listener sits in both. */
    private final TcpListener[] listeners = new TcpListener[65536];
    private final TcpListener[] listeners6 = new TcpListener[65536];
    private final Segment segment = new Segment();
    /** The SYN a valid cookie ACK stands for, rebuilt from the cookie (RFC 4987 3.6). */
    private final Segment cookieSyn = new Segment();
    private final SynCookies cookies;
    private final SegmentWriter writer;
    private final IsnGenerator isn;
    private final ChallengeAckLimiter challengeAcks;
    private final LocalPortPolicy.PortUsage portUsage;
    private boolean receiving;
    private final DeferredQueue deferred = new DeferredQueue();
    private boolean shutDown;

    /** TCP on {@code shard} over {@code ip}, choosing local ports in order. */
    public Tcp(Shard shard, Ipv4Output ip, TcpConfig config) {
        this(shard, ip, config, LocalPortPolicy.sequential());
    }

    /** TCP on {@code shard} over {@code ip}, choosing local ports with {@code ports}. */
    public Tcp(Shard shard, Ipv4Output ip, TcpConfig config, LocalPortPolicy ports) {
        this.shard = Objects.requireNonNull(shard);
        this.ip = Objects.requireNonNull(ip);
        this.config = Objects.requireNonNull(config);
        this.ports = Objects.requireNonNull(ports);
        this.counters = new TcpCounters(shard.metrics());
        this.writer = new SegmentWriter(shard.packets(), ip, counters);
        this.isn = new IsnGenerator(config.isnSecretHigh(), config.isnSecretLow());
        this.cookies = new SynCookies(config.isnSecretHigh(), config.isnSecretLow());
        this.challengeAcks = new ChallengeAckLimiter(config.challengeAckPerSecond());
        this.portUsage = new LocalPortPolicy.PortUsage() {
            @Override
            public int ephemeralLow() {
                return config.ephemeralPortLow();
            }

            @Override
            public int ephemeralHigh() {
                return config.ephemeralPortHigh();
            }

            @Override
            public boolean isFree(int localIp, int localPort, int remoteIp, int remotePort) {
                return localPort > 0 && localPort <= 65535 && listeners[localPort] == null
                        && connections.get(localIp, remoteIp, localPort, remotePort) == null;
            }

            @Override
            public boolean isFree6(long localHigh, long localLow, int localPort, long remoteHigh, long remoteLow, int remotePort) {
                return localPort > 0 && localPort <= 65535 && listeners6[localPort] == null
                        && connections6.get6(localHigh, localLow, remoteHigh, remoteLow, localPort, remotePort) == null;
            }
        };
    }

    /**
     * Makes this TCP speak IPv6 too, sending through {@code ip6}; the caller registers it with
     * the IPv6 layer for next header 6 ({@code ipv6.register(IpProtocol.TCP, tcp)}).
     */
    public void attachIpv6(Ipv6Output ip6) {
        this.ip6 = Objects.requireNonNull(ip6);
        writer.ip6 = ip6;
    }

    /** The shard this TCP belongs to. */
    public Shard shard() {
        return shard;
    }

    /** The settings new connections start from. */
    public TcpConfig config() {
        return config;
    }

    /** The shard's TCP counters (shared by every {@code Tcp} on the shard). */
    public TcpCounters counters() {
        return counters;
    }

    /** Connections in the tables (both families), TIME-WAIT included. */
    public int connectionCount() {
        return connections.size() + connections6.size();
    }

    /**
     * The MSS a path allows (RFC 9293 3.7.1; RFC 8200 8.3: the IPv6 MTU less 60): the path MTU
     * (IPv4: never under 552, as Linux's min_pmtu; IPv6: never under its 1280 minimum) less the
     * IP and TCP headers without options.
     */
    int pathMss(boolean ipv6, int remoteIp, long remoteHigh, long remoteLow) {
        if (ipv6) {
            return Math.max(ip6.pathMtu(remoteHigh, remoteLow), Ipv6Header.MIN_MTU) - Tcb.IPV6_TCP_HEADERS;
        }
        return Math.max(ip.mtu(remoteIp), Tcb.MIN_PATH_MTU) - Tcb.IP_TCP_HEADERS;
    }

    private ConnectionTable table(Tcb t) {
        return t.ipv6 ? connections6 : connections;
    }

    Ipv4Output ip() {
        return ip;
    }

    IsnGenerator isn() {
        return isn;
    }

    SegmentWriter writer() {
        return writer;
    }

    ChallengeAckLimiter challengeAcks() {
        return challengeAcks;
    }

    // =====================================================================================
    // Opening connections
    // =====================================================================================

    /**
     * Listens on {@code port} (every local address, IPv4 and IPv6); each connection that
     * completes its handshake is handed to {@code onAccept} on this shard. Accept queue:
     * {@link TcpConfig#backlog()}; SYN queue: {@link TcpConfig#synQueueSize()} (see
     * {@link TcpListener}).
     */
    public TcpListener listen(int port, Consumer<TcpConnection> onAccept) {
        return listen(port, config.backlog(), Objects.requireNonNull(onAccept));
    }

    /**
     * Listens on {@code port} for one family only ({@link StandardProtocolFamily#INET} or
     * {@link StandardProtocolFamily#INET6}, as a socket with {@code IPV6_V6ONLY}); the other
     * family's port stays free for another listener.
     */
    public TcpListener listen(StandardProtocolFamily family, int port, Consumer<TcpConnection> onAccept) {
        return listen(Objects.requireNonNull(family), port, config.backlog(), Objects.requireNonNull(onAccept));
    }

    /**
     * Listens on {@code local}'s port, which must have a wildcard address ({@code 0.0.0.0} or
     * {@code ::}, as {@code new InetSocketAddress(port)} gives): both families, as a Java
     * {@code ServerSocket} bound to either does on a dual-stack host. Binding to one address is
     * not supported (the listener takes every local address); for one family, use
     * {@link #listen(StandardProtocolFamily, int, Consumer)}.
     */
    public TcpListener listen(InetSocketAddress local, Consumer<TcpConnection> onAccept) {
        InetAddress a = local.getAddress();
        if (a == null || !a.isAnyLocalAddress()) {
            throw new IllegalArgumentException("listen on a wildcard address (0.0.0.0 or ::), got " + local);
        }
        return listen(null, local.getPort(), config.backlog(), Objects.requireNonNull(onAccept));
    }

    /** Listens on {@code port}; connections are taken with {@link TcpListener#accept()}. */
    public TcpListener listen(int port) {
        return listen(port, config.backlog(), null);
    }

    /** Listens on {@code port} (both families) with its own accept-queue bound; {@code onAccept} may be null (use accept()). */
    public TcpListener listen(int port, int backlog, Consumer<TcpConnection> onAccept) {
        return listen(null, port, backlog, onAccept);
    }

    /**
     * Listens on {@code port} for {@code family}, or both when it is null, with its own
     * accept-queue bound; {@code onAccept} may be null (use accept()).
     */
    public TcpListener listen(StandardProtocolFamily family, int port, int backlog, Consumer<TcpConnection> onAccept) {
        shard.checkOwner("Tcp.listen");
        if (family != null && family != StandardProtocolFamily.INET && family != StandardProtocolFamily.INET6) {
            throw new IllegalArgumentException("TCP listens on INET or INET6, not " + family);
        }
        boolean v4 = family != StandardProtocolFamily.INET6;
        boolean v6 = family != StandardProtocolFamily.INET;
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, got " + port);
        }
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be positive, got " + backlog);
        }
        if (v4 && listeners[port] != null || v6 && listeners6[port] != null) {
            throw new IllegalStateException("port " + port + " already has a listener on shard " + shard.id()
                    + " (" + (v4 && listeners[port] != null ? listeners[port] : listeners6[port]) + ")");
        }
        TcpListener l = new TcpListener(this, family, port, backlog, onAccept);
        if (v4) {
            listeners[port] = l;
        }
        if (v6) {
            listeners6[port] = l;
        }
        return l;
    }

    void removeListener(TcpListener l) {
        if (listeners[l.port()] == l) {
            listeners[l.port()] = null;
        }
        if (listeners6[l.port()] == l) {
            listeners6[l.port()] = null;
        }
    }

    /**
     * Opens a connection to {@code remoteIp:remotePort} (active OPEN, RFC 9293 3.10.1), from the
     * address {@link Ipv4Output#sourceAddressFor} gives and a port the {@link LocalPortPolicy}
     * chooses. Completes when the handshake does; fails with {@link ConnectionRefusedException},
     * {@link ConnectionTimeoutException}, {@link UnreachableException}, or {@link TcpException}
     * when no local port is free.
     */
    public ShardFuture<TcpConnection> connect(int remoteIp, int remotePort) {
        shard.checkOwner("Tcp.connect");
        int localIp = ip.sourceAddressFor(remoteIp);
        int port = ports.choose(localIp, remoteIp, remotePort, portUsage);
        if (port < 0) {
            counters.failedOpens.increment();
            return ShardFuture.failed(new TcpException("no free local port towards "
                    + Ipv4Address.toString(remoteIp) + ":" + remotePort));
        }
        return open(localIp, remoteIp, remotePort, port);
    }

    /** Opens a connection from a given local port (which must be free towards that peer). */
    public ShardFuture<TcpConnection> connect(int remoteIp, int remotePort, int localPort) {
        shard.checkOwner("Tcp.connect");
        if (remotePort < 1 || remotePort > 65535) {
            throw new IllegalArgumentException("remote port must be 1..65535, got " + remotePort);
        }
        if (shutDown) {
            return ShardFuture.failed(new ConnectionAbortedException("TCP on shard " + shard.id() + " is shut down"));
        }
        int localIp = ip.sourceAddressFor(remoteIp);
        if (!portUsage.isFree(localIp, localPort, remoteIp, remotePort)) {
            counters.failedOpens.increment();
            return ShardFuture.failed(new TcpException("local port " + localPort + " is in use towards "
                    + Ipv4Address.toString(remoteIp) + ":" + remotePort));
        }
        Tcb t = new Tcb(this, localIp, localPort, remoteIp, remotePort, null);
        connections.put(t);
        // A fresh clock read, once a connection: RFC 6528's clock keeps an open, abort and reopen of
        // one 4-tuple inside one turn from repeating its ISN.
        return t.activeOpen(isn.isn(localIp, localPort, remoteIp, remotePort, shard.nanoTime()));
    }

    /**
     * Opens a connection to {@code remote:remotePort}, over IPv4 or IPv6 by the address's family
     * (an IPv4-mapped IPv6 address is an {@link Inet4Address} already, as Java makes it).
     */
    public ShardFuture<TcpConnection> connect(InetAddress remote, int remotePort) {
        if (remote instanceof Inet4Address v4) {
            return connect(Ipv4Address.fromBytes(v4.getAddress()), remotePort);
        }
        long[] a = Ipv6Address.of((Inet6Address) remote);
        return connect6(a[0], a[1], remotePort);
    }

    /**
     * {@link #connect(InetAddress, int)} from a given local port (which must be free towards that
     * peer), over IPv4 or IPv6 by the address's family: a socket bound to a port, then connected.
     */
    public ShardFuture<TcpConnection> connect(InetAddress remote, int remotePort, int localPort) {
        if (remote instanceof Inet4Address v4) {
            return connect(Ipv4Address.fromBytes(v4.getAddress()), remotePort, localPort);
        }
        long[] a = Ipv6Address.of((Inet6Address) remote);
        return connect6(a[0], a[1], remotePort, localPort);
    }

    /** {@link #connect(InetAddress, int)} to a resolved socket address. */
    public ShardFuture<TcpConnection> connect(InetSocketAddress remote) {
        if (remote.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address " + remote + ": the stack does not resolve names");
        }
        return connect(remote.getAddress(), remote.getPort());
    }

    /**
     * Opens a connection over IPv6 to {@code [remoteHigh:remoteLow]:remotePort} (the address as
     * two longs, network order), from the source address {@link Ipv6Output#sourceHighFor} gives
     * and a port the {@link LocalPortPolicy} chooses ({@link LocalPortPolicy#choose6}: on a
     * multi-shard stack, one whose replies the flow steering brings back to this shard).
     * Fails with {@link UnreachableException} when this TCP has no IPv6.
     */
    public ShardFuture<TcpConnection> connect6(long remoteHigh, long remoteLow, int remotePort) {
        String peer = "[" + Ipv6Address.toString(remoteHigh, remoteLow) + "]:" + remotePort;
        ShardFuture<TcpConnection> refused = refuse6(peer, remotePort);
        if (refused != null) {
            return refused;
        }
        long localHigh = ip6.sourceHighFor(remoteHigh);
        long localLow = ip6.sourceLowFor(remoteHigh);
        int port = ports.choose6(localHigh, localLow, remoteHigh, remoteLow, remotePort, portUsage);
        if (port < 0) {
            counters.failedOpens.increment();
            return ShardFuture.failed(new TcpException("no free local port towards " + peer));
        }
        return open6(localHigh, localLow, port, remoteHigh, remoteLow, remotePort, true, peer);
    }

    /**
     * {@link #connect6(long, long, int)} from a given local port (which must be free towards that
     * peer; the flow steering of a multi-shard stack may then bring the replies to another shard,
     * as for {@link #connect(int, int, int)}).
     */
    public ShardFuture<TcpConnection> connect6(long remoteHigh, long remoteLow, int remotePort, int localPort) {
        if (localPort < 1 || localPort > 65535) {
            throw new IllegalArgumentException("local port must be 1..65535, got " + localPort);
        }
        String peer = "[" + Ipv6Address.toString(remoteHigh, remoteLow) + "]:" + remotePort;
        ShardFuture<TcpConnection> refused = refuse6(peer, remotePort);
        if (refused != null) {
            return refused;
        }
        return open6(ip6.sourceHighFor(remoteHigh), ip6.sourceLowFor(remoteHigh), localPort, remoteHigh, remoteLow, remotePort,
                false, peer);
    }

    /**
     * What both IPv6 active opens end with, once the local port is known ({@code fromPolicy}: the
     * {@link LocalPortPolicy} chose it, and hears when it is free again): the port checked free
     * towards that peer, the connection made and its SYN sent.
     */
    private ShardFuture<TcpConnection> open6(long localHigh, long localLow, int localPort, long remoteHigh, long remoteLow,
                                             int remotePort, boolean fromPolicy, String peer) {
        if (!portUsage.isFree6(localHigh, localLow, localPort, remoteHigh, remoteLow, remotePort)) {
            if (fromPolicy) {
                // A policy that keeps its own books can disagree with the table; the table wins.
                ports.release6(localHigh, localLow, localPort, remoteHigh, remoteLow, remotePort);
            }
            counters.failedOpens.increment();
            return ShardFuture.failed(new TcpException("local port " + localPort
                    + (fromPolicy ? " chosen by the port policy" : "") + " is in use towards " + peer));
        }
        Tcb t = new Tcb(this, localHigh, localLow, localPort, remoteHigh, remoteLow, remotePort, null);
        t.portFromPolicy = fromPolicy;
        connections6.put(t);
        // A fresh clock read: see the IPv4 open.
        return t.activeOpen(isn.isn6(localHigh, localLow, localPort, remoteHigh, remoteLow, remotePort, shard.nanoTime()));
    }

    /** What both IPv6 active opens check first: the failed future to answer with, or null to go on. */
    private ShardFuture<TcpConnection> refuse6(String peer, int remotePort) {
        shard.checkOwner("Tcp.connect");
        if (remotePort < 1 || remotePort > 65535) {
            throw new IllegalArgumentException("remote port must be 1..65535, got " + remotePort);
        }
        if (ip6 == null) {
            return ShardFuture.failed(new UnreachableException(peer + " unreachable: this stack has no IPv6 address"));
        }
        if (shutDown) {
            return ShardFuture.failed(new ConnectionAbortedException("TCP on shard " + shard.id() + " is shut down"));
        }
        return null;
    }

    /** An active open on a port the policy chose: the policy hears when the port is free again. */
    private ShardFuture<TcpConnection> open(int localIp, int remoteIp, int remotePort, int localPort) {
        if (shutDown) {
            ports.release(localIp, localPort, remoteIp, remotePort);
            return ShardFuture.failed(new ConnectionAbortedException("TCP on shard " + shard.id() + " is shut down"));
        }
        if (!portUsage.isFree(localIp, localPort, remoteIp, remotePort)) {
            // A policy that keeps its own books can disagree with the table; the table wins.
            ports.release(localIp, localPort, remoteIp, remotePort);
            counters.failedOpens.increment();
            return ShardFuture.failed(new TcpException("local port " + localPort + " chosen by the port policy is in use towards "
                    + Ipv4Address.toString(remoteIp) + ":" + remotePort));
        }
        Tcb t = new Tcb(this, localIp, localPort, remoteIp, remotePort, null);
        t.portFromPolicy = true;
        connections.put(t);
        // A fresh clock read: see the first open above.
        return t.activeOpen(isn.isn(localIp, localPort, remoteIp, remotePort, shard.nanoTime()));
    }

    /** A connection reached CLOSED: it leaves the table (and its listener's backlog). */
    void connectionClosed(Tcb t) {
        table(t).remove(t);
        if (t.listener != null) {
            t.listener.connectionClosed(t);
        }
        if (t.portFromPolicy) {
            if (t.ipv6) {
                ports.release6(t.localHigh, t.localLow, t.localPort, t.remoteHigh, t.remoteLow, t.remotePort);
            } else {
                ports.release(t.localIp, t.localPort, t.remoteIp, t.remotePort);
            }
        }
        counters.closed.increment();
    }

    /**
     * Aborts every connection (RST) and closes every listener: for a stopping stack, so that
     * every buffer goes back to its pool.
     */
    public void shutdown() {
        shard.checkOwner("Tcp.shutdown");
        shutDown = true;
        for (int p = 1; p < listeners.length; p++) {
            if (listeners[p] != null) {
                listeners[p].close();
            }
            if (listeners6[p] != null) {
                listeners6[p].close();
            }
        }
        connections.forEach(Tcb::abort);
        connections6.forEach(Tcb::abort);
    }

    // =====================================================================================
    // Receiving
    // =====================================================================================

    @Override
    public void receive(int srcIp, int dstIp, Packet payload) {
        arrive(false, srcIp, dstIp, 0, 0, payload);
    }

    @Override
    public void receive6(long srcHigh, long srcLow, long dstHigh, long dstLow, Packet payload) {
        arrive(true, srcHigh, srcLow, dstHigh, dstLow, payload);
    }

    /** A segment of either family: IPv4 passes its addresses in {@code a} and {@code b}, IPv6 its four halves. */
    private void arrive(boolean ipv6, long a, long b, long c, long d, Packet payload) {
        if (receiving) {
            deferred.add(ipv6, a, b, c, d, payload);
            return;
        }
        receiving = true;
        try {
            process(ipv6, a, b, c, d, payload);
            while (!deferred.isEmpty()) {
                DeferredQueue q = deferred;
                process(q.ipv6(), q.a(), q.b(), q.c(), q.d(), q.take());
            }
        } finally {
            receiving = false;
        }
    }

    private void process(boolean ipv6, long a, long b, long c, long d, Packet p) {
        counters.segmentsIn.increment();
        Segment seg = segment;
        seg.payload = p;
        seg.ipv6 = ipv6;
        seg.ce = p.hasFlag(Packet.RX_ECN_CE);
        if (ipv6) {
            seg.srcHigh = a;
            seg.srcLow = b;
            seg.dstHigh = c;
            seg.dstLow = d;
            seg.srcIp = 0;
            seg.dstIp = 0;
        } else {
            seg.srcIp = (int) a;
            seg.dstIp = (int) b;
            seg.srcHigh = 0;
            seg.srcLow = 0;
            seg.dstHigh = 0;
            seg.dstLow = 0;
        }
        try {
            DropReason bad = parse(seg);
            if (bad != null) {
                counters.drop(bad);
                return;
            }
            dispatch(seg);
        } finally {
            if (seg.payload != null) {
                seg.payload.release();
                seg.payload = null;
            }
        }
    }

    /** Validates and parses the segment (its addresses set) into {@code seg}; returns why it must be dropped, or null. */
    private DropReason parse(Segment seg) {
        Packet p = seg.payload;
        int len = p.length();
        if (len < TcpHeader.MIN_LENGTH) {
            return DropReason.TOO_SHORT;
        }
        // RFC 1122 4.2.3.10: no segment from or to a broadcast or multicast address (IPv6: or the
        // unspecified address, which no connection can have at either end).
        if (seg.ipv6 ? badAddress6(seg.srcHigh, seg.srcLow) || badAddress6(seg.dstHigh, seg.dstLow)
                : badAddress(seg.srcIp) || badAddress(seg.dstIp)) {
            return DropReason.BAD_ADDRESS;
        }
        if (!p.linearize(TcpHeader.MIN_LENGTH)) {
            return DropReason.NO_BUFFERS;
        }
        int hlen = TcpHeader.headerLength(p.head(), p.headOffset());
        if (hlen > TcpHeader.MIN_LENGTH && hlen <= len && !p.linearize(hlen)) {
            return DropReason.NO_BUFFERS;
        }
        // One pure parse of header and options; the checksum comes between the header's own
        // problems and those of its options and flags, as it did when the steps were apart.
        TcpSegmentRepr.Verdict verdict = seg.parse(p.head(), p.headOffset(), len);
        switch (verdict) {
            case TOO_SHORT -> {
                return DropReason.TOO_SHORT;
            }
            case BAD_HEADER_LENGTH -> {
                return DropReason.BAD_HEADER_LENGTH;
            }
            case ZERO_PORT -> {
                return DropReason.ZERO_PORT;
            }
            default -> {
            }
        }
        if (p.hasFlag(Packet.RX_L4_CHECKSUM_BAD)) {
            return DropReason.BAD_CHECKSUM;
        }
        if (!p.hasFlag(Packet.RX_L4_CHECKSUM_GOOD) && !(seg.ipv6
                ? TcpChecksum.verifies6(seg.srcHigh, seg.srcLow, seg.dstHigh, seg.dstLow, p)
                : TcpChecksum.verifies(seg.srcIp, seg.dstIp, p))) {
            return DropReason.BAD_CHECKSUM;
        }
        switch (verdict) {
            case BAD_OPTIONS -> {
                return DropReason.BAD_OPTIONS;
            }
            case BAD_FLAGS -> {
                return DropReason.BAD_FLAGS;
            }
            default -> {
            }
        }
        p.trimFront(len - seg.payloadLength);
        return null;
    }

    private static boolean badAddress(int a) {
        return a == Ipv4Address.ANY || a == Ipv4Address.BROADCAST || Ipv4Address.isMulticast(a);
    }

    private static boolean badAddress6(long high, long low) {
        return Ipv6Address.isMulticast(high) || Ipv6Address.isUnspecified(high, low);
    }

    /** The listener for a segment's destination port in its family, or null. */
    private TcpListener listenerFor(Segment seg) {
        return (seg.ipv6 ? listeners6 : listeners)[seg.dstPort];
    }

    /** A new connection for the segment's 4-tuple (seen from this side), not yet in a table. */
    private Tcb newConnection(Segment seg, TcpListener l) {
        return seg.ipv6 ? new Tcb(this, seg.dstHigh, seg.dstLow, seg.dstPort, seg.srcHigh, seg.srcLow, seg.srcPort, l)
                : new Tcb(this, seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, l);
    }

    private void dispatch(Segment seg) {
        Tcb t = seg.ipv6 ? connections6.get6(seg.dstHigh, seg.dstLow, seg.srcHigh, seg.srcLow, seg.dstPort, seg.srcPort)
                : connections.get(seg.dstIp, seg.srcIp, seg.dstPort, seg.srcPort);
        if (t != null) {
            if (t.state == TcpState.TIME_WAIT && (seg.flags & (SYN | RST | ACK)) == SYN) {
                // RFC 6191 / RFC 1122 4.2.2.13: a new SYN may reopen a TIME-WAIT 4-tuple.
                if (!t.timeWaitAccepts(seg)) {
                    counters.drop(DropReason.TIME_WAIT_SYN);
                    return;
                }
                int nextIss = t.sndNxt() + 65535 + 2;
                t.closeTimeWait();
                TcpListener l = listenerFor(seg);
                if (l != null) {
                    listenerArrives(l, seg, nextIss);
                } else {
                    noConnection(seg);
                }
                return;
            }
            if (t.state == TcpState.SYN_RECEIVED && t.listener != null && (seg.flags & (SYN | RST | ACK)) == ACK
                    && t.listener.acceptQueueFull()) {
                // The handshake's last ACK while the accept queue is full: drop it, as Linux does
                // (tcp_abort_on_overflow=0); the SYN-ACK is retransmitted and the client's ACK with it.
                counters.drop(DropReason.ACCEPT_QUEUE_FULL);
                return;
            }
            t.segmentArrives(seg);
            return;
        }
        TcpListener l = listenerFor(seg);
        if (l != null) {
            listenerArrives(l, seg, initialSequenceNumber(l, seg));
            return;
        }
        noConnection(seg);
    }

    /**
     * The ISS for a SYN at {@code l}: RFC 6528's, or, while the listener has been answering with
     * cookies (RFC 4987 3.6), the cookie itself. A client whose first SYN got a cookie and whose
     * retransmitted SYN then finds room in the SYN queue may already be ESTABLISHED on the
     * cookie's SYN-ACK; with the same ISS its ACK fits the half-open connection either way
     * (with another ISS it would be answered with a RST).
     */
    private int initialSequenceNumber(TcpListener l, Segment seg) {
        long now = shard.turnNanos();
        if (l.cookiesRecent(now)) {
            int peerMss = seg.options.mss > 0 ? seg.options.mss : Tcb.DEFAULT_MSS;
            return cookie(seg, SynCookies.mssIndex(peerMss), now);
        }
        return seg.ipv6 ? isn.isn6(seg.dstHigh, seg.dstLow, seg.dstPort, seg.srcHigh, seg.srcLow, seg.srcPort, now)
                : isn.isn(seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, now);
    }

    /** The SYN cookie for the SYN {@code seg} (RFC 4987 3.6), over its family's 4-tuple. */
    private int cookie(Segment seg, int mssIndex, long now) {
        return seg.ipv6 ? cookies.cookie6(seg.dstHigh, seg.dstLow, seg.dstPort, seg.srcHigh, seg.srcLow, seg.srcPort, seg.seq, mssIndex, now)
                : cookies.cookie(seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, seg.seq, mssIndex, now);
    }

    /** RFC 9293 3.10.7.2: a segment for a listener. */
    private void listenerArrives(TcpListener l, Segment seg, int iss) {
        if (seg.has(RST)) {
            counters.drop(DropReason.LISTEN_INVALID);
            return;
        }
        if (seg.has(ACK)) {
            if (!seg.has(SYN) && !shutDown && l.cookiesRecent(shard.turnNanos())) {
                cookieAckArrives(l, seg);
                return;
            }
            sendReset(seg, seg.ack, 0, RST);
            counters.drop(DropReason.LISTEN_INVALID);
            return;
        }
        if (!seg.has(SYN)) {
            counters.drop(DropReason.LISTEN_INVALID);
            return;
        }
        if (shutDown) {
            counters.drop(DropReason.LISTEN_OVERFLOW);
            return;
        }
        if (l.acceptQueueFull()) {
            // The application is not accepting: a new handshake would only wait (Linux drops these too).
            counters.drop(DropReason.ACCEPT_QUEUE_FULL);
            return;
        }
        SynCookieMode mode = config.synCookies();
        if (mode == SynCookieMode.ALWAYS || l.synQueueFull()) {
            if (mode == SynCookieMode.OFF) {
                counters.drop(DropReason.LISTEN_OVERFLOW);
            } else {
                sendCookie(l, seg);
            }
            return;
        }
        Tcb t = newConnection(seg, l);
        table(t).put(t);
        l.addPending(t);
        counters.passiveOpens.increment();
        // Data on the SYN is not kept (no TCP Fast Open): it is not acknowledged and comes again.
        t.passiveOpen(seg, iss);
    }

    // =====================================================================================
    // SYN cookies (RFC 4987 3.6)
    // =====================================================================================

    /**
     * Answers a SYN with a SYN-ACK whose ISS is a cookie and keeps nothing: the MSS (rounded down
     * to the cookie's table), and in the TSval's low bits the window scale, SACK-permitted and
     * ECN (RFC 3168 6.1.1: an ECN-setup SYN to a listener with ECN on) the SYN offered. Without
     * timestamps only MSS is offered, since nothing else could be recovered: such a cookie
     * connection is not ECN-capable (Linux's cookie_init_timestamp, likewise).
     */
    private void sendCookie(TcpListener l, Segment seg) {
        long now = shard.turnNanos();
        TcpOptions o = seg.options;
        int peerMss = o.mss > 0 ? o.mss : Tcb.DEFAULT_MSS;
        int iss = cookie(seg, SynCookies.mssIndex(peerMss), now);
        SegmentWriter w = writer;
        replyTo(w, seg);
        w.seq = iss;
        w.ack = seg.seq + 1;
        w.flags = SYN | ACK;
        // What a half-open connection would advertise (Tcb.sendSyn): the window of a SYN is unscaled.
        w.window = Math.min(config.receiveBufferSize(), 65535);
        w.options.mss = Math.min(pathMss(seg.ipv6, seg.srcIp, seg.srcHigh, seg.srcLow), 65535);
        if (config.timestamps() && o.hasTimestamps) {
            boolean wscale = config.windowScaling() && o.windowScale >= 0;
            boolean sack = config.sackPermitted() && o.sackPermitted;
            w.options.windowScale = wscale ? config.windowShift() : -1;
            w.options.sackPermitted = sack;
            w.options.hasTimestamps = true;
            // The connection's own clock (Tcb.tsNow), so that its later TSvals continue from here.
            int tsNow = (int) (now / 1_000_000L) + (seg.ipv6
                    ? isn.timestampOffset6(seg.dstHigh, seg.dstLow, seg.dstPort, seg.srcHigh, seg.srcLow, seg.srcPort)
                    : isn.timestampOffset(seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort));
            // RFC 3168 6.1.1: an ECN-setup SYN has ECE and CWR; the SYN-ACK agrees with ECE alone.
            boolean ecn = config.ecn() && (seg.flags & (ECE | CWR)) == (ECE | CWR);
            if (ecn) {
                w.flags |= ECE;
            }
            w.options.tsVal = SynCookies.timestamp(tsNow, wscale ? o.windowScale : -1, sack, ecn);
            w.options.tsEcr = o.tsVal;
        }
        l.cookieSent(now);
        counters.synCookiesSent.increment();
        w.send();
    }

    /**
     * An ACK for no connection at a listener that sent cookies: if {@code SEG.ACK - 1} is a valid
     * cookie for {@code SEG.SEQ - 1}, the connection is made as if its SYN had been kept, and the
     * ACK (and any data on it) is processed by it; otherwise it is dropped and counted.
     */
    private void cookieAckArrives(TcpListener l, Segment seg) {
        long now = shard.turnNanos();
        int mssIndex = seg.ipv6
                ? cookies.check6(seg.ack - 1, seg.dstHigh, seg.dstLow, seg.dstPort, seg.srcHigh, seg.srcLow, seg.srcPort, seg.seq - 1, now)
                : cookies.check(seg.ack - 1, seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, seg.seq - 1, now);
        TcpOptions o = seg.options;
        int windowScale = -1;
        boolean sack = false;
        boolean ecn = false;
        if (mssIndex >= 0 && o.hasTimestamps) {
            windowScale = SynCookies.windowScale(o.tsEcr);
            sack = SynCookies.sack(o.tsEcr);
            ecn = SynCookies.ecn(o.tsEcr);
            if (windowScale >= 0 && !config.windowScaling() || sack && !config.sackPermitted() || ecn && !config.ecn()) {
                mssIndex = -1;   // an option this stack never offers: not our cookie
            }
        }
        if (mssIndex < 0) {
            // Dropped without a RST, unlike Linux: the cookie only checks on the first segment
            // after the handshake (SEG.SEQ = ISN + 1). When the handshake's ACK and the first data
            // are lost, a later segment of a legitimate connection lands here; a RST would kill
            // it, while silence lets the client retransmit from ISN + 1, whose cookie checks.
            counters.synCookiesFailed.increment();
            counters.drop(DropReason.BAD_SYN_COOKIE);
            return;
        }
        if (l.acceptQueueFull()) {
            counters.drop(DropReason.ACCEPT_QUEUE_FULL);
            return;
        }
        Segment syn = cookieSyn;
        syn.ipv6 = seg.ipv6;
        syn.srcIp = seg.srcIp;
        syn.dstIp = seg.dstIp;
        syn.srcHigh = seg.srcHigh;
        syn.srcLow = seg.srcLow;
        syn.dstHigh = seg.dstHigh;
        syn.dstLow = seg.dstLow;
        syn.srcPort = seg.srcPort;
        syn.dstPort = seg.dstPort;
        syn.seq = seg.seq - 1;
        syn.ack = 0;
        // The SYN was ECN-setup and the cookie's SYN-ACK agreed (RFC 3168 6.1.1): rebuild it so.
        syn.flags = ecn ? SYN | ECE | CWR : SYN;
        syn.window = seg.window;
        syn.payload = null;
        syn.payloadLength = 0;
        TcpOptions so = syn.options;
        so.clear();
        so.mss = SynCookies.MSS_TABLE[mssIndex];
        so.windowScale = windowScale;
        so.sackPermitted = sack;
        // The SYN's TSval is gone; the ACK's is the newest the peer sent (Linux does the same).
        so.hasTimestamps = o.hasTimestamps;
        so.tsVal = o.tsVal;
        Tcb t = newConnection(seg, l);
        table(t).put(t);
        counters.passiveOpens.increment();
        counters.synCookiesValid.increment();
        // SYN-RECEIVED as if the SYN had been kept; the SYN-ACK it would send is the one the
        // cookie already went out in, so it is not sent again.
        writer.replaying = true;
        try {
            t.passiveOpen(syn, seg.ack - 1);
        } finally {
            writer.replaying = false;
        }
        t.segmentArrives(seg);
    }

    /** RFC 9293 3.10.7.1: no connection; answer with a RST unless the segment is one. */
    private void noConnection(Segment seg) {
        counters.drop(DropReason.NO_CONNECTION);
        if (seg.has(RST)) {
            return;
        }
        if (seg.has(ACK)) {
            sendReset(seg, seg.ack, 0, RST);
        } else {
            sendReset(seg, 0, seg.seq + seg.sequenceLength(), RST | ACK);
        }
    }

    /** Addresses {@code w}'s segment back to where {@code seg} came from, from where it went. */
    private static void replyTo(SegmentWriter w, Segment seg) {
        w.ipv6 = seg.ipv6;
        w.srcIp = seg.dstIp;
        w.dstIp = seg.srcIp;
        w.srcHigh = seg.dstHigh;
        w.srcLow = seg.dstLow;
        w.dstHigh = seg.srcHigh;
        w.dstLow = seg.srcLow;
        w.srcPort = seg.dstPort;
        w.dstPort = seg.srcPort;
    }

    /** Sends a RST (with ACK when {@code flags} says) in answer to {@code seg}. */
    private void sendReset(Segment seg, int seq, int ack, int flags) {
        replyTo(writer, seg);
        sendReset(seq, ack, flags);
    }

    /** Sends a RST (with ACK when {@code flags} says) from {@code t}'s local end to its peer. */
    void sendReset(Tcb t, int seq, int ack, int flags) {
        t.address(writer);
        sendReset(seq, ack, flags);
    }

    private void sendReset(int seq, int ack, int flags) {
        SegmentWriter w = writer;
        w.seq = seq;
        w.ack = ack;
        w.flags = flags;
        w.window = 0;
        counters.rstsSent.increment();
        w.send();
    }

    // =====================================================================================
    // ICMP
    // =====================================================================================

    /**
     * An ICMP error about a segment we sent, parsed by IPv4 ({@link IcmpError}): the connection
     * of the quoted 4-tuple hears of it with the quoted sequence number.
     */
    @Override
    public void icmpError(IcmpError error) {
        counters.icmpErrors.increment();
        if (error.protocol != IpProtocol.TCP || !error.hasTransportHeader) {
            return;
        }
        Tcb t = connections.get(error.srcIp, error.dstIp, error.srcPort, error.dstPort);
        if (t != null) {
            t.icmpError(error.type, error.code, (int) error.mtu, error.transportWord);
        }
    }

    /**
     * An ICMPv6 error (RFC 4443) about a segment we sent, parsed by IPv6 (the TCP header found
     * behind a fragment header too, for a segment sent before a packet too big lowered the MSS).
     */
    @Override
    public void icmpv6Error(IcmpError error) {
        counters.icmpErrors.increment();
        if (error.protocol != IpProtocol.TCP || !error.hasTransportHeader) {
            return;
        }
        Tcb t = connections6.get6(error.srcHigh, error.srcLow, error.dstHigh, error.dstLow, error.srcPort, error.dstPort);
        if (t != null) {
            t.icmpv6Error(error.type, error.code, error.mtu, error.transportWord);
        }
    }

    /**
     * Segments that arrived while one was being processed (a synchronous loopback), in order, each
     * with its IP addresses. Package-private: the engine tests' in-memory link queues what it
     * carries in one too.
     */
    static final class DeferredQueue {
        /**
         * Beside each packet: its addresses (IPv4 source and destination in the first two longs,
         * the IPv6 halves in all four), and 1 in the fifth for IPv6.
         */
        private final PacketRing ring = new PacketRing(5);

        boolean isEmpty() {
            return ring.isEmpty();
        }

        int count() {
            return ring.count();
        }

        void add(boolean v6, long a, long b, long c, long d, Packet p) {
            ring.addLast(p);
            ring.setLast(0, a);
            ring.setLast(1, b);
            ring.setLast(2, c);
            ring.setLast(3, d);
            ring.setLast(4, v6 ? 1 : 0);
        }

        boolean ipv6() {
            return ring.first(4) != 0;
        }

        long a() {
            return ring.first(0);
        }

        long b() {
            return ring.first(1);
        }

        long c() {
            return ring.first(2);
        }

        long d() {
            return ring.first(3);
        }

        Packet take() {
            return ring.pollFirst();
        }
    }

    @Override
    public String toString() {
        return "Tcp[shard " + shard.id() + ", " + connectionCount() + " connections]";
    }
}
