package io.panamax.tls;

import io.panamax.ip.Ipv4Address;
import io.panamax.reactor.Completion;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Promise;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Shard;
import io.panamax.reactor.Timer;
import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.BufferPool;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.ConnectionAbortedException;
import io.panamax.tcp.StreamConnection;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpException;
import io.panamax.tls.wire.ClientHello;
import io.panamax.tls.wire.ClientHelloParser;
import io.panamax.tls.wire.TlsAlert;
import io.panamax.tls.wire.TlsRecordHeader;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
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
 */
public final class TlsConnection implements StreamConnection {
    private static final System.Logger LOG = System.getLogger("io.panamax.tls");
    /** A read gathers whole records already received up to about this much plaintext. */
    private static final int READ_BATCH = 64 * 1024;
    /** The first flight inspected for a ClientHello: the parser's limit plus a record. */
    private static final int HELLO_INSPECTION_LIMIT = ClientHelloParser.MAX_CLIENT_HELLO + TlsRecordHeader.MAX_RECORD;

    /** What an attempt to decrypt one record came to. */
    private enum Step { PROGRESS, NEED_INPUT, STOP }

    /** How a failed connection takes its TCP connection down. */
    private enum Teardown {
        /** Send what the engine has for the peer (its alert), FIN, drop input until the peer's FIN. */
        GRACEFUL,
        /** Reset at once. */
        RESET,
        /** TCP has failed already: just close it. */
        TCP_GONE
    }

    private final TcpConnection tcp;
    private final SSLEngine engine;
    private final TlsShard res;
    private final TlsCounters counters;
    private final Shard shard;
    private final boolean client;
    private final String serverName;
    private final Promise<TlsConnection> handshake = new Promise<>();
    private final long startedAt;
    private final TcpReads tcpReads = new TcpReads();
    private Timer handshakeTimer;
    private Timer closeTimer;

    // ---- handshake ----
    private boolean handshakeDone;
    private boolean tasksRunning;
    private boolean helloChecked;
    private ClientHello hello;
    private boolean versionRefused;
    /** Whether the engine has taken any record: until then a refusal may be a plaintext alert. */
    private boolean engineSawInput;

    // ---- inbound ----
    private Packet ciphertext;
    private boolean tcpReading;
    private boolean tcpEof;
    private Packet plaintext;
    private Completion<? super ReadBuffer> pendingRead;
    private boolean syncRead;
    private boolean closeNotifyReceived;
    private boolean readClosed;
    /** close() was called: reading on until the peer's close_notify or FIN, then the TCP close. */
    private boolean draining;
    /** Failed: dropping input until the peer's FIN, then the TCP close. */
    private boolean discarding;
    private boolean retryArmed;

    // ---- outbound ----
    /** Writes (and a shutdown) waiting for the handshake or a delegated task, in order. */
    private ArrayDeque<PendingWrite> blocked;
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

    /** A write waiting its turn; a null {@code data} is the queued shutdownOutput. */
    private record PendingWrite(Packet data, Promise<Void> promise) {
    }

    private TlsConnection(TcpConnection tcp, TlsContext context, SSLEngine engine, boolean client, String serverName) {
        this.tcp = tcp;
        this.shard = tcp.shard();
        assert shard.isCurrent();
        this.res = context.shard(shard);
        this.counters = res.counters;
        this.engine = engine;
        this.client = client;
        this.serverName = serverName;
        this.startedAt = shard.nanoTime();
        res.add(this);
    }

    /**
     * Starts the server side of a handshake on {@code tcp} (call on its shard). The connection
     * is usable at once: writes wait for the handshake; {@link #handshake()} completes when it
     * is done.
     */
    public static TlsConnection server(TcpConnection tcp, TlsContext context) {
        TlsConnection c = new TlsConnection(tcp, context, context.newServerEngine(), false, null);
        c.start(context);
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
        c.start(context);
        return c;
    }

