package io.panamax.tls;

import io.panamax.reactor.Completion;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Shard;
import io.panamax.reactor.ShardFuture;
import io.panamax.tcp.ConnectionAbortedException;
import io.panamax.tcp.StreamConnection;
import io.panamax.tcp.TcpConnection;
import io.panamax.tls.wire.ClientHello;
import io.panamax.tls.wire.ClientHelloParser;
import io.panamax.tls.wire.TlsRecordHeader;

import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A TLS connection (RFC 8446, RFC 5246) over a {@link TcpConnection}, driven by the JDK's
 * {@link SSLEngine}: a {@link StreamConnection} like the TCP connection under it, so an
 * application switches to TLS by wrapping its connections and nothing else. Reads return
 * decrypted bytes (an empty packet at the end of the stream, once the peer's close_notify has
 * arrived); writes take plaintext and apply the TCP connection's back-pressure.
 *
 * <p>Parts, along the protocol's seams: this class is the connection (the
 * {@link StreamConnection} API, the read path and the loop that drives the engine), and wires
 * together the {@link TlsHandshake} (the handshake driver: timeout, delegated tasks, the server's
 * look at the ClientHello), the {@link TlsRecordLayer} (the records: TCP reads and writes, header
 * checks, decryption and encryption), the {@link TlsWriter} (the write path and the writes that
 * wait for the handshake), the {@link TlsClosing} (close_notify, half-close, close, abort, and how
 * a failed connection ends) and the {@link TlsFailures} (each failure counted under its reason).
 *
 * <p>Everything happens on the TCP connection's shard, except the engine's delegated tasks (the
 * handshake's public-key crypto), which run on {@link TlsConfig#delegatedTasks()} and resume the
 * connection on its shard with {@link Shard#execute(Runnable)}.
 *
 * <p>Closing (RFC 8446 §6.1, RFC 5246 §7.2.1): {@link #shutdownOutput()} sends close_notify, then
 * the TCP FIN; reading goes on (a TLS 1.3 half-close; a TLS 1.2 peer answers with its own
 * close_notify). {@link #close()} also waits for the peer's close_notify (up to
 * {@link TlsConfig#closeTimeout()}) so that no unread byte turns the TCP close into a reset. A
 * TCP end of stream without close_notify fails the read with {@link TlsTruncationException}.
 *
 * <p>Records are checked with {@link TlsRecordHeader} before the engine sees them; a server reads
 * the ClientHello itself ({@link ClientHelloParser}) to refuse downgrades marked with
 * TLS_FALLBACK_SCSV (RFC 7507), which the JDK does not check. Every failure is counted on the
 * shard ({@link TlsCounters}) under a reason ({@link TlsFailures}), and ends this connection only.
 *
 * <p>Buffers: a received record is copied out of the packet fragments it arrived in into the
 * shard's scratch array, decrypted there in place, and the engine copies the plaintext into fresh
 * packet buffers, which {@link #read()} hands over as they are. Plaintext written is read by the
 * engine straight from the written packet's buffers (no view object per record: see
 * {@link ByteBufferViews}), encrypted in the scratch array and copied once into packet buffers
 * that TCP then sends without copying. Why an array and not off-heap memory: {@link TlsShard}.
 *
 * <p>Heap: reads and completion writes ({@link #write(ReadBuffer, Completion)}, what
 * {@link #writeLoop} uses) allocate nothing in this layer, whether they complete at once or wait
 * for the TCP send buffer (the engine's own allocation per record is the JDK's); the future form
 * of a write allocates a promise only when it waits.
 */
public final class TlsConnection implements StreamConnection {
    private final TcpConnection tcp;
    final SSLEngine engine;
    private final Shard shard;
    private final TlsCounters counters;
    private final boolean client;
    private final String serverName;
    final TlsHandshake handshake;
    final TlsRecordLayer records;
    final TlsWriter writer;
    final TlsClosing closing;
    final TlsFailures failures;

    // ---- inbound ----
    private Completion<? super ReadBuffer> pendingRead;
    private boolean syncRead;
    private boolean closeNotifyReceived;
    private boolean readClosed;

    // ---- the engine loop ----
    private boolean pumping;
    private boolean pumpAgain;

    /** The shard's intrusive list of live connections ({@link TlsShard}). */
    TlsConnection nextLive;
    TlsConnection prevLive;

    private TlsConnection(TcpConnection tcp, TlsContext context, SSLEngine engine, boolean client, String serverName) {
        this.tcp = tcp;
        this.shard = tcp.shard();
        shard.checkOwner(client ? "TlsConnection.client" : "TlsConnection.server"); // with or without -ea
        TlsShard res = context.shard(shard);
        this.counters = res.counters;
        this.engine = engine;
        this.client = client;
        this.serverName = serverName;
        this.handshake = new TlsHandshake(this, engine, res, client);
        this.records = new TlsRecordLayer(this, tcp, engine, res);
        this.writer = new TlsWriter(this, shard);
        this.closing = new TlsClosing(this, tcp, res);
        this.failures = new TlsFailures(this, res.counters);
        res.add(this);
    }

    /**
     * Starts the server side of a handshake on {@code tcp} (call on its shard). The connection
     * is usable at once: writes wait for the handshake; {@link #handshake()} completes when it
     * is done.
     */
    public static TlsConnection server(TcpConnection tcp, TlsContext context) {
        TlsConnection c = new TlsConnection(tcp, context, context.newServerEngine(), false, null);
        c.start();
        return c;
    }

    /**
     * Starts the client side of a handshake on {@code tcp} (call on its shard). {@code serverName}
     * is sent as SNI and, with hostname verification on, must be in the server's certificate;
     * null sends no SNI and checks the certificate against the peer's IP address.
     */
    public static TlsConnection client(TcpConnection tcp, TlsContext context, String serverName) {
        // The peer's address as text (IPv4 or IPv6): the engine's session cache key, and what the
        // certificate is checked against when no server name is given.
        String address = tcp.remoteAddress().getAddress().getHostAddress();
        TlsConnection c = new TlsConnection(tcp, context,
                context.newClientEngine(serverName, address, tcp.remotePort()), true, serverName);
        c.start();
        return c;
    }

    private void start() {
        if (handshake.start()) {
            pump();
        }
    }

    // =====================================================================================
    // Information
    // =====================================================================================

    /**
     * Completes with this connection when the handshake has finished; fails with a
     * {@link TlsHandshakeException} (or the TCP exception that ended it). Takes one continuation
     * while pending, as every future.
     */
    public ShardFuture<TlsConnection> handshake() {
        return handshake.future();
    }

    public boolean isHandshakeDone() {
        return handshake.isDone();
    }

    @Override
    public InetSocketAddress localAddress() {
        return tcp.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return tcp.remoteAddress();
    }

    /** The TCP connection under this one (addresses, statistics, options). */
    public TcpConnection tcp() {
        return tcp;
    }

    @Override
    public Shard shard() {
        return shard;
    }

    public boolean isClient() {
        return client;
    }

    /** The engine's session: protocol, cipher suite, certificates (complete once the handshake is). */
    public SSLSession session() {
        return engine.getSession();
    }

    /** The negotiated version ("TLSv1.3", "TLSv1.2"), or null before the handshake finished. */
    public String protocol() {
        return handshake.isDone() ? engine.getSession().getProtocol() : null;
    }

    /** The negotiated cipher suite, or null before the handshake finished. */
    public String cipherSuite() {
        return handshake.isDone() ? engine.getSession().getCipherSuite() : null;
    }

    /** The ALPN protocol both sides agreed on (RFC 7301), or null if none was negotiated. */
    public String applicationProtocol() {
        String p = engine.getApplicationProtocol();
        return p == null || p.isEmpty() ? null : p;
    }

    /**
     * The SNI host name: for a client the one it sent, for a server the one the client asked for
     * (null if the client sent none).
     */
    public String serverName() {
        if (client) {
            return serverName;
        }
        ClientHello hello = handshake.hello();
        if (hello != null && !hello.serverNames().isEmpty()) {
            return hello.serverNames().getFirst();
        }
        return SniKeyManager.requestedHostName(engine.getSession());
    }

    /** The peer's certificate chain, leaf first; empty if it presented none. */
    public List<X509Certificate> peerCertificates() {
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : engine.getSession().getPeerCertificates()) {
                out.add((X509Certificate) c);
            }
            return out;
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
    }

    /** The certificate this side presented, or null. */
    public X509Certificate localCertificate() {
        Certificate[] c = engine.getSession().getLocalCertificates();
        return c == null || c.length == 0 ? null : (X509Certificate) c[0];
    }
    /** The failure that ended this connection, or null. */
    public Throwable failure() {
        return closing.failure();
    }

    @Override
    public String toString() {
        return "TlsConnection[" + (client ? "client to " : "server for ") + peer()
                + (handshake.isDone() ? ", " + protocol() : ", handshaking") + (closing.failure() != null ? ", failed" : "") + "]";
    }

    /** The peer for messages: "10.7.0.1:443", or the IPv6 address and port. */
    String peer() {
        return tcp.remoteAddress().getAddress().getHostAddress() + ":" + tcp.remotePort();
    }

    // =====================================================================================
    // StreamConnection
    // =====================================================================================

    /** The read itself: completes {@code into} now, or keeps it until plaintext, the end or a failure. */
    @Override
    public void read(Completion<? super ReadBuffer> into) {
        shard.checkOwner("TlsConnection.read");
        if (pendingRead != null) {
            throw new IllegalStateException("a read is already pending on " + this);
        }
        if (readClosed) {
            into.fail(new ConnectionAbortedException("read after close on " + this));
            return;
        }
        if (!records.hasPlaintext() && closing.failure() == null && !closeNotifyReceived) {
            // Whole records may be buffered already: decrypt them now and answer at once.
            syncRead = true;
            try {
                pump();
            } finally {
                syncRead = false;
            }
        }
        if (records.hasPlaintext()) {
            into.complete(records.takePlaintext());
        } else if (closing.failure() != null) {
            into.fail(closing.failure());
        } else if (closeNotifyReceived) {
            into.complete(shard.packets().allocate());
        } else {
            pendingRead = into;
            pump();
        }
    }

    /**
     * The write itself: encrypts {@code buffer} into records for TCP now, or queues it behind the
     * handshake (or a delegated task), and completes {@code into} when TCP has taken its last
     * record. Allocates nothing, waiting or not.
     */
    @Override
    public void write(ReadBuffer buffer, Completion<? super Void> into) {
        shard.checkOwner("TlsConnection.write");
        writer.write(buffer, into);
    }

    /**
     * The future form: answers a write TCP took at once with the shared done future, and costs a
     * promise only when the write waits.
     */
    @Override
    public ShardFuture<Void> write(ReadBuffer buffer) {
        return writer.write(buffer);
    }

    @Override
    public ShardFuture<Void> shutdownOutput() {
        shard.checkOwner("TlsConnection.shutdownOutput");
        return closing.shutdownOutput();
    }

    @Override
    public ShardFuture<Void> close() {
        shard.checkOwner("TlsConnection.close");
        return closing.close();
    }

    @Override
    public void abort() {
        shard.checkOwner("TlsConnection.abort");
        closing.abortWith(new ConnectionAbortedException("connection aborted"));
    }

    // =====================================================================================
    // The engine loop
    // =====================================================================================

    /** Input, a delegated task's end or free buffers: go on with whatever can be done now. */
    void resume() {
        pump();
    }

    /** Does whatever can be done now; re-entrant calls (a future resolved inline) only ask for another round. */
    private void pump() {
        if (pumping) {
            pumpAgain = true;
            return;
        }
        pumping = true;
        records.hold();
        try {
            do {
                pumpAgain = false;
                step();
            } while (pumpAgain);
        } finally {
            pumping = false;
            records.release();
        }
    }

    private void step() {
        while (true) {
            if (closing.isFinished()) {
                return;
            }
            if (closing.failure() != null) {
                if (closing.isDiscarding()) {
                    closing.discardInput();
                }
                break;
            }
            if (handshake.tasksRunning()) {
                break;
            }
            if (closing.isDraining() && closing.isOutboundClosed() && closeNotifyReceived) {
                closing.finishTcp();
                return;
            }
            HandshakeStatus hs = engine.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                if (handshake.runDelegatedTasks()) {
                    continue;
                }
                break;
            }
            if (hs == HandshakeStatus.NEED_WRAP) {
                if (records.wrapControl(handshake)) {
                    continue;
                }
                break;
            }
            if (!handshake.isDone() && hs == HandshakeStatus.NOT_HANDSHAKING) {
                handshake.finished();
            }
            if (handshake.isDone() && writer.hasQueued()) {
                writer.flushQueued();
                if (closing.failure() != null || handshake.tasksRunning()) {
                    continue;
                }
            }
            boolean wantPlaintext = pendingRead != null || syncRead;
            boolean wantRecords = !closeNotifyReceived && (!handshake.isDone() || closing.isDraining()
                    || wantPlaintext && records.plaintextLength() < TlsRecordLayer.READ_BATCH);
            if (!wantRecords) {
                break;
            }
            TlsRecordLayer.Step s = records.unwrapOne(handshake);
            if (s == TlsRecordLayer.Step.PROGRESS) {
                continue;
            }
            if (s == TlsRecordLayer.Step.STOP) {
                break;
            }
            boolean needTcp = !handshake.isDone() || closing.isDraining() || wantPlaintext && !records.hasPlaintext();
            if (!needTcp) {
                break;
            }
            if (records.tcpEof()) {
                if (closing.isDraining()) {
                    if (closing.isOutboundClosed()) {
                        closing.finishTcp(); // a peer that answers our close_notify with a bare FIN is tolerated
                        return;
                    }
                    break; // our close_notify waits in the queue
                }
                failures.endOfStream();
                continue;
            }
            records.requestTcpRead();
            break;
        }
        deliverRead();
    }

    /** From {@link TlsClosing}, after a graceful failure: drop input now, or in the loop's next round. */
    void discardInputSoon() {
        if (pumping) {
            pumpAgain = true;
        } else {
            closing.discardInput();
        }
    }

    // =====================================================================================
    // The read path
    // =====================================================================================

    /** Input arriving now is dropped: after a failure, the end, or the peer's close_notify. */
    boolean ignoresInput() {
        return closing.hasEnded() || closeNotifyReceived;
    }

    void closeNotifyArrived() {
        if (!closeNotifyReceived) {
            closeNotifyReceived = true;
            counters.closeNotifyReceived.increment();
        }
        records.dropCiphertext(); // RFC 8446 §6.1: whatever follows a closure alert is ignored
    }

    private void deliverRead() {
        Completion<? super ReadBuffer> r = pendingRead;
        if (r == null) {
            return;
        }
        if (records.hasPlaintext()) {
            pendingRead = null;
            r.complete(records.takePlaintext());
        } else if (closing.failure() != null) {
            pendingRead = null;
            r.fail(closing.failure());
        } else if (closeNotifyReceived) {
            pendingRead = null;
            r.complete(shard.packets().allocate());
        }
    }

    /** close() was called: reads fail from now on, and a read that waits fails now. */
    void closeReads() {
        readClosed = true;
        failPendingRead(new ConnectionAbortedException("connection closed while reading"));
    }

    void failPendingRead(Throwable cause) {
        Completion<? super ReadBuffer> r = pendingRead;
        if (r != null) {
            pendingRead = null;
            r.fail(cause);
        }
    }
}
