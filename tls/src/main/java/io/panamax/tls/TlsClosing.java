package io.panamax.tls;

import io.panamax.reactor.Promise;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Timer;
import io.panamax.tcp.ConnectionAbortedException;
import io.panamax.tcp.TcpConnection;

/**
 * How one {@link TlsConnection} ends: closing (RFC 8446 §6.1, RFC 5246 §7.2.1) and failure.
 *
 * <ul>
 * <li>{@link #shutdownOutput()}: close_notify, then the TCP FIN; its future completes when the
 *     FIN is acknowledged. Queued behind writes that wait for the handshake ({@link TlsWriter}).
 * <li>{@link #close()}: close_notify and FIN, then reading on ({@link #isDraining()}) until the
 *     peer's close_notify or FIN, at most {@link TlsConfig#closeTimeout()}, before the TCP close,
 *     so that nothing unread turns the close into a reset. Unread plaintext resets, as TCP does.
 * <li>{@link #fail}: the end after a failure ({@link TlsFailures} says which), with its
 *     {@link Teardown}; {@link #abortWith}: a reset.
 * </ul>
 *
 * <p>The state it keeps ({@link #failure()}, {@link #isFinished()}, whether close_notify went
 * out) is what the engine loop and the write path ask before they do anything.
 */
final class TlsClosing {
    /** How a failed connection takes its TCP connection down. */
    enum Teardown {
        /** Send what the engine has for the peer (its alert), FIN, drop input until the peer's FIN. */
        GRACEFUL,
        /** Reset at once. */
        RESET,
        /** TCP has failed already: just close it. */
        TCP_GONE
    }

    private final TlsConnection conn;
    private final TcpConnection tcp;
    private final TlsShard res;
    private final TlsCounters counters;
    private Timer closeTimer;

    /** close() was called: reading on until the peer's close_notify or FIN, then the TCP close. */
    private boolean draining;
    /** Failed: dropping input until the peer's FIN, then the TCP close. */
    private boolean discarding;
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

    TlsClosing(TlsConnection conn, TcpConnection tcp, TlsShard res) {
        this.conn = conn;
        this.tcp = tcp;
        this.res = res;
        this.counters = res.counters;
    }

    // ---- what the others ask ----

    Throwable failure() {
        return failure;
    }

    boolean isFinished() {
        return finished;
    }

    /** Failed or finished: the handshake's timer and tasks have nothing left to do. */
    boolean hasEnded() {
        return finished || failure != null;
    }

    boolean isDraining() {
        return draining;
    }

    /** Failed gracefully: the loop drops input until the peer's FIN ({@link #discardInput()}). */
    boolean isDiscarding() {
        return discarding;
    }

    /** close_notify has gone out (or the engine closed its output on a fatal alert). */
    boolean isOutboundClosed() {
        return outboundClosed;
    }

    /** The failure, or else a {@link ConnectionAbortedException} saying {@code what}. */
    Throwable failureOr(String what) {
        return failure != null ? failure : new ConnectionAbortedException(what + " on " + conn);
    }

    /** Why a write is refused now (failed, shut down, or TLS 1.2's close), or null if it is not. */
    Throwable writeRefusal() {
        if (failure != null) {
            return failure;
        }
        if (shutdownFuture != null) {
            return new ConnectionAbortedException("write after shutdownOutput/close on " + conn);
        }
        if (outboundClosed) {
            return new ConnectionAbortedException("write after the peer's close_notify on " + conn
                    + " (TLS 1.2 closes both directions, RFC 5246 §7.2.1)");
        }
        return null;
    }

    // ---- closing ----

    ShardFuture<Void> shutdownOutput() {
        if (shutdownFuture != null) {
            return shutdownFuture;
        }
        if (failure != null) {
            shutdownFuture = ShardFuture.failed(failure);
            return shutdownFuture;
        }
        outputDone = new Promise<>();
        shutdownFuture = outputDone;
        if (conn.writer.mustQueue()) {
            conn.writer.queueShutdown();
        } else {
            sendCloseNotify();
        }
        completeOutput();
        return shutdownFuture;
    }

