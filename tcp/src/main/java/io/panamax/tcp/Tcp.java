package io.panamax.tcp;

import io.panamax.ip.Ipv4Address;
import io.panamax.ip.Ipv4Output;
import io.panamax.ip.TransportHandler;
import io.panamax.reactor.Future;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.wire.TcpChecksum;
import io.panamax.tcp.wire.TcpHeader;
import io.panamax.tcp.wire.TcpOptions;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.function.Consumer;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.FIN;
import static io.panamax.tcp.wire.TcpHeader.RST;
import static io.panamax.tcp.wire.TcpHeader.SYN;

/**
 * TCP on one shard (RFC 9293): the shard's connections and listeners, and the
 * {@link TransportHandler} the IPv4 layer delivers protocol 6 to. It parses and validates each
 * segment (header, checksum, options), finds its connection by 4-tuple, and hands it to the
 * connection's state machine ({@link Tcb}); segments for no connection go to a listener or are
 * answered with a RST.
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
public final class Tcp implements TransportHandler {
    private static final System.Logger LOG = System.getLogger("io.panamax.tcp");

    private final Shard shard;
    private final Ipv4Output ip;
    private final TcpConfig config;
    private final LocalPortPolicy ports;
    private final TcpCounters counters;
    private final ConnectionTable connections = new ConnectionTable(1024);
    private final TcpListener[] listeners = new TcpListener[65536];
    private final Segment segment = new Segment();
    /** The SYN a valid cookie ACK stands for, rebuilt from the cookie (RFC 4987 3.6). */
    private final Segment cookieSyn = new Segment();
    private final SynCookies cookies;
    private final CookieReplayOutput output;
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
        this.output = new CookieReplayOutput(ip);
        this.writer = new SegmentWriter(shard.packets(), output, counters);
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
        };
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

    /** Connections in the table, TIME-WAIT included. */
    public int connectionCount() {
        return connections.size();
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
     * Listens on {@code port} (every local address); each connection that completes its handshake
     * is handed to {@code onAccept} on this shard. Accept queue: {@link TcpConfig#backlog()}; SYN
     * queue: {@link TcpConfig#synQueueSize()} (see {@link TcpListener}).
     */
    public TcpListener listen(int port, Consumer<TcpConnection> onAccept) {
        return listen(port, config.backlog(), Objects.requireNonNull(onAccept));
    }

    /** Listens on {@code port}; connections are taken with {@link TcpListener#accept()}. */
    public TcpListener listen(int port) {
        return listen(port, config.backlog(), null);
    }

    /** Listens on {@code port} with its own accept-queue bound; {@code onAccept} may be null (use accept()). */
    public TcpListener listen(int port, int backlog, Consumer<TcpConnection> onAccept) {
        shard.checkOwner("Tcp.listen");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, got " + port);
        }
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be positive, got " + backlog);
        }
        if (listeners[port] != null) {
            throw new IllegalStateException("port " + port + " already has a listener on shard " + shard.id());
        }
        TcpListener l = new TcpListener(this, port, backlog, onAccept);
        listeners[port] = l;
        return l;
    }

    void removeListener(TcpListener l) {
        if (listeners[l.port()] == l) {
            listeners[l.port()] = null;
        }
    }

    /**
     * Opens a connection to {@code remoteIp:remotePort} (active OPEN, RFC 9293 3.10.1), from the
     * address {@link Ipv4Output#sourceAddressFor} gives and a port the {@link LocalPortPolicy}
     * chooses. Completes when the handshake does; fails with {@link ConnectionRefusedException},
     * {@link ConnectionTimeoutException}, {@link UnreachableException}, or {@link TcpException}
     * when no local port is free.
     */
    public Future<TcpConnection> connect(int remoteIp, int remotePort) {
        shard.checkOwner("Tcp.connect");
        int localIp = ip.sourceAddressFor(remoteIp);
        int port = ports.choose(localIp, remoteIp, remotePort, portUsage);
        if (port < 0) {
            counters.failedOpens.increment();
            return Future.failed(new TcpException("no free local port towards "
                    + Ipv4Address.toString(remoteIp) + ":" + remotePort));
        }
        return open(localIp, remoteIp, remotePort, port);
    }

    /** Opens a connection from a given local port (which must be free towards that peer). */
    public Future<TcpConnection> connect(int remoteIp, int remotePort, int localPort) {
        shard.checkOwner("Tcp.connect");
        if (remotePort < 1 || remotePort > 65535) {
            throw new IllegalArgumentException("remote port must be 1..65535, got " + remotePort);
        }
        if (shutDown) {
            return Future.failed(new ConnectionAbortedException("TCP on shard " + shard.id() + " is shut down"));
        }
        int localIp = ip.sourceAddressFor(remoteIp);
        if (!portUsage.isFree(localIp, localPort, remoteIp, remotePort)) {
            counters.failedOpens.increment();
            return Future.failed(new TcpException("local port " + localPort + " is in use towards "
                    + Ipv4Address.toString(remoteIp) + ":" + remotePort));
        }
        Tcb t = new Tcb(this, localIp, localPort, remoteIp, remotePort, null);
        connections.put(t);
        return t.activeOpen(isn.isn(localIp, localPort, remoteIp, remotePort, shard.nanoTime()));
    }

    /** An active open on a port the policy chose: the policy hears when the port is free again. */
    private Future<TcpConnection> open(int localIp, int remoteIp, int remotePort, int localPort) {
        if (shutDown) {
            ports.release(localIp, localPort, remoteIp, remotePort);
            return Future.failed(new ConnectionAbortedException("TCP on shard " + shard.id() + " is shut down"));
        }
        if (!portUsage.isFree(localIp, localPort, remoteIp, remotePort)) {
            // A policy that keeps its own books can disagree with the table; the table wins.
            ports.release(localIp, localPort, remoteIp, remotePort);
            counters.failedOpens.increment();
            return Future.failed(new TcpException("local port " + localPort + " chosen by the port policy is in use towards "
                    + Ipv4Address.toString(remoteIp) + ":" + remotePort));
        }
        Tcb t = new Tcb(this, localIp, localPort, remoteIp, remotePort, null);
        t.portFromPolicy = true;
        connections.put(t);
        return t.activeOpen(isn.isn(localIp, localPort, remoteIp, remotePort, shard.nanoTime()));
    }

    /** A connection reached CLOSED: it leaves the table (and its listener's backlog). */
    void connectionClosed(Tcb t) {
        connections.remove(t);
        if (t.listener != null) {
            t.listener.connectionClosed(t);
        }
        if (t.portFromPolicy) {
            ports.release(t.localIp, t.localPort, t.remoteIp, t.remotePort);
        }
        counters.closed.increment();
    }

    /**
     * Aborts every connection (RST) and closes every listener: for a stopping stack, so that
     * every buffer goes back to its pool.
     */
    public void shutdown() {
        assert shard.isCurrent();
        shutDown = true;
        for (int p = 1; p < listeners.length; p++) {
            if (listeners[p] != null) {
                listeners[p].close();
            }
        }
        connections.forEach(Tcb::abort);
    }

    // =====================================================================================
    // Receiving
    // =====================================================================================

    @Override
    public void receive(int srcIp, int dstIp, Packet payload) {
        if (receiving) {
            deferred.add(srcIp, dstIp, payload);
            return;
        }
        receiving = true;
        try {
            process(srcIp, dstIp, payload);
            while (!deferred.isEmpty()) {
                int s = deferred.srcIp();
                int d = deferred.dstIp();
                process(s, d, deferred.take());
            }
        } finally {
            receiving = false;
        }
    }

    private void process(int srcIp, int dstIp, Packet p) {
        counters.segmentsIn.increment();
        Segment seg = segment;
        seg.payload = p;
        try {
            DropReason bad = parse(srcIp, dstIp, seg);
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

    /** Validates and parses the segment into {@code seg}; returns why it must be dropped, or null. */
    private DropReason parse(int srcIp, int dstIp, Segment seg) {
        Packet p = seg.payload;
        int len = p.length();
        if (len < TcpHeader.MIN_LENGTH) {
            return DropReason.TOO_SHORT;
        }
        // RFC 1122 4.2.3.10: no segment from or to a broadcast or multicast address.
        if (badAddress(srcIp) || badAddress(dstIp)) {
            return DropReason.BAD_ADDRESS;
        }
        if (!p.linearize(TcpHeader.MIN_LENGTH)) {
            return DropReason.NO_BUFFERS;
        }
        MemorySegment m = p.head();
        long off = p.headOffset();
        TcpHeader.Problem problem = TcpHeader.check(m, off, len);
        if (problem != null) {
            return switch (problem) {
                case TOO_SHORT -> DropReason.TOO_SHORT;
                case DATA_OFFSET_TOO_SMALL, DATA_OFFSET_BEYOND_SEGMENT -> DropReason.BAD_HEADER_LENGTH;
                case ZERO_PORT -> DropReason.ZERO_PORT;
            };
        }
        int hlen = TcpHeader.headerLength(m, off);
        if (hlen > TcpHeader.MIN_LENGTH) {
            if (!p.linearize(hlen)) {
                return DropReason.NO_BUFFERS;
            }
            m = p.head();
            off = p.headOffset();
        }
        if (p.hasFlag(Packet.RX_L4_CHECKSUM_BAD)) {
            return DropReason.BAD_CHECKSUM;
        }
        if (!p.hasFlag(Packet.RX_L4_CHECKSUM_GOOD) && !TcpChecksum.verifies(srcIp, dstIp, p)) {
            return DropReason.BAD_CHECKSUM;
        }
        TcpOptions o = seg.options;
        if (hlen > TcpHeader.MIN_LENGTH) {
            if (o.parse(m, off + TcpHeader.OPTIONS, hlen - TcpHeader.MIN_LENGTH) != null) {
                return DropReason.BAD_OPTIONS;
            }
        } else {
            o.clear();
        }
        int flags = TcpHeader.flags(m, off);
        if ((flags & SYN) != 0 && (flags & (RST | FIN)) != 0) {
            return DropReason.BAD_FLAGS;
        }
        seg.srcIp = srcIp;
        seg.dstIp = dstIp;
        seg.srcPort = TcpHeader.sourcePort(m, off);
        seg.dstPort = TcpHeader.destinationPort(m, off);
        seg.seq = TcpHeader.sequenceNumber(m, off);
        seg.ack = TcpHeader.acknowledgmentNumber(m, off);
        seg.flags = flags;
        seg.window = TcpHeader.window(m, off);
        p.trimFront(hlen);
        seg.payloadLength = len - hlen;
        return null;
    }

    private static boolean badAddress(int a) {
        return a == Ipv4Address.ANY || a == Ipv4Address.BROADCAST || Ipv4Address.isMulticast(a);
    }

    private void dispatch(Segment seg) {
        Tcb t = connections.get(seg.dstIp, seg.srcIp, seg.dstPort, seg.srcPort);
        if (t != null) {
            if (t.state == TcpState.TIME_WAIT && (seg.flags & (SYN | RST | ACK)) == SYN) {
                // RFC 6191 / RFC 1122 4.2.2.13: a new SYN may reopen a TIME-WAIT 4-tuple.
                if (!t.timeWaitAccepts(seg)) {
                    counters.drop(DropReason.TIME_WAIT_SYN);
                    return;
                }
                int nextIss = t.sndNxt() + 65535 + 2;
                t.closeTimeWait();
                TcpListener l = listeners[seg.dstPort];
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
        TcpListener l = listeners[seg.dstPort];
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
        long now = shard.nanoTime();
        if (l.cookiesRecent(now)) {
            int peerMss = seg.options.mss > 0 ? seg.options.mss : Tcb.DEFAULT_MSS;
            return cookies.cookie(seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, seg.seq, SynCookies.mssIndex(peerMss), now);
        }
        return isn.isn(seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, now);
    }

    /** RFC 9293 3.10.7.2: a segment for a listener. */
    private void listenerArrives(TcpListener l, Segment seg, int iss) {
        if (seg.has(RST)) {
            counters.drop(DropReason.LISTEN_INVALID);
            return;
        }
        if (seg.has(ACK)) {
            if (!seg.has(SYN) && !shutDown && l.cookiesRecent(shard.nanoTime())) {
                cookieAckArrives(l, seg);
                return;
            }
            sendReset(seg.srcIp, seg.dstIp, seg.srcPort, seg.dstPort, seg.ack, 0, RST);
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
        Tcb t = new Tcb(this, seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, l);
        connections.put(t);
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
     * to the cookie's table), and in the TSval's low bits the window scale and SACK-permitted the
     * SYN offered. Without timestamps only MSS is offered, since nothing else could be recovered.
     */
    private void sendCookie(TcpListener l, Segment seg) {
        long now = shard.nanoTime();
        TcpOptions o = seg.options;
        int peerMss = o.mss > 0 ? o.mss : Tcb.DEFAULT_MSS;
        int iss = cookies.cookie(seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, seg.seq, SynCookies.mssIndex(peerMss), now);
        SegmentWriter w = writer;
        w.srcIp = seg.dstIp;
        w.dstIp = seg.srcIp;
        w.srcPort = seg.dstPort;
        w.dstPort = seg.srcPort;
        w.seq = iss;
        w.ack = seg.seq + 1;
        w.flags = SYN | ACK;
        // What a half-open connection would advertise (Tcb.sendSyn): the window of a SYN is unscaled.
        w.window = Math.min(config.receiveBufferSize(), 65535);
        w.mss = Math.min(Math.max(ip.mtu(seg.srcIp), Tcb.MIN_PATH_MTU) - Tcb.IP_TCP_HEADERS, 65535);
        if (config.timestamps() && o.hasTimestamps) {
            boolean wscale = config.windowScaling() && o.windowScale >= 0;
            boolean sack = config.sackPermitted() && o.sackPermitted;
            w.windowScale = wscale ? config.windowShift() : -1;
            w.sackPermitted = sack;
            w.timestamps = true;
            // The connection's own clock (Tcb.tsNow), so that its later TSvals continue from here.
            int tsNow = (int) (now / 1_000_000L) + isn.timestampOffset(seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort);
            w.tsVal = SynCookies.timestamp(tsNow, wscale ? o.windowScale : -1, sack, false);
            w.tsEcr = o.tsVal;
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
        long now = shard.nanoTime();
        int mssIndex = cookies.check(seg.ack - 1, seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, seg.seq - 1, now);
        TcpOptions o = seg.options;
        int windowScale = -1;
        boolean sack = false;
        if (mssIndex >= 0 && o.hasTimestamps) {
            windowScale = SynCookies.windowScale(o.tsEcr);
            sack = SynCookies.sack(o.tsEcr);
            if (windowScale >= 0 && !config.windowScaling() || sack && !config.sackPermitted()) {
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
        syn.srcIp = seg.srcIp;
        syn.dstIp = seg.dstIp;
        syn.srcPort = seg.srcPort;
        syn.dstPort = seg.dstPort;
        syn.seq = seg.seq - 1;
        syn.ack = 0;
        syn.flags = SYN;
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
        Tcb t = new Tcb(this, seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, l);
        connections.put(t);
        counters.passiveOpens.increment();
        counters.synCookiesValid.increment();
        // SYN-RECEIVED as if the SYN had been kept; the SYN-ACK it would send is the one the
        // cookie already went out in, so it is not sent again.
        output.replaying = true;
        try {
            t.passiveOpen(syn, seg.ack - 1);
        } finally {
            output.replaying = false;
        }
        t.segmentArrives(seg);
    }

    /**
     * IPv4 output for the segment writer, which swallows what a connection rebuilt from a cookie
     * sends while it replays its SYN-RECEIVED step (the SYN-ACK that already left with the cookie).
     */
    private final class CookieReplayOutput implements Ipv4Output {
        private final Ipv4Output ip;
        boolean replaying;

        CookieReplayOutput(Ipv4Output ip) {
            this.ip = ip;
        }

        @Override
        public boolean send(int srcIp, int dstIp, int protocol, Packet segment, boolean dontFragment) {
            if (replaying) {
                segment.release();
                counters.segmentsOut.add(-1);   // counted once, when the cookie SYN-ACK was sent
                return true;
            }
            return ip.send(srcIp, dstIp, protocol, segment, dontFragment);
        }

        @Override
        public int mtu(int dstIp) {
            return ip.mtu(dstIp);
        }

        @Override
        public int sourceAddressFor(int dstIp) {
            return ip.sourceAddressFor(dstIp);
        }

        @Override
        public boolean txTcpChecksumOffload() {
            return ip.txTcpChecksumOffload();
        }

        @Override
        public boolean txUdpChecksumOffload() {
            return ip.txUdpChecksumOffload();
        }

        @Override
        public int txTcpSegmentationMax() {
            return ip.txTcpSegmentationMax();
        }
    }

    /** RFC 9293 3.10.7.1: no connection; answer with a RST unless the segment is one. */
    private void noConnection(Segment seg) {
        counters.drop(DropReason.NO_CONNECTION);
        if (seg.has(RST)) {
            return;
        }
        if (seg.has(ACK)) {
            sendReset(seg.srcIp, seg.dstIp, seg.srcPort, seg.dstPort, seg.ack, 0, RST);
        } else {
            sendReset(seg.srcIp, seg.dstIp, seg.srcPort, seg.dstPort, 0, seg.seq + seg.sequenceLength(), RST | ACK);
        }
    }

    /** Sends a RST (with ACK when {@code flags} says) to {@code remoteIp:remotePort}. */
    void sendReset(int remoteIp, int localIp, int remotePort, int localPort, int seq, int ack, int flags) {
        SegmentWriter w = writer;
        w.srcIp = localIp;
        w.dstIp = remoteIp;
        w.srcPort = localPort;
        w.dstPort = remotePort;
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

    @Override
    public void icmpError(int type, int code, int nextHopMtu, int reporterIp, Packet quoted) {
        counters.icmpErrors.increment();
        if (quoted.length() < 20) {
            return;
        }
        int ihl = (quoted.getU8(0) & 0x0f) * 4;
        if (ihl < 20 || quoted.length() < ihl + 8 || quoted.getU8(9) != io.panamax.ip.IpProtocol.TCP) {
            return;
        }
        int src = quoted.getI32(12);
        int dst = quoted.getI32(16);
        int srcPort = quoted.getU16(ihl);
        int dstPort = quoted.getU16(ihl + 2);
        int seq = quoted.getI32(ihl + 4);
        Tcb t = connections.get(src, dst, srcPort, dstPort);
        if (t != null) {
            t.icmpError(type, code, nextHopMtu, seq);
        }
    }

    /** Segments that arrived while one was being processed (a synchronous loopback), in order. */
    private static final class DeferredQueue {
        private int[] src = new int[8];
        private int[] dst = new int[8];
        private Packet[] packets = new Packet[8];
        private int head;
        private int count;

        boolean isEmpty() {
            return count == 0;
        }

        void add(int s, int d, Packet p) {
            if (count == packets.length) {
                int n = packets.length * 2;
                int[] ns = new int[n];
                int[] nd = new int[n];
                Packet[] np = new Packet[n];
                for (int i = 0; i < count; i++) {
                    int k = (head + i) % packets.length;
                    ns[i] = src[k];
                    nd[i] = dst[k];
                    np[i] = packets[k];
                }
                src = ns;
                dst = nd;
                packets = np;
                head = 0;
            }
            int k = (head + count) % packets.length;
            src[k] = s;
            dst[k] = d;
            packets[k] = p;
            count++;
        }

        int srcIp() {
            return src[head];
        }

        int dstIp() {
            return dst[head];
        }

        Packet take() {
            Packet p = packets[head];
            packets[head] = null;
            head = (head + 1) % packets.length;
            count--;
            return p;
        }
    }

    @Override
    public String toString() {
        return "Tcp[shard " + shard.id() + ", " + connections.size() + " connections]";
    }
}
