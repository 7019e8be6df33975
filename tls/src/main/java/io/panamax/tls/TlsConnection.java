package io.panamax.tls;

import io.panamax.ip.Ipv4Address;
import io.panamax.reactor.Completion;
import io.panamax.reactor.Promise;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Shard;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Timer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.ConnectionAbortedException;
import io.panamax.tcp.StreamConnection;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpException;
import io.panamax.tls.wire.ClientHello;
import io.panamax.tls.wire.ClientHelloParser;
import io.panamax.tls.wire.TlsAlert;
import io.panamax.tls.wire.TlsRecordHeader;

import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A TLS connection (RFC 8446, RFC 5246) over a {@link TcpConnection}, driven by the JDK's
 * {@link SSLEngine}: a {@link StreamConnection} like the TCP connection under it, so an
 * application switches to TLS by wrapping its connections and nothing else. Reads return
 * decrypted bytes (an empty packet at the end of the stream, once the peer's close_notify has
 * arrived); writes take plaintext and apply the TCP connection's back-pressure.
 *
 * <p>Three parts, along the protocol's seams: this class is the connection (the
 * {@link StreamConnection} API, the loop that drives the engine, closing and failure), the
 * {@link TlsHandshake} the handshake driver (timeout, delegated tasks, the server's look at the
 * ClientHello), the {@link TlsRecordLayer} the records (TCP reads and writes, header checks,
 * decryption and encryption).
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
 * shard ({@link TlsCounters}) under a reason, and ends this connection only.
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
    private static final System.Logger LOG = System.getLogger("io.panamax.tls");

    /** How a failed connection takes its TCP connection down. */
    private enum Teardown {
        /** Send what the engine has for the peer (its alert), FIN, drop input until the peer's FIN. */
        GRACEFUL,
        /** Reset at once. */
        RESET,
        /** TCP has failed already: just close it. */
        TCP_GONE
    }

    /** In the queue of writes that wait, the place of a shutdownOutput. */
    private static final Object SHUTDOWN = new Object();

    private final TcpConnection tcp;
    private final SSLEngine engine;
    private final TlsShard res;
    private final TlsCounters counters;
    private final Shard shard;
    private final boolean client;
    private final String serverName;
    private final TlsHandshake handshake;
    private final TlsRecordLayer records;
    private Timer closeTimer;

    // ---- inbound ----
    private Completion<? super ReadBuffer> pendingRead;
    private boolean syncRead;
    private boolean closeNotifyReceived;
    private boolean readClosed;
    /** close() was called: reading on until the peer's close_notify or FIN, then the TCP close. */
    private boolean draining;
    /** Failed: dropping input until the peer's FIN, then the TCP close. */
    private boolean discarding;

    // ---- outbound ----
    /**
     * Writes (and a shutdown) waiting for the handshake or a delegated task, in order: a packet
     * (or {@link #SHUTDOWN}) in {@link #blockedData}, its completion at the same place in
     * {@link #blockedDone}. Two deques rather than a pair object, so that waiting costs nothing.
     */
    private ArrayDeque<Object> blockedData;
    private ArrayDeque<Completion<? super Void>> blockedDone;
    /** The completion the future form of {@link #write(ReadBuffer)} passes, reused until a write waits. */
    private WriteProbe probe;
    private boolean outboundClosed;
    private ShardFuture<Void> shutdownFuture;
    private Promise<Void> outputDone;
    private boolean tcpShutdownCalled;
    private boolean finAcked;
    private Throwable finError;
    private Promise<Void> closePromise;

    private Throwable failure;
    /** TCP has been closed or aborted and every buffer given back. */
    private boolean finished;
    private boolean pumping;
    private boolean pumpAgain;

    /** The shard's intrusive list of live connections ({@link TlsShard}). */
    TlsConnection nextLive;
    TlsConnection prevLive;

    private TlsConnection(TcpConnection tcp, TlsContext context, SSLEngine engine, boolean client, String serverName) {
        this.tcp = tcp;
        this.shard = tcp.shard();
        assert shard.isCurrent();
        this.res = context.shard(shard);
        this.counters = res.counters;
        this.engine = engine;
        this.client = client;
        this.serverName = serverName;
        this.handshake = new TlsHandshake(this, engine, res, client);
        this.records = new TlsRecordLayer(this, tcp, engine, res);
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
        String address = Ipv4Address.toString(tcp.remoteIp());
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
        return failure;
    }

    @Override
    public String toString() {
        return "TlsConnection[" + (client ? "client to " : "server for ") + peer()
                + (handshake.isDone() ? ", " + protocol() : ", handshaking") + (failure != null ? ", failed" : "") + "]";
    }

    String peer() {
        return Ipv4Address.toString(tcp.remoteIp()) + ":" + tcp.remotePort();
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
        if (!records.hasPlaintext() && failure == null && !closeNotifyReceived) {
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
        } else if (failure != null) {
            into.fail(failure);
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
        Throwable refused = writeRefusal();
        if (refused != null) {
            buffer.release();
            into.fail(refused);
            return;
        }
        if (buffer.isEmpty()) {
            buffer.release();
            into.complete(null);
            return;
        }
        Packet data = Packet.of(buffer, shard.packets());
        if (data == null) {
            into.fail(new TcpException("packet buffers exhausted"));
            return;
        }
        if (mustQueue()) {
            enqueue(data, into);
            return;
        }
        records.hold();
        try {
            switch (records.encrypt(data, into, handshake)) {
                case TAKEN -> {
                }
                case WAIT -> {
                    enqueue(data, into);
                    pump();
                }
                case FAILED -> into.fail(records.refusal());
            }
        } finally {
            records.release();
        }
    }

    /**
     * The future form: answers a write TCP took at once with the shared done future, and costs a
     * promise (and a fresh probe) only when the write waits.
     */
    @Override
    public ShardFuture<Void> write(ReadBuffer buffer) {
        // Taken off the connection while in use: a write made from a completion this write delivers
        // (an earlier write's) must not share it, and takes a fresh one.
        WriteProbe p = probe != null ? probe : new WriteProbe();
        probe = null;
        p.state = WriteProbe.PENDING;
        write(buffer, p);
        switch (p.state) {
            case WriteProbe.TAKEN -> {
                probe = p;
                return ShardFuture.done();
            }
            case WriteProbe.FAILED -> {
                Throwable cause = p.cause;
                p.cause = null;
                probe = p;
                return ShardFuture.failed(cause);
            }
            default -> {
                // The probe is now this write's: it forwards to a promise, and the next write gets another.
                p.promise = new Promise<>();
                return p.promise;
            }
        }
    }

    /**
     * The completion the future form of a write passes: records an answer given before
     * {@code write} returns, and forwards a later one to the promise handed out.
     */
    private static final class WriteProbe implements Completion<Void> {
        static final int PENDING = 0;
        static final int TAKEN = 1;
        static final int FAILED = 2;
        int state;
        Throwable cause;
        Promise<Void> promise;

        @Override
        public void complete(Void value) {
            if (promise != null) {
                promise.tryComplete(null);
            } else {
                state = TAKEN;
            }
        }

        @Override
        public void fail(Throwable e) {
            if (promise != null) {
                promise.tryFail(e);
            } else {
                state = FAILED;
                cause = e;
            }
        }
    }

    @Override
    public ShardFuture<Void> shutdownOutput() {
        shard.checkOwner("TlsConnection.shutdownOutput");
        if (shutdownFuture != null) {
            return shutdownFuture;
        }
        if (failure != null) {
            shutdownFuture = ShardFuture.failed(failure);
            return shutdownFuture;
        }
        outputDone = new Promise<>();
        shutdownFuture = outputDone;
        if (mustQueue()) {
            queueData().addLast(SHUTDOWN);
            blockedDone.addLast(TlsRecordLayer.IGNORED); // the shutdown completes outputDone instead
        } else {
            sendCloseNotify();
        }
        completeOutput();
        return shutdownFuture;
    }

    @Override
    public ShardFuture<Void> close() {
        shard.checkOwner("TlsConnection.close");
        if (closePromise != null) {
            return closePromise;
        }
        closePromise = new Promise<>();
        readClosed = true;
        failPendingRead(new ConnectionAbortedException("connection closed while reading"));
        if (failure != null || finished) {
            if (!finished && !discarding) {
                finishTcp();
            }
            closePromise.fail(failure != null ? failure : new ConnectionAbortedException("connection already closed"));
            return closePromise;
        }
        if (!handshake.isDone()) {
            fail(new ConnectionAbortedException("closed before the TLS handshake completed"), Teardown.GRACEFUL);
            return closePromise;
        }
        if (records.hasPlaintext()) {
            // As TCP does (RFC 1122 4.2.2.13): closing with unread data resets, so the peer learns it was lost.
            abortWith(new ConnectionAbortedException("closed with unread data; connection reset"));
            return closePromise;
        }
        draining = true;
        closeTimer = shard.timers().schedule(res.context.config().closeTimeout().toNanos(), this::closeTimedOut);
        shutdownOutput();
        pump(); // reads on until the peer's close_notify or FIN, then closes TCP
        return closePromise;
    }

    @Override
    public void abort() {
        shard.checkOwner("TlsConnection.abort");
        abortWith(new ConnectionAbortedException("connection aborted"));
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
            if (finished) {
                return;
            }
            if (failure != null) {
                if (discarding) {
                    discardInput();
                }
                break;
            }
            if (handshake.tasksRunning()) {
                break;
            }
            if (draining && outboundClosed && closeNotifyReceived) {
                finishTcp();
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
            if (handshake.isDone() && blockedData != null && !blockedData.isEmpty()) {
                flushBlocked();
                if (failure != null || handshake.tasksRunning()) {
                    continue;
                }
            }
            boolean wantPlaintext = pendingRead != null || syncRead;
            boolean wantRecords = !closeNotifyReceived && (!handshake.isDone() || draining
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
            boolean needTcp = !handshake.isDone() || draining || wantPlaintext && !records.hasPlaintext();
            if (!needTcp) {
                break;
            }
            if (records.tcpEof()) {
                if (draining) {
                    if (outboundClosed) {
                        finishTcp(); // a peer that answers our close_notify with a bare FIN is tolerated
                        return;
                    }
                    break; // our close_notify waits in the queue
                }
                endOfStream();
                continue;
            }
            records.requestTcpRead();
            break;
        }
        deliverRead();
    }

    private Throwable writeRefusal() {
        if (failure != null) {
            return failure;
        }
        if (shutdownFuture != null) {
            return new ConnectionAbortedException("write after shutdownOutput/close on " + this);
        }
        if (outboundClosed) {
            return new ConnectionAbortedException("write after the peer's close_notify on " + this
                    + " (TLS 1.2 closes both directions, RFC 5246 §7.2.1)");
        }
        return null;
    }

    private boolean mustQueue() {
        return !handshake.isDone() || handshake.tasksRunning() || (blockedData != null && !blockedData.isEmpty());
    }

    private ArrayDeque<Object> queueData() {
        if (blockedData == null) {
            blockedData = new ArrayDeque<>();
            blockedDone = new ArrayDeque<>();
        }
        return blockedData;
    }

    private void enqueue(Packet data, Completion<? super Void> into) {
        queueData().addLast(data);
        blockedDone.addLast(into);
    }

    /** Sends the writes (and the shutdown) that waited, in order, as far as the engine lets them. */
    private void flushBlocked() {
        records.hold();
        try {
            while (!blockedData.isEmpty() && failure == null && !handshake.tasksRunning()) {
                Object d = blockedData.pollFirst();
                Completion<? super Void> into = blockedDone.pollFirst();
                if (d == SHUTDOWN) {
                    sendCloseNotify();
                    completeOutput();
                    continue;
                }
                switch (records.encrypt((Packet) d, into, handshake)) {
                    case TAKEN -> {
                    }
                    case WAIT -> {
                        // The engine has something to do first; the rest of this write waits at the head.
                        blockedData.addFirst(d);
                        blockedDone.addFirst(into);
                        return;
                    }
                    case FAILED -> into.fail(records.refusal());
                }
            }
        } finally {
            records.release();
        }
    }

    /** close_notify (RFC 8446 §6.1), then the TCP FIN; {@link #outputDone} completes when the FIN is acknowledged. */
    private void sendCloseNotify() {
        engine.closeOutbound();
        while (!outboundClosed && failure == null) {
            if (!records.wrapControl(handshake)) {
                break;
            }
        }
        if (failure == null) {
            outboundClosed();
        }
    }

    /** The engine closed its output (close_notify sent, or answered, or a fatal alert): FIN follows. */
    void outboundClosed() {
        if (!outboundClosed) {
            outboundClosed = true;
            if (failure == null) {
                counters.closeNotifySent.increment();
            }
        }
        tcpShutdown();
    }

    private void tcpShutdown() {
        if (tcpShutdownCalled) {
            return;
        }
        tcpShutdownCalled = true;
        tcp.shutdownOutput().whenComplete((v, e) -> finAcked(e));
    }

    private void finAcked(Throwable e) {
        finAcked = true;
        finError = e;
        completeOutput();
        maybeCompleteClose();
    }

    /** Completes the future shutdownOutput() returned once the FIN has been acknowledged. */
    private void completeOutput() {
        if (outputDone == null || outputDone.isDone() || !finAcked || !tcpShutdownCalled) {
            return;
        }
        if (finError != null) {
            outputDone.fail(finError);
        } else {
            outputDone.complete(null);
        }
    }

    private void maybeCompleteClose() {
        if (closePromise == null || closePromise.isDone() || !finished || !finAcked) {
            return;
        }
        if (failure != null) {
            closePromise.fail(failure);
        } else if (finError != null) {
            closePromise.fail(finError);
        } else {
            closePromise.complete(null);
        }
    }

    // =====================================================================================
    // What the record layer reports
    // =====================================================================================

    boolean isFinished() {
        return finished;
    }

    /** Failed or finished: the handshake's timer and tasks have nothing left to do. */
    boolean hasEnded() {
        return finished || failure != null;
    }

    /** Input arriving now is dropped: after a failure, the end, or the peer's close_notify. */
    boolean ignoresInput() {
        return finished || failure != null || closeNotifyReceived;
    }

    boolean isDraining() {
        return draining;
    }

    /** The failure, or else a {@link ConnectionAbortedException} saying {@code what}. */
    Throwable failureOr(String what) {
        return failure != null ? failure : new ConnectionAbortedException(what + " on " + this);
    }

    TlsRecordLayer records() {
        return records;
    }

    void tcpFailed(Throwable e) {
        if (finished) {
            return;
        }
        if (failure != null) {
            finishTcp();
            return;
        }
        if (!handshake.isDone()) {
            counters.handshakeFailures.count(TlsHandshakeFailure.CONNECTION_LOST);
            TlsHandshakeException h = new TlsHandshakeException(TlsHandshakeFailure.CONNECTION_LOST,
                    "TLS handshake with " + peer() + " failed: " + e.getMessage(), e);
            fail(h, Teardown.TCP_GONE);
            return;
        }
        fail(e, Teardown.TCP_GONE); // a TCP failure (reset, timeout) passes through as it is
    }

    /** The peer's FIN with no complete record left to decrypt. */
    private void endOfStream() {
        int partial = records.undecrypted();
        if (!handshake.isDone()) {
            counters.handshakeFailures.count(TlsHandshakeFailure.TRUNCATED_HANDSHAKE);
            fail(new TlsHandshakeException(TlsHandshakeFailure.TRUNCATED_HANDSHAKE, "TLS handshake with " + peer()
                    + " failed: the peer closed the connection during the handshake"
                    + (partial > 0 ? " (" + partial + " bytes of an incomplete record)" : ""), null), Teardown.GRACEFUL);
        } else {
            counters.errors.count(TlsStreamError.TRUNCATION);
            fail(new TlsTruncationException("the TLS stream from " + peer() + " ended without close_notify"
                    + (partial > 0 ? ", inside a record (" + partial + " bytes of it)" : "")
                    + ": the data may have been truncated (RFC 8446 §6.1)"), Teardown.GRACEFUL);
        }
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
        } else if (failure != null) {
            pendingRead = null;
            r.fail(failure);
        } else if (closeNotifyReceived) {
            pendingRead = null;
            r.complete(shard.packets().allocate());
        }
    }

    /** A record header that is not TLS, too long, or empty where that is not allowed. */
    void badRecord(TlsRecordHeader.Verdict v, int type, int major, int minor, int len) {
        String what = switch (v) {
            case BAD_CONTENT_TYPE -> "not a TLS record: content type " + type + printable(type);
            case BAD_VERSION -> String.format("not a TLS record: record version 0x%02x%02x", major, Math.max(minor, 0));
            case OVERSIZED -> "a " + len + "-byte record, more than the 2^14 + 2048 any TLS version allows (RFC 8446 §5.2)";
            default -> "a zero-length " + TlsRecordHeader.contentTypeName(type) + " record (RFC 8446 §5.1)";
        };
        if (!handshake.isDone()) {
            TlsHandshakeFailure reason = switch (v) {
                case OVERSIZED -> TlsHandshakeFailure.OVERSIZED_RECORD;
                case EMPTY_FRAGMENT -> TlsHandshakeFailure.PROTOCOL_ERROR;
                default -> TlsHandshakeFailure.NOT_TLS;
            };
            int alert = switch (v) {
                case OVERSIZED -> TlsAlert.RECORD_OVERFLOW;
                case EMPTY_FRAGMENT -> TlsAlert.UNEXPECTED_MESSAGE;
                default -> TlsAlert.DECODE_ERROR;
            };
            handshake.refuseFirstFlight(reason, alert, what);
            return;
        }
        TlsStreamError reason = switch (v) {
            case OVERSIZED -> TlsStreamError.OVERSIZED_RECORD;
            case EMPTY_FRAGMENT -> TlsStreamError.PROTOCOL_ERROR;
            default -> TlsStreamError.NOT_TLS;
        };
        counters.errors.count(reason);
        // The engine offers no way to send a chosen alert under the session's keys: reset.
        fail(new TlsStreamException(reason, "TLS connection with " + peer() + " failed: " + what, null), Teardown.RESET);
    }

    private static String printable(int b) {
        return b >= 0x20 && b < 0x7f ? " ('" + (char) b + "')" : "";
    }

    // =====================================================================================
    // Completion and failure
    // =====================================================================================

    private void closeTimedOut() {
        closeTimer = null;
        if (!finished) {
            finishTcp(); // unread data, if any, turns this into a reset: the peer did not finish in time
        }
    }

    /** The engine threw: count it under its reason and end the connection (the engine's alert goes out). */
    void engineFailed(SSLException e) {
        if (failure != null) {
            return;
        }
        if (!handshake.isDone()) {
            TlsHandshakeFailure reason = handshake.reasonFor(e);
            counters.handshakeFailures.count(reason);
            fail(new TlsHandshakeException(reason, "TLS handshake with " + peer() + " failed: " + e.getMessage(), e),
                    Teardown.GRACEFUL);
        } else {
            TlsStreamError reason = FailureClassifier.stream(e);
            counters.errors.count(reason);
            fail(new TlsStreamException(reason, "TLS connection with " + peer() + " failed: " + e.getMessage(), e),
                    Teardown.GRACEFUL);
        }
    }

    void protocolError(String what) {
        if (!handshake.isDone()) {
            counters.handshakeFailures.count(TlsHandshakeFailure.PROTOCOL_ERROR);
            fail(new TlsHandshakeException(TlsHandshakeFailure.PROTOCOL_ERROR, what, null), Teardown.RESET);
        } else {
            counters.errors.count(TlsStreamError.PROTOCOL_ERROR);
            fail(new TlsStreamException(TlsStreamError.PROTOCOL_ERROR, what, null), Teardown.RESET);
        }
    }

    void resourcesExhausted(String what) {
        if (!handshake.isDone()) {
            counters.handshakeFailures.count(TlsHandshakeFailure.RESOURCES);
            fail(new TlsHandshakeException(TlsHandshakeFailure.RESOURCES, what, null), Teardown.RESET);
        } else {
            counters.errors.count(TlsStreamError.RESOURCES);
            fail(new TlsStreamException(TlsStreamError.RESOURCES, what, null), Teardown.RESET);
        }
    }

    void internalError(Throwable e) {
        LOG.log(System.Logger.Level.ERROR, "TLS engine failure on " + this, e);
        protocolError("TLS engine failure on " + this + ": " + e);
    }

    /** Ends the connection with a reset (the handshake driver's refusals after keys are in use, its timeout). */
    void failReset(Throwable cause) {
        fail(cause, Teardown.RESET);
    }

    /** Ends the connection after what was sent (a plaintext alert), FIN, dropping input until the peer's FIN. */
    void failGracefully(Throwable cause) {
        fail(cause, Teardown.GRACEFUL);
    }

    /** Aborts (RST) for the application or for data after close. */
    void abortWith(Throwable cause) {
        if (finished) {
            return;
        }
        if (failure == null) {
            failure = cause;
            failPending(cause);
        }
        records.releaseBuffers();
        finished = true;
        cancelTimers();
        res.remove(this);
        tcp.abort();
        finAcked = true;
        maybeCompleteClose();
    }

    /**
     * Ends the connection: fails what is pending, gives back the buffers, and takes TCP down as
     * {@code teardown} says. Other connections and the shard go on.
     */
    private void fail(Throwable cause, Teardown teardown) {
        if (failure != null || finished) {
            return;
        }
        failure = cause;
        handshake.cancelTimer();
        failPending(cause);
        records.releaseBuffers();
        switch (teardown) {
            case GRACEFUL -> {
                if (!handshake.tasksRunning()) {
                    records.sendEngineAlert();
                }
                discarding = true;
                tcpShutdown();
                if (closeTimer == null) {
                    closeTimer = shard.timers().schedule(res.context.config().closeTimeout().toNanos(), this::closeTimedOut);
                }
                if (!pumping) {
                    discardInput();
                } else {
                    pumpAgain = true;
                }
            }
            case RESET -> abortWith(cause);
            case TCP_GONE -> finishTcp();
        }
    }

    /** Failed gracefully: drop input until the peer's FIN, then close TCP. */
    private void discardInput() {
        if (finished) {
            return;
        }
        records.dropCiphertext();
        if (records.tcpEof()) {
            finishTcp();
        } else {
            records.requestTcpRead();
        }
    }

    /** Closes TCP (FIN after what was written) and leaves the shard's list: the end of a connection. */
    private void finishTcp() {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimers();
        records.releaseBuffers();
        res.remove(this);
        tcpShutdown();
        tcp.close(); // returns the shutdown's future, whose one continuation is finAcked
        maybeCompleteClose();
    }

    private void failPending(Throwable cause) {
        handshake.future().tryFail(cause);
        failPendingRead(cause);
        if (blockedData != null) {
            for (Object d; (d = blockedData.pollFirst()) != null; ) {
                Completion<? super Void> into = blockedDone.pollFirst();
                if (d != SHUTDOWN) {
                    ((Packet) d).release();
                    into.fail(cause);
                }
            }
        }
        if (outputDone != null && !outputDone.isDone() && !tcpShutdownCalled) {
            outputDone.fail(cause);
        }
    }

    private void failPendingRead(Throwable cause) {
        Completion<? super ReadBuffer> r = pendingRead;
        if (r != null) {
            pendingRead = null;
            r.fail(cause);
        }
    }

    private void cancelTimers() {
        handshake.cancelTimer();
        if (closeTimer != null) {
            closeTimer.cancel();
            closeTimer = null;
        }
    }

    /** The shard is stopping (TCP already shut down): give back every buffer, fail what waits. */
    void shutDownWithShard() {
        ConnectionAbortedException e = new ConnectionAbortedException("the shard stopped");
        if (failure == null) {
            failure = e;
            failPending(e);
        }
        records.releaseBuffers();
        finished = true;
        cancelTimers();
        res.remove(this);
    }
}