    ShardFuture<Void> close() {
        if (closePromise != null) {
            return closePromise;
        }
        closePromise = new Promise<>();
        conn.closeReads();
        if (failure != null || finished) {
            if (!finished && !discarding) {
                finishTcp();
            }
            closePromise.fail(failure != null ? failure : new ConnectionAbortedException("connection already closed"));
            return closePromise;
        }
        if (!conn.handshake.isDone()) {
            fail(new ConnectionAbortedException("closed before the TLS handshake completed"), Teardown.GRACEFUL);
            return closePromise;
        }
        if (conn.records.hasPlaintext()) {
            // As TCP does (RFC 1122 4.2.2.13): closing with unread data resets, so the peer learns it was lost.
            abortWith(new ConnectionAbortedException("closed with unread data; connection reset"));
            return closePromise;
        }
        draining = true;
        closeTimer = conn.shard().timers().schedule(res.context.config().closeTimeout().toNanos(), this::closeTimedOut);
        shutdownOutput();
        conn.resume(); // reads on until the peer's close_notify or FIN, then closes TCP
        return closePromise;
    }

    /** The shutdown that waited behind writes: close_notify now, and its future if the FIN is acknowledged. */
    void sendQueuedShutdown() {
        sendCloseNotify();
        completeOutput();
    }

    /** close_notify (RFC 8446 §6.1), then the TCP FIN; {@link #outputDone} completes when the FIN is acknowledged. */
    private void sendCloseNotify() {
        conn.engine.closeOutbound();
        while (!outboundClosed && failure == null) {
            if (!conn.records.wrapControl(conn.handshake)) {
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

    private void closeTimedOut() {
        closeTimer = null;
        if (!finished) {
            finishTcp(); // unread data, if any, turns this into a reset: the peer did not finish in time
        }
    }

    // ---- failure ----

    /** Aborts (RST) for the application or for data after close. */
    void abortWith(Throwable cause) {
        if (finished) {
            return;
        }
        if (failure == null) {
            failure = cause;
            failPending(cause);
        }
        conn.records.releaseBuffers();
        finished = true;
        cancelTimers();
        res.remove(conn);
        tcp.abort();
        finAcked = true;
        maybeCompleteClose();
    }

    /**
     * Ends the connection: fails what is pending, gives back the buffers, and takes TCP down as
     * {@code teardown} says. Other connections and the shard go on.
     */
    void fail(Throwable cause, Teardown teardown) {
        if (failure != null || finished) {
            return;
        }
        failure = cause;
        conn.handshake.cancelTimer();
        failPending(cause);
        conn.records.releaseBuffers();
        switch (teardown) {
            case GRACEFUL -> {
                if (!conn.handshake.tasksRunning()) {
                    conn.records.sendEngineAlert();
                }
                discarding = true;
                tcpShutdown();
                if (closeTimer == null) {
                    closeTimer = conn.shard().timers().schedule(res.context.config().closeTimeout().toNanos(), this::closeTimedOut);
                }
                conn.discardInputSoon();
            }
            case RESET -> abortWith(cause);
            case TCP_GONE -> finishTcp();
        }
    }

    /** Failed gracefully: drop input until the peer's FIN, then close TCP. */
    void discardInput() {
        if (finished) {
            return;
        }
        conn.records.dropCiphertext();
        if (conn.records.tcpEof()) {
            finishTcp();
        } else {
            conn.records.requestTcpRead();
        }
    }

    /** Closes TCP (FIN after what was written) and leaves the shard's list: the end of a connection. */
    void finishTcp() {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimers();
        conn.records.releaseBuffers();
        res.remove(conn);
        tcpShutdown();
        tcp.close(); // returns the shutdown's future, whose one continuation is finAcked
        maybeCompleteClose();
    }

    private void failPending(Throwable cause) {
        conn.handshake.future().tryFail(cause);
        conn.failPendingRead(cause);
        conn.writer.failQueued(cause);
        if (outputDone != null && !outputDone.isDone() && !tcpShutdownCalled) {
            outputDone.fail(cause);
        }
    }

    private void cancelTimers() {
        conn.handshake.cancelTimer();
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
        conn.records.releaseBuffers();
        finished = true;
        cancelTimers();
        res.remove(conn);
    }
}
