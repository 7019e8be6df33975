package io.panamax.tls;

import io.panamax.reactor.Promise;
import io.panamax.reactor.Shard;
import io.panamax.reactor.Timer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tls.wire.ClientHello;
import io.panamax.tls.wire.ClientHelloParser;
import io.panamax.tls.wire.TlsAlert;
import io.panamax.tls.wire.TlsRecordHeader;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * The handshake driver of one {@link TlsConnection}: starts the engine's handshake under its
 * timeout, runs the engine's delegated tasks (the public-key crypto) on
 * {@link TlsConfig#delegatedTasks()} and resumes the connection on its shard, reads a server's
 * first flight for the ClientHello (RFC 7507's TLS_FALLBACK_SCSV, which the JDK does not check,
 * and the versions offered), refuses a bad first flight with a plaintext alert while no keys are
 * in use, and completes the connection's {@link TlsConnection#handshake()} future.
 *
 * <p>It decides nothing about the records (that is {@link TlsRecordLayer}) nor about how a failed
 * connection ends (that is {@link TlsClosing}); it says when and why.
 */
final class TlsHandshake {
    /** The first flight inspected for a ClientHello: the parser's limit plus a record. */
    private static final int HELLO_INSPECTION_LIMIT = ClientHelloParser.MAX_CLIENT_HELLO + TlsRecordHeader.MAX_RECORD;

    private final TlsConnection conn;
    private final SSLEngine engine;
    private final TlsShard res;
    private final TlsCounters counters;
    private final Shard shard;
    private final boolean client;
    private final Promise<TlsConnection> done = new Promise<>();
    private final long startedAt;
    private Timer timer;

    private boolean finished;
    private boolean tasksRunning;
    private boolean helloChecked;
    private ClientHello hello;
    private boolean versionRefused;
    /** Whether the engine has taken any record: until then a refusal may be a plaintext alert. */
    private boolean engineSawInput;

    TlsHandshake(TlsConnection conn, SSLEngine engine, TlsShard res, boolean client) {
        this.conn = conn;
        this.engine = engine;
        this.res = res;
        this.counters = res.counters;
        this.shard = res.shard;
        this.client = client;
        this.startedAt = shard.nanoTime();
    }

    /** Arms the handshake timeout and starts the engine; false if the engine refused to start (reported). */
    boolean start() {
        timer = shard.timers().schedule(res.context.config().handshakeTimeout().toNanos(), this::timedOut);
        try {
            engine.beginHandshake();
            return true;
        } catch (SSLException e) {
            conn.failures.engineFailed(e);
            return false;
        }
    }

    Promise<TlsConnection> future() {
        return done;
    }

    boolean isDone() {
        return finished;
    }

    /** A delegated task is running off the shard: the engine can do nothing else meanwhile. */
    boolean tasksRunning() {
        return tasksRunning;
    }

    /** The engine took a record (keys may be in use: a refusal can no longer be a plaintext alert). */
    void engineSawInput() {
        engineSawInput = true;
    }

    /** The server's ClientHello, once read (null for a client, or if it could not be parsed). */
    ClientHello hello() {
        return hello;
    }

    /** The failure reason of an engine exception during the handshake. */
    TlsHandshakeFailure reasonFor(SSLException e) {
        return versionRefused ? TlsHandshakeFailure.PROTOCOL_VERSION : FailureClassifier.handshake(e);
    }

    /** The engine says the handshake is over: count it and complete the future. */
    void finished() {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimer();
        (client ? counters.clientHandshakes : counters.serverHandshakes).increment();
        counters.handshakeNanos.record(shard.nanoTime() - startedAt);
        done.tryComplete(conn);
    }

    void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private void timedOut() {
        timer = null;
        if (finished || conn.closing.hasEnded()) {
            return;
        }
        counters.handshakeFailures.count(TlsHandshakeFailure.TIMEOUT);
        conn.closing.fail(new TlsHandshakeException(TlsHandshakeFailure.TIMEOUT, "TLS handshake with " + conn.peer()
                + " did not complete within " + res.context.config().handshakeTimeout(), null), TlsClosing.Teardown.RESET);
    }

    // ---- the server's first flight ----

    /** Whether the record at the front of the ciphertext must first go through {@link #checkClientHello}. */
    boolean helloPending() {
        return !client && !helloChecked;
    }

    /**
     * Server: the first flight must hold the whole ClientHello before the engine sees it. A
     * fallback (RFC 7507 §3) below the highest version enabled is refused here with
     * inappropriate_fallback; anything the parser does not understand is left to the engine.
     */
    TlsRecordLayer.Step checkClientHello(Packet ciphertext, int avail) {
        int n = Math.min(avail, HELLO_INSPECTION_LIMIT);
        byte[] head = new byte[n]; // once per handshake
        ciphertext.copyTo(0, head, 0, n);
        ClientHelloParser.Result r = ClientHelloParser.parseStream(head, 0, n);
        switch (r.status()) {
            case NEED_MORE -> {
                if (n < HELLO_INSPECTION_LIMIT) {
                    return TlsRecordLayer.Step.NEED_INPUT;
                }
                helloChecked = true;
                return TlsRecordLayer.Step.PROGRESS;
            }
            case OK -> {
                helloChecked = true;
                hello = r.hello();
                if (hello.fallbackScsv() && hello.highestVersion() < res.context.highestVersion()) {
                    refuseFirstFlight(TlsHandshakeFailure.INAPPROPRIATE_FALLBACK, TlsAlert.INAPPROPRIATE_FALLBACK,
                            "downgrade refused: the ClientHello carries TLS_FALLBACK_SCSV with "
                                    + ClientHello.versionName(hello.highestVersion()) + " while "
                                    + ClientHello.versionName(res.context.highestVersion()) + " is enabled (RFC 7507)");
                    return TlsRecordLayer.Step.STOP;
                }
                versionRefused = !res.context.acceptsAnyVersionOf(hello);
                return TlsRecordLayer.Step.PROGRESS;
            }
            default -> {
                helloChecked = true; // malformed or not a ClientHello: the engine refuses it with the right alert
                return TlsRecordLayer.Step.PROGRESS;
            }
        }
    }

    /**
     * Refuses the handshake with a plaintext fatal alert while the engine has taken nothing
     * (no keys are in use yet), or with a reset after that.
     */
    void refuseFirstFlight(TlsHandshakeFailure reason, int alert, String what) {
        counters.handshakeFailures.count(reason);
        TlsHandshakeException e = new TlsHandshakeException(reason, "TLS handshake with " + conn.peer() + " failed: " + what, null);
        if (engineSawInput) {
            conn.closing.fail(e, TlsClosing.Teardown.RESET);
            return;
        }
        conn.records.sendPlaintext(TlsAlert.plaintextFatal(alert));
        conn.closing.fail(e, TlsClosing.Teardown.GRACEFUL);
    }

    // ---- delegated tasks ----

    /**
     * Runs the engine's delegated tasks: on the configured executor, resuming on the shard
     * (returns false: the connection waits), or inline when so configured (returns true).
     */
    boolean runDelegatedTasks() {
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
            conn.failures.resourcesExhausted("the delegated-task executor refused the handshake's work: " + e.getMessage());
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
        if (conn.closing.hasEnded()) {
            return;
        }
        if (error != null) {
            conn.failures.internalError(error);
            return;
        }
        conn.resume();
    }
}