    private void start(TlsContext context) {
        handshakeTimer = shard.timers().schedule(context.config().handshakeTimeout().toNanos(), this::handshakeTimedOut);
        try {
            engine.beginHandshake();
        } catch (SSLException e) {
            engineFailed(e);
            return;
        }
        pump();
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
        return handshake;
    }

    public boolean isHandshakeDone() {
        return handshakeDone;
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
        return handshakeDone ? engine.getSession().getProtocol() : null;
    }

    /** The negotiated cipher suite, or null before the handshake finished. */
    public String cipherSuite() {
        return handshakeDone ? engine.getSession().getCipherSuite() : null;
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
                + (handshakeDone ? ", " + protocol() : ", handshaking") + (failure != null ? ", failed" : "") + "]";
    }

    private String peer() {
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
        if (plaintext == null && failure == null && !closeNotifyReceived) {
            // Whole records may be buffered already: decrypt them now and answer at once.
            syncRead = true;
            try {
                pump();
            } finally {
                syncRead = false;
            }
        }
        if (plaintext != null) {
            Packet p = plaintext;
            plaintext = null;
            into.complete(p);
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
     * The completion form, on top of the future form (TLS's writes wait on the handshake and on the
     * engine, which keep their promises): a write decided at once completes {@code into} before
     * returning and allocates nothing more than the future form; one that waits costs the
     * continuation that forwards its result.
     */
    @Override
    public void write(ReadBuffer buffer, Completion<? super Void> into) {
        ShardFuture<Void> f = write(buffer);
        if (f.isSucceeded()) {
            into.complete(null);
        } else if (f.isFailed()) {
            into.fail(f.cause());
        } else {
            f.whenComplete((v, e) -> {
                if (e != null) {
                    into.fail(e);
                } else {
                    into.complete(null);
                }
            });
        }
    }

    @Override
    public ShardFuture<Void> write(ReadBuffer buffer) {
        shard.checkOwner("TlsConnection.write");
        Throwable refused = writeRefusal();
        if (refused != null) {
            buffer.release();
            return ShardFuture.failed(refused);
        }
        if (buffer.isEmpty()) {
            buffer.release();
            return ShardFuture.done();
        }
        Packet data = Packet.of(buffer, shard.packets());
        if (data == null) {
            return ShardFuture.failed(new TcpException("packet buffers exhausted"));
        }
        if (mustQueue()) {
            return enqueue(data);
        }
        ShardFuture<Void> f = encrypt(data);
        if (f == null) {
            ShardFuture<Void> queued = enqueue(data);
            pump();
            return queued;
        }
        return f;
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
            queue().addLast(new PendingWrite(null, null));
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
        if (!handshakeDone) {
            fail(new ConnectionAbortedException("closed before the TLS handshake completed"), Teardown.GRACEFUL);
            return closePromise;
        }
        if (plaintext != null) {
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

    /** Does whatever can be done now; re-entrant calls (a future resolved inline) only ask for another round. */
    private void pump() {
        if (pumping) {
            pumpAgain = true;
            return;
        }
        pumping = true;
        try {
            do {
                pumpAgain = false;
                step();
            } while (pumpAgain);
        } finally {
            pumping = false;
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
            if (tasksRunning) {
                break;
            }
            if (draining && outboundClosed && closeNotifyReceived) {
                finishTcp();
                return;
            }
            HandshakeStatus hs = engine.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                if (runDelegatedTasks()) {
                    continue;
                }
                break;
            }
            if (hs == HandshakeStatus.NEED_WRAP) {
                if (wrapControl()) {
                    continue;
                }
                break;
            }
            if (!handshakeDone && hs == HandshakeStatus.NOT_HANDSHAKING) {
                handshakeFinished();
            }
            if (handshakeDone && blocked != null && !blocked.isEmpty()) {
                flushBlocked();
                if (failure != null || tasksRunning) {
                    continue;
                }
            }
            boolean wantPlaintext = pendingRead != null || syncRead;
            boolean wantRecords = !closeNotifyReceived && (!handshakeDone || draining
                    || wantPlaintext && (plaintext == null || plaintext.length() < READ_BATCH));
            if (!wantRecords) {
                break;
            }
            Step s = unwrapOne();
            if (s == Step.PROGRESS) {
                continue;
            }
            if (s == Step.STOP) {
                break;
            }
            boolean needTcp = !handshakeDone || draining || wantPlaintext && plaintext == null;
            if (!needTcp) {
                break;
            }
            if (tcpEof) {
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
            requestTcpRead();
            break;
        }
        deliverRead();
    }

    /** Decrypts the record at the front of {@link #ciphertext}, if it is all there. */
    private Step unwrapOne() {
        Packet ct = ciphertext;
        int avail = ct == null ? 0 : ct.length();
        if (avail == 0) {
            return Step.NEED_INPUT;
        }
        int type = ct.getU8(0);
        int major = avail > 1 ? ct.getU8(1) : -1;
        int minor = avail > 2 ? ct.getU8(2) : -1;
        int len = avail >= TlsRecordHeader.LENGTH ? ct.getU16(3) : -1;
        TlsRecordHeader.Verdict v = TlsRecordHeader.classify(type, major, minor, len, avail);
        if (v.isProblem()) {
            badRecord(v, type, major, minor, len);
            return Step.STOP;
        }
        if (v != TlsRecordHeader.Verdict.COMPLETE) {
            return Step.NEED_INPUT;
        }
        if (!client && !helloChecked) {
            Step s = checkClientHello(avail);
            if (s != Step.PROGRESS) {
                return s;
            }
        }
        int total = TlsRecordHeader.LENGTH + len;
        // Into the heap scratch array, where the engine decrypts in place fastest (see TlsShard).
        ct.copyTo(0, res.scratch, 0, total);
        ByteBuffer src = res.scratch(total);
        res.views.begin();
        // The plaintext is at most the fragment's length: decrypt into enough fresh packet buffers.
        BufferPool pool = shard.buffers();
        int cap = pool.bufferSize();
        int k = Math.max(1, (len + cap - 1) / cap);
        Buffer[] bufs = res.buffers(k);
        ByteBuffer[] dsts = res.array(k);
        for (int i = 0; i < k; i++) {
            Buffer b = pool.allocate();
            if (b == null) {
                for (int j = 0; j < i; j++) {
                    bufs[j].release();
                    bufs[j] = null;
                }
                res.clearArray(i);
                waitForBuffers();
                return Step.STOP;
            }
            bufs[i] = b;
            dsts[i] = res.views.window(b, 0, cap);
        }
        SSLEngineResult r;
        try {
            r = engine.unwrap(src, dsts, 0, k);
        } catch (SSLException e) {
            releaseAll(bufs, k);
            res.clearArray(k);
            engineSawInput = true;
            engineFailed(e);
            return Step.STOP;
        } catch (RuntimeException e) {
            releaseAll(bufs, k);
            res.clearArray(k);
            internalError(e);
            return Step.STOP;
        }
        engineSawInput = true;
        res.clearArray(k);
        int consumed = r.bytesConsumed();
        int produced = r.bytesProduced();
        if (consumed > 0) {
            ct.trimFront(consumed);
            if (ct.isEmpty()) {
                ct.release();
                ciphertext = null;
            }
            counters.recordsReceived.increment();
        }
        int left = produced;
        for (int i = 0; i < k; i++) {
            Buffer b = bufs[i];
            bufs[i] = null;
            if (left > 0) {
                int n = Math.min(cap, left);
                if (plaintext == null) {
                    plaintext = shard.packets().allocate();
                }
                plaintext.append(b, 0, n);
                left -= n;
            } else {
                b.release();
            }
        }
        if (produced > 0) {
            counters.plaintextBytesReceived.add(produced);
        }
        if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
            handshakeFinished();
        }
        switch (r.getStatus()) {
            case CLOSED -> {
                closeNotifyArrived();
                return Step.PROGRESS;
            }
            case OK -> {
                if (draining && produced > 0) {
                    // Data after our close: as with TCP, the peer learns by a reset that it was not read.
                    Packet p = plaintext;
                    plaintext = null;
                    p.release();
                    abortWith(new ConnectionAbortedException("data arrived after close; connection reset"));
                    return Step.STOP;
                }
                return consumed > 0 ? Step.PROGRESS : Step.STOP;
            }
            default -> {
                // Never expected: the record is whole and the buffers hold its fragment.
                protocolError("the TLS engine answered " + r.getStatus() + " for a whole " + len + "-byte record");
                return Step.STOP;
            }
        }
    }

    private static void releaseAll(Buffer[] bufs, int k) {
        for (int i = 0; i < k; i++) {
            if (bufs[i] != null) {
                bufs[i].release();
                bufs[i] = null;
            }
        }
    }

    /**
     * Server: the first flight must hold the whole ClientHello before the engine sees it. A
     * fallback (RFC 7507 §3) below the highest version enabled is refused here with
     * inappropriate_fallback; anything the parser does not understand is left to the engine.
     */
    private Step checkClientHello(int avail) {
        int n = Math.min(avail, HELLO_INSPECTION_LIMIT);
        byte[] head = new byte[n];
        ciphertext.copyTo(0, head, 0, n);
        ClientHelloParser.Result r = ClientHelloParser.parseStream(head, 0, n);
        switch (r.status()) {
            case NEED_MORE -> {
                if (n < HELLO_INSPECTION_LIMIT) {
                    return Step.NEED_INPUT;
                }
                helloChecked = true;
                return Step.PROGRESS;
            }
            case OK -> {
                helloChecked = true;
                hello = r.hello();
                if (hello.fallbackScsv() && hello.highestVersion() < res.context.highestVersion()) {
                    refuseFirstFlight(TlsHandshakeFailure.INAPPROPRIATE_FALLBACK, TlsAlert.INAPPROPRIATE_FALLBACK,
                            "downgrade refused: the ClientHello carries TLS_FALLBACK_SCSV with "
                                    + ClientHello.versionName(hello.highestVersion()) + " while "
                                    + ClientHello.versionName(res.context.highestVersion()) + " is enabled (RFC 7507)");
                    return Step.STOP;
                }
                versionRefused = !res.context.acceptsAnyVersionOf(hello);
                return Step.PROGRESS;
            }
            default -> {
                helloChecked = true; // malformed or not a ClientHello: the engine refuses it with the right alert
                return Step.PROGRESS;
            }
        }
    }

    private void badRecord(TlsRecordHeader.Verdict v, int type, int major, int minor, int len) {
        String what = switch (v) {
            case BAD_CONTENT_TYPE -> "not a TLS record: content type " + type + printable(type);
            case BAD_VERSION -> String.format("not a TLS record: record version 0x%02x%02x", major, Math.max(minor, 0));
            case OVERSIZED -> "a " + len + "-byte record, more than the 2^14 + 2048 any TLS version allows (RFC 8446 §5.2)";
            default -> "a zero-length " + TlsRecordHeader.contentTypeName(type) + " record (RFC 8446 §5.1)";
        };
        if (!handshakeDone) {
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
            refuseFirstFlight(reason, alert, what);
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

    /**
     * Refuses the handshake with a plaintext fatal alert while the engine has taken nothing
     * (no keys are in use yet), or with a reset after that.
     */
    private void refuseFirstFlight(TlsHandshakeFailure reason, int alert, String what) {
        counters.handshakeFailures.count(reason);
        TlsHandshakeException e = new TlsHandshakeException(reason, "TLS handshake with " + peer() + " failed: " + what, null);
        if (engineSawInput) {
            fail(e, Teardown.RESET);
            return;
        }
        Packet p = shard.packets().allocate();
        byte[] record = TlsAlert.plaintextFatal(alert);
        if (p.appendBytes(record, 0, record.length) == record.length) {
            tcp.write(p);
        } else {
            p.release();
        }
        fail(e, Teardown.GRACEFUL);
    }

    /**
     * Wraps what the engine wants to send with no application data: handshake flights, alerts,
     * post-handshake messages, close_notify. Returns whether it made progress.
     */
    private boolean wrapControl() {
        ByteBuffer dst = res.scratch(TlsShard.SCRATCH_BYTES);
        SSLEngineResult r;
        try {
            r = engine.wrap(res.empty, dst);
        } catch (SSLException e) {
            engineFailed(e);
            return false;
        } catch (RuntimeException e) {
            internalError(e);
            return false;
        }
        int produced = r.bytesProduced();
        if (produced > 0 && !sendScratch(produced)) {
            return false;
        }
        if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
            handshakeFinished();
        }
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            outboundClosed();
            return produced > 0;
        }
        return produced > 0 || r.getHandshakeStatus() != HandshakeStatus.NEED_WRAP;
    }

    /** Sends {@code produced} bytes of the scratch area, copied into packet buffers. */
    private boolean sendScratch(int produced) {
        Packet p = shard.packets().allocate();
        if (p.appendBytes(res.scratch, 0, produced) < produced) {
            p.release();
            resourcesExhausted("packet buffers exhausted while sending " + produced + " bytes of TLS records");
            return false;
        }
        counters.recordsSent.increment();
        lastTcpWrite = tcp.write(p);
        return true;
    }

    /**
     * Encrypts and sends {@code data} (taking it over) and returns the future of the last TCP
     * write: it completes when the TCP send buffer has accepted everything. Returns null, having
     * trimmed off what was sent, when the engine must do something else first (a delegated task,
     * a post-handshake message); the caller queues the rest.
     */
    private ShardFuture<Void> encrypt(Packet data) {
        int n = data.fragmentCount();
        ByteBuffer[] srcs = res.array(n);
        res.views.begin();
        for (int i = 0; i < n; i++) {
            srcs[i] = res.views.window(data.fragmentBuffer(i), data.fragmentOffset(i), data.fragmentLength(i));
        }
        long total = data.length();
        long consumed = 0;
        int first = 0;
        ShardFuture<Void> last = ShardFuture.done();
        while (consumed < total) {
            while (first < n && !srcs[first].hasRemaining()) {
                first++;
            }
            ByteBuffer dst = res.scratch(TlsShard.SCRATCH_BYTES);
            SSLEngineResult r;
            try {
                r = engine.wrap(srcs, first, n - first, dst);
            } catch (SSLException e) {
                res.clearArray(n);
                data.release();
                engineFailed(e);
                return ShardFuture.failed(failure);
            } catch (RuntimeException e) {
                res.clearArray(n);
                data.release();
                internalError(e);
                return ShardFuture.failed(failure);
            }
            int produced = r.bytesProduced();
            consumed += r.bytesConsumed();
            if (produced > 0) {
                if (sendScratch(produced)) {
                    last = lastTcpWrite;
                } else {
                    res.clearArray(n);
                    data.release();
                    return ShardFuture.failed(failure);
                }
            }
            counters.plaintextBytesSent.add(r.bytesConsumed());
            if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                handshakeFinished();
            }
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                res.clearArray(n);
                data.release();
                outboundClosed();
                return ShardFuture.failed(new ConnectionAbortedException("write on a TLS connection whose output is closed: " + this));
            }
            if (r.getStatus() != SSLEngineResult.Status.OK) {
                res.clearArray(n);
                data.release();
                protocolError("the TLS engine answered " + r.getStatus() + " to a write");
                return ShardFuture.failed(failure);
            }
            if (r.bytesConsumed() == 0 && produced == 0) {
                res.clearArray(n);
                data.trimFront((int) consumed);
                return null;
            }
        }
        res.clearArray(n);
        data.release();
        return last;
    }

    /** The future of the TCP write {@link #sendScratch} made last. */
    private ShardFuture<Void> lastTcpWrite = ShardFuture.done();

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
        return !handshakeDone || tasksRunning || (blocked != null && !blocked.isEmpty());
    }

