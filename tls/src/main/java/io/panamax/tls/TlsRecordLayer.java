package io.panamax.tls;

import io.panamax.reactor.Completion;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.BufferPool;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.ConnectionAbortedException;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpException;
import io.panamax.tls.wire.TlsRecordHeader;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * The record layer of one {@link TlsConnection} (RFC 8446 §5, RFC 5246 §6): reads ciphertext from
 * TCP, checks each record's header ({@link TlsRecordHeader}) before the engine sees it, decrypts
 * whole records into packet buffers, and encrypts what is written (application data, handshake
 * flights, alerts) into records that TCP sends.
 *
 * <p>Nothing here allocates per record or per write, waiting or not. Reads from TCP complete one
 * object ({@link TcpReads}); each plaintext write is cut into records written to TCP with a
 * completion, and the completion of its last record is one shared object ({@link TcpWrites}):
 * TCP takes writes in order, so the oldest write still waiting ({@link #accepting}) is the one
 * that was taken. A write's completion is never called while the layer is using the shard's
 * scratch area (from inside TCP's write): it is held ({@link #hold()}) and called once the
 * connection has finished the call that took it, so an application that writes again from its
 * completion finds the layer idle and its write in order.
 *
 * <p>It reports what it finds (the handshake finished, close_notify, a bad record, an engine
 * failure) to the connection ({@link TlsFailures}, {@link TlsClosing}), which decides what follows.
 */
final class TlsRecordLayer {
    /** A read gathers whole records already received up to about this much plaintext. */
    static final int READ_BATCH = 64 * 1024;

    /** What an attempt to decrypt one record came to. */
    enum Step { PROGRESS, NEED_INPUT, STOP }

    /** A completion for TCP writes whose acceptance nobody waits for (records before a write's last, alerts). */
    static final Completion<Object> IGNORED = new Completion<>() {
        @Override
        public void complete(Object value) {
        }

        @Override
        public void fail(Throwable cause) {
        }
    };

    private final TlsConnection conn;
    private final TcpConnection tcp;
    private final SSLEngine engine;
    private final TlsShard res;
    private final TlsCounters counters;
    private final Shard shard;
    private final TcpReads tcpReads = new TcpReads();
    private final TcpWrites tcpWrites = new TcpWrites();

    // ---- inbound ----
    /** Received from TCP and not yet decrypted: null or non-empty. */
    private Packet ciphertext;
    /** Decrypted and not yet read. */
    private Packet plaintext;
    private boolean tcpReading;
    private boolean tcpEof;
    private boolean retryArmed;

    // ---- outbound ----
    /** The completions of the writes whose last record TCP has not taken yet, oldest first. */
    private final ArrayDeque<Completion<? super Void>> accepting = new ArrayDeque<>();
    /** While above zero, completions of writes TCP took are counted here instead of called. */
    private int holds;
    private int heldTaken;
    private int heldFailed;
    private Throwable heldCause;

    TlsRecordLayer(TlsConnection conn, TcpConnection tcp, SSLEngine engine, TlsShard res) {
        this.conn = conn;
        this.tcp = tcp;
        this.engine = engine;
        this.res = res;
        this.counters = res.counters;
        this.shard = res.shard;
    }

    // =====================================================================================
    // Inbound
    // =====================================================================================

    boolean tcpEof() {
        return tcpEof;
    }

    /** Bytes of received ciphertext not yet decrypted (of an incomplete record, once nothing more decrypts). */
    int undecrypted() {
        return ciphertext == null ? 0 : ciphertext.length();
    }

    boolean hasPlaintext() {
        return plaintext != null;
    }

    int plaintextLength() {
        return plaintext == null ? 0 : plaintext.length();
    }

    /** Hands the decrypted bytes over (the caller owns them), or null. */
    Packet takePlaintext() {
        Packet p = plaintext;
        plaintext = null;
        return p;
    }

    /** Drops whatever ciphertext is buffered (after a closure alert or a failure). */
    void dropCiphertext() {
        if (ciphertext != null) {
            ciphertext.release();
            ciphertext = null;
        }
    }

    /** Gives back every buffer held. */
    void releaseBuffers() {
        dropCiphertext();
        if (plaintext != null) {
            plaintext.release();
            plaintext = null;
        }
    }

    /** Asks TCP for more ciphertext, unless a read is under way or the stream has ended. */
    void requestTcpRead() {
        if (tcpReading || tcpEof || conn.closing.isFinished()) {
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
            conn.failures.tcpFailed(e);
            return;
        }
        // TCP's reads are packets of this shard: no copy is made.
        Packet p = Packet.of(received, shard.packets());
        if (p == null) {
            conn.failures.tcpFailed(new TcpException("packet buffers exhausted"));
            return;
        }
        if (p.isEmpty()) {
            p.release();
            tcpEof = true;
        } else if (conn.ignoresInput()) {
            p.release(); // RFC 8446 §6.1: data after a closure alert is ignored
        } else if (ciphertext == null) {
            ciphertext = p;
        } else {
            ciphertext.append(p);
        }
        conn.resume();
    }

    /** Decrypts the record at the front of the ciphertext, if it is all there. */
    Step unwrapOne(TlsHandshake handshake) {
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
            conn.failures.badRecord(v, type, major, minor, len);
            return Step.STOP;
        }
        if (v != TlsRecordHeader.Verdict.COMPLETE) {
            return Step.NEED_INPUT;
        }
        if (handshake.helloPending()) {
            Step s = handshake.checkClientHello(ct, avail);
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
            handshake.engineSawInput();
            conn.failures.engineFailed(e);
            return Step.STOP;
        } catch (RuntimeException e) {
            releaseAll(bufs, k);
            res.clearArray(k);
            conn.failures.internalError(e);
            return Step.STOP;
        }
        handshake.engineSawInput();
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
            handshake.finished();
        }
        switch (r.getStatus()) {
            case CLOSED -> {
                conn.closeNotifyArrived();
                return Step.PROGRESS;
            }
            case OK -> {
                if (produced > 0 && conn.closing.isDraining()) {
                    // Data after our close: as with TCP, the peer learns by a reset that it was not read.
                    takePlaintext().release();
                    conn.closing.abortWith(new ConnectionAbortedException("data arrived after close; connection reset"));
                    return Step.STOP;
                }
                return consumed > 0 ? Step.PROGRESS : Step.STOP;
            }
            default -> {
                // Never expected: the record is whole and the buffers hold its fragment.
                conn.failures.protocolError("the TLS engine answered " + r.getStatus() + " for a whole " + len + "-byte record");
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

    /** The shard's packet buffers ran out: try again shortly (TCP holds the data meanwhile). */
    private void waitForBuffers() {
        counters.bufferWaits.increment();
        if (!retryArmed) {
            retryArmed = true;
            shard.timers().schedule(1_000_000L, () -> {
                retryArmed = false;
                conn.resume();
            });
        }
    }

    // =====================================================================================
    // Outbound
    // =====================================================================================

    /**
     * Wraps what the engine wants to send with no application data: handshake flights, alerts,
     * post-handshake messages, close_notify. Returns whether it made progress.
     */
    boolean wrapControl(TlsHandshake handshake) {
        ByteBuffer dst = res.scratch(TlsShard.SCRATCH_BYTES);
        SSLEngineResult r;
        try {
            r = engine.wrap(res.empty, dst);
        } catch (SSLException e) {
            conn.failures.engineFailed(e);
            return false;
        } catch (RuntimeException e) {
            conn.failures.internalError(e);
            return false;
        }
        int produced = r.bytesProduced();
        if (produced > 0 && !sendScratch(produced, IGNORED)) {
            return false;
        }
        if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
            handshake.finished();
        }
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            conn.closing.outboundClosed();
            return produced > 0;
        }
        return produced > 0 || r.getHandshakeStatus() != HandshakeStatus.NEED_WRAP;
    }

    /** After an engine failure its fatal alert waits to be wrapped: send it (best effort). */
    void sendEngineAlert() {
        for (int i = 0; i < 4 && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP; i++) {
            ByteBuffer dst = res.scratch(TlsShard.SCRATCH_BYTES);
            try {
                SSLEngineResult r = engine.wrap(res.empty, dst);
                if (r.bytesProduced() == 0 || !sendCopy(res.scratch, r.bytesProduced())) {
                    break;
                }
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    break;
                }
            } catch (SSLException | RuntimeException e) {
                break;
            }
        }
    }

    /** Sends {@code bytes} as they are, outside any record protection (a plaintext alert before keys exist). */
    void sendPlaintext(byte[] bytes) {
        sendCopy(bytes, bytes.length);
    }

    private boolean sendCopy(byte[] bytes, int len) {
        Packet p = shard.packets().allocate();
        if (p.appendBytes(bytes, 0, len) < len) {
            p.release();
            return false;
        }
        tcp.write(p, IGNORED);
        return true;
    }

    /** Sends {@code produced} bytes of the scratch area, copied into packet buffers, completing {@code taken}. */
    private boolean sendScratch(int produced, Completion<? super Void> taken) {
        Packet p = shard.packets().allocate();
        if (p.appendBytes(res.scratch, 0, produced) < produced) {
            p.release();
            conn.failures.resourcesExhausted("packet buffers exhausted while sending " + produced + " bytes of TLS records");
            return false;
        }
        counters.recordsSent.increment();
        tcp.write(p, taken);
        return true;
    }

    /** What became of a write handed to {@link #encrypt}. */
    enum Sent {
        /** Every record went to TCP: the write's completion follows TCP's acceptance of the last. */
        TAKEN,
        /** The engine must do something else first (a delegated task, a post-handshake message): what was sent was trimmed off. */
        WAIT,
        /** The connection failed (or its output closed): the caller fails the write with {@link #refusal()}. */
        FAILED
    }

    private Throwable refusal;

    /** Why the last {@link #encrypt} answered {@link Sent#FAILED}. */
    Throwable refusal() {
        Throwable r = refusal;
        refusal = null;
        return r;
    }

    /**
     * Encrypts and sends {@code data} (taking it over, except for {@link Sent#WAIT}, when the rest
     * stays the caller's): one record per engine call, each written to TCP; {@code into} completes
     * when TCP has taken the last. Call between {@link #hold()} and {@link #release()}.
     */
    Sent encrypt(Packet data, Completion<? super Void> into, TlsHandshake handshake) {
        int n = data.fragmentCount();
        ByteBuffer[] srcs = res.array(n);
        res.views.begin();
        for (int i = 0; i < n; i++) {
            srcs[i] = res.views.window(data.fragmentBuffer(i), data.fragmentOffset(i), data.fragmentLength(i));
        }
        long total = data.length();
        long consumed = 0;
        int first = 0;
        while (consumed < total) {
            while (first < n && !srcs[first].hasRemaining()) {
                first++;
            }
            ByteBuffer dst = res.scratch(TlsShard.SCRATCH_BYTES);
            SSLEngineResult r;
            try {
                r = engine.wrap(srcs, first, n - first, dst);
            } catch (SSLException e) {
                return refused(data, n, null, () -> conn.failures.engineFailed(e));
            } catch (RuntimeException e) {
                return refused(data, n, null, () -> conn.failures.internalError(e));
            }
            int produced = r.bytesProduced();
            consumed += r.bytesConsumed();
            boolean last = consumed >= total;
            if (produced > 0) {
                if (last) {
                    accepting.addLast(into);
                }
                if (!sendScratch(produced, last ? tcpWrites : IGNORED)) {
                    if (last) {
                        accepting.pollLast();
                    }
                    return refused(data, n, null, null);
                }
            } else if (last) {
                // The engine consumed the end of the data and produced no record for it: never seen
                // (a wrap of application data always makes a record), and a write without a last
                // record would never complete.
                return refused(data, n, null, () -> conn.failures.protocolError("the TLS engine took " + r.bytesConsumed()
                        + " bytes to write and produced no record"));
            }
            counters.plaintextBytesSent.add(r.bytesConsumed());
            if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                handshake.finished();
            }
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                return refused(data, n, new ConnectionAbortedException("write on a TLS connection whose output is closed: " + conn),
                        conn.closing::outboundClosed);
            }
            if (r.getStatus() != SSLEngineResult.Status.OK) {
                return refused(data, n, null, () -> conn.failures.protocolError("the TLS engine answered " + r.getStatus() + " to a write"));
            }
            if (r.bytesConsumed() == 0 && produced == 0) {
                res.clearArray(n);
                data.trimFront((int) consumed);
                return Sent.WAIT;
            }
        }
        res.clearArray(n);
        data.release();
        return Sent.TAKEN;
    }

    /** Ends a write that failed half way: gives back the data, reports, and says why for the caller. */
    private Sent refused(Packet data, int n, Throwable why, Runnable report) {
        res.clearArray(n);
        data.release();
        if (report != null) {
            report.run();
        }
        refusal = why != null ? why : conn.closing.failureOr("the TLS connection failed while writing");
        return Sent.FAILED;
    }

    /**
     * The completion of the TCP write of each write's last record. TCP takes writes in order and
     * completes each once, so the oldest completion in {@link #accepting} is the one to call.
     */
    private final class TcpWrites implements Completion<Void> {
        @Override
        public void complete(Void v) {
            taken(null);
        }

        @Override
        public void fail(Throwable cause) {
            taken(cause);
        }
    }

    private void taken(Throwable cause) {
        if (holds > 0) {
            if (cause == null) {
                heldTaken++;
            } else {
                heldFailed++;
                if (heldCause == null) {
                    heldCause = cause;
                }
            }
            return;
        }
        deliver(cause);
    }

    private void deliver(Throwable cause) {
        Completion<? super Void> c = accepting.pollFirst();
        if (c == null) {
            return;
        }
        if (cause == null) {
            c.complete(null);
        } else {
            c.fail(cause);
        }
    }

    /** From now until {@link #release()}, a write's completion is held, not called. Nests. */
    void hold() {
        holds++;
    }

    /**
     * Ends a {@link #hold()}: the outermost one calls the completions of the writes TCP took
     * meanwhile, in order (taken before failed: once TCP fails a write it fails every later one).
     */
    void release() {
        if (--holds > 0) {
            return;
        }
        while (heldTaken > 0 || heldFailed > 0) {
            if (heldTaken > 0) {
                heldTaken--;
                deliver(null);
            } else {
                heldFailed--;
                Throwable cause = heldCause;
                if (heldFailed == 0) {
                    heldCause = null;
                }
                deliver(cause);
            }
        }
    }
}