    private ArrayDeque<PendingWrite> queue() {
        if (blocked == null) {
            blocked = new ArrayDeque<>();
        }
        return blocked;
    }

    private ShardFuture<Void> enqueue(Packet data) {
        Promise<Void> p = new Promise<>();
        queue().addLast(new PendingWrite(data, p));
        return p;
    }

    /** Sends the writes (and the shutdown) that waited, in order, as far as the engine lets them. */
    private void flushBlocked() {
        while (!blocked.isEmpty() && failure == null && !tasksRunning) {
            PendingWrite w = blocked.pollFirst();
            if (w.data() == null) {
                sendCloseNotify();
                completeOutput();
                continue;
            }
            ShardFuture<Void> f = encrypt(w.data());
            if (f == null) {
                blocked.addFirst(w); // the engine has something to do first; the rest of this write waits at the head
                return;
            }
            Promise<Void> p = w.promise();
            f.whenComplete((v, e) -> {
                if (e != null) {
                    p.tryFail(e);
                } else {
                    p.tryComplete(null);
                }
            });
        }
    }

    /** close_notify (RFC 8446 §6.1), then the TCP FIN; {@link #outputDone} completes when the FIN is acknowledged. */
    private void sendCloseNotify() {
        engine.closeOutbound();
        while (!outboundClosed && failure == null) {
            if (!wrapControl()) {
                break;
            }
        }
        if (failure == null) {
            outboundClosed();
        }
    }

    /** The engine closed its output (close_notify sent, or answered, or a fatal alert): FIN follows. */
    private void outboundClosed() {
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
    // Delegated tasks
    // =====================================================================================

    /**
     * Runs the engine's delegated tasks: on the configured executor, resuming on the shard
     * (returns false: the loop waits), or inline when so configured (returns true).
     */
    private boolean runDelegatedTasks() {
        Runnable task = engine.getDelegatedTask();
        if (task == null) {
            return false;
        }
        counters.delegatedTasks.increment();
        Executor executor = res.context.config().delegatedTasks();
        if (executor == null) {
            long t0 = System.nanoTime();
            runAll(task);
            counters.delegatedTaskNanos.record(System.nanoTime() - t0);
            return true;
        }
        tasksRunning = true;
        try {
            executor.execute(() -> {
                long t0 = System.nanoTime();
                Throwable error = null;
                try {
                    runAll(task);
                } catch (Throwable e) {
                    error = e;
                }
                long took = System.nanoTime() - t0;
                Throwable thrown = error;
                shard.execute(() -> tasksDone(took, thrown));
            });
        } catch (RejectedExecutionException e) {
            tasksRunning = false;
            resourcesExhausted("the delegated-task executor refused the handshake's work: " + e.getMessage());
        }
        return false;
    }

    /** Runs {@code task} and whatever further tasks the engine hands out (off the shard, or inline). */
    private void runAll(Runnable task) {
        for (Runnable t = task; t != null; t = engine.getDelegatedTask()) {
            t.run();
        }
    }

    private void tasksDone(long nanos, Throwable error) {
        tasksRunning = false;
        counters.delegatedTaskNanos.record(nanos);
        if (finished || failure != null) {
            return;
        }
        if (error != null) {
            internalError(error);
            return;
        }
        pump();
    }

    // =====================================================================================
    // TCP input
    // =====================================================================================

    private void requestTcpRead() {
        if (tcpReading || tcpEof || finished) {
            return;
        }
        tcpReading = true;
        tcpReads.requesting = true;
        try {
            tcp.read(tcpReads);
        } finally {
            tcpReads.requesting = false;
        }
    }

    /**
     * The completion of every read from TCP (one object, so reading costs no future per record).
     * A read that completes inside {@code tcp.read} is handled there, as a resolved future's
     * continuation would be; one that completes later (data, a reset) is handled from the run
     * queue, never inside TCP's own processing.
     */
    private final class TcpReads implements Completion<ReadBuffer>, Runnable {
        boolean requesting;
        private ReadBuffer value;
        private Throwable cause;

        @Override
        public void complete(ReadBuffer v) {
            arrived(v, null);
        }

        @Override
        public void fail(Throwable e) {
            arrived(null, e);
        }

        private void arrived(ReadBuffer v, Throwable e) {
            if (requesting) {
                tcpReadDone(v, e);
                return;
            }
            value = v;
            cause = e;
            shard.schedule(this);
        }

        @Override
        public void run() {
            ReadBuffer v = value;
            Throwable e = cause;
            value = null;
            cause = null;
            tcpReadDone(v, e);
        }
    }

    private void tcpReadDone(ReadBuffer received, Throwable e) {
        tcpReading = false;
        if (e != null) {
            tcpFailed(e);
            return;
        }
        // TCP's reads are packets of this shard: no copy is made.
        Packet p = Packet.of(received, shard.packets());
        if (p == null) {
            tcpFailed(new TcpException("packet buffers exhausted"));
            return;
        }
        if (p.isEmpty()) {
            p.release();
            tcpEof = true;
        } else if (finished || failure != null || closeNotifyReceived) {
            p.release(); // RFC 8446 §6.1: data after a closure alert is ignored
        } else if (ciphertext == null) {
            ciphertext = p;
        } else {
            ciphertext.append(p);
        }
        pump();
    }

    private void tcpFailed(Throwable e) {
        if (finished) {
            return;
        }
        if (failure != null) {
            finishTcp();
            return;
        }
        if (!handshakeDone) {
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
        int partial = ciphertext == null ? 0 : ciphertext.length();
        if (!handshakeDone) {
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

    private void closeNotifyArrived() {
        if (!closeNotifyReceived) {
            closeNotifyReceived = true;
            counters.closeNotifyReceived.increment();
        }
        if (ciphertext != null) {
            ciphertext.release(); // RFC 8446 §6.1: whatever follows a closure alert is ignored
            ciphertext = null;
        }
    }

    private void deliverRead() {
        Completion<? super ReadBuffer> r = pendingRead;
        if (r == null) {
            return;
        }
        if (plaintext != null) {
            pendingRead = null;
            Packet p = plaintext;
            plaintext = null;
            r.complete(p);
        } else if (failure != null) {
            pendingRead = null;
            r.fail(failure);
        } else if (closeNotifyReceived) {
            pendingRead = null;
            r.complete(shard.packets().allocate());
        }
    }

    /** The shard's packet buffers ran out: try again shortly (TCP holds the data meanwhile). */
    private void waitForBuffers() {
        counters.bufferWaits.increment();
        if (!retryArmed) {
            retryArmed = true;
            shard.timers().schedule(1_000_000L, () -> {
                retryArmed = false;
                pump();
            });
        }
    }

    // =====================================================================================
    // Completion and failure
    // =====================================================================================

    private void handshakeFinished() {
        if (handshakeDone) {
            return;
        }
        handshakeDone = true;
        cancel(handshakeTimer);
        handshakeTimer = null;
        (client ? counters.clientHandshakes : counters.serverHandshakes).increment();
        counters.handshakeNanos.record(shard.nanoTime() - startedAt);
        handshake.tryComplete(this);
    }

    private void handshakeTimedOut() {
        handshakeTimer = null;
        if (handshakeDone || failure != null || finished) {
            return;
        }
        counters.handshakeFailures.count(TlsHandshakeFailure.TIMEOUT);
        fail(new TlsHandshakeException(TlsHandshakeFailure.TIMEOUT, "TLS handshake with " + peer() + " did not complete within "
                + res.context.config().handshakeTimeout(), null), Teardown.RESET);
    }

    private void closeTimedOut() {
        closeTimer = null;
        if (!finished) {
            finishTcp(); // unread data, if any, turns this into a reset: the peer did not finish in time
        }
    }

    /** The engine threw: count it under its reason and end the connection (the engine's alert goes out). */
    private void engineFailed(SSLException e) {
        if (failure != null) {
            return;
        }
        if (!handshakeDone) {
            TlsHandshakeFailure reason = versionRefused ? TlsHandshakeFailure.PROTOCOL_VERSION : FailureClassifier.handshake(e);
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

    private void protocolError(String what) {
        if (!handshakeDone) {
            counters.handshakeFailures.count(TlsHandshakeFailure.PROTOCOL_ERROR);
            fail(new TlsHandshakeException(TlsHandshakeFailure.PROTOCOL_ERROR, what, null), Teardown.RESET);
        } else {
            counters.errors.count(TlsStreamError.PROTOCOL_ERROR);
            fail(new TlsStreamException(TlsStreamError.PROTOCOL_ERROR, what, null), Teardown.RESET);
        }
    }

    private void resourcesExhausted(String what) {
        if (!handshakeDone) {
            counters.handshakeFailures.count(TlsHandshakeFailure.RESOURCES);
            fail(new TlsHandshakeException(TlsHandshakeFailure.RESOURCES, what, null), Teardown.RESET);
        } else {
            counters.errors.count(TlsStreamError.RESOURCES);
            fail(new TlsStreamException(TlsStreamError.RESOURCES, what, null), Teardown.RESET);
        }
    }

    private void internalError(Throwable e) {
        LOG.log(System.Logger.Level.ERROR, "TLS engine failure on " + this, e);
        protocolError("TLS engine failure on " + this + ": " + e);
    }

    /** Aborts (RST) for the application or for data after close. */
    private void abortWith(Throwable cause) {
        if (finished) {
            return;
        }
        if (failure == null) {
            failure = cause;
            failPending(cause);
        }
        releaseBuffers();
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
        cancel(handshakeTimer);
        handshakeTimer = null;
        failPending(cause);
        releaseBuffers();
        switch (teardown) {
            case GRACEFUL -> {
                if (!tasksRunning) {
                    sendEngineAlert();
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

    /** After an engine failure its fatal alert waits to be wrapped: send it. */
    private void sendEngineAlert() {
        for (int i = 0; i < 4 && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP; i++) {
            ByteBuffer dst = res.scratch(TlsShard.SCRATCH_BYTES);
            try {
                SSLEngineResult r = engine.wrap(res.empty, dst);
                if (r.bytesProduced() == 0) {
                    break;
                }
                Packet p = shard.packets().allocate();
                if (p.appendBytes(res.scratch, 0, r.bytesProduced()) < r.bytesProduced()) {
                    p.release();
                    break;
                }
                tcp.write(p);
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    break;
                }
            } catch (SSLException | RuntimeException e) {
                break;
            }
        }
    }

    /** Failed gracefully: drop input until the peer's FIN, then close TCP. */
    private void discardInput() {
        if (finished) {
            return;
        }
        if (ciphertext != null) {
            ciphertext.release();
            ciphertext = null;
        }
        if (tcpEof) {
            finishTcp();
        } else {
            requestTcpRead();
        }
    }

    /** Closes TCP (FIN after what was written) and leaves the shard's list: the end of a connection. */
    private void finishTcp() {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimers();
        releaseBuffers();
        res.remove(this);
        tcpShutdown();
        tcp.close(); // returns the shutdown's future, whose one continuation is finAcked
        maybeCompleteClose();
    }

    private void failPending(Throwable cause) {
        handshake.tryFail(cause);
        failPendingRead(cause);
        if (blocked != null) {
            for (PendingWrite w; (w = blocked.pollFirst()) != null; ) {
                if (w.data() != null) {
                    w.data().release();
                    w.promise().tryFail(cause);
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

    private void releaseBuffers() {
        if (ciphertext != null) {
            ciphertext.release();
            ciphertext = null;
        }
        if (plaintext != null) {
            plaintext.release();
            plaintext = null;
        }
    }

    private void cancelTimers() {
        cancel(handshakeTimer);
        handshakeTimer = null;
        cancel(closeTimer);
        closeTimer = null;
    }

    private static void cancel(Timer t) {
        if (t != null) {
            t.cancel();
        }
    }

    /** The shard is stopping (TCP already shut down): give back every buffer, fail what waits. */
    void shutDownWithShard() {
        ConnectionAbortedException e = new ConnectionAbortedException("the shard stopped");
        if (failure == null) {
            failure = e;
            failPending(e);
        }
        releaseBuffers();
        finished = true;
        cancelTimers();
        res.remove(this);
    }
}
