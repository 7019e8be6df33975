package io.panamax.tls;

import io.panamax.reactor.Completion;
import io.panamax.reactor.Promise;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Shard;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.TcpException;

import java.util.ArrayDeque;

/**
 * The write path of one {@link TlsConnection}: plaintext written is handed to the record layer
 * ({@link TlsRecordLayer#encrypt}) at once, or waits in order, with a shutdownOutput among the
 * writes, while the handshake (or a delegated task) keeps the engine from taking it. The engine
 * loop calls {@link #flushQueued()} when the engine can take it again.
 *
 * <p>Heap: a completion write allocates nothing, waiting or not (two deques rather than a pair
 * object per write); the future form reuses one {@link WriteProbe} while writes complete at
 * once, and costs a promise only when a write waits.
 */
final class TlsWriter {
    /** In the queue of writes that wait, the place of a shutdownOutput. */
    private static final Object SHUTDOWN = new Object();

    private final TlsConnection conn;
    private final Shard shard;
    /**
     * Writes (and a shutdown) waiting for the handshake or a delegated task, in order: a packet
     * (or {@link #SHUTDOWN}) in {@link #queuedData}, its completion at the same place in
     * {@link #queuedDone}.
     */
    private ArrayDeque<Object> queuedData;
    private ArrayDeque<Completion<? super Void>> queuedDone;
    /** The completion the future form of {@link #write(ReadBuffer)} passes, reused until a write waits. */
    private WriteProbe probe;

    TlsWriter(TlsConnection conn, Shard shard) {
        this.conn = conn;
        this.shard = shard;
    }

    /**
     * Encrypts {@code buffer} into records for TCP now, or queues it behind the handshake (or a
     * delegated task), and completes {@code into} when TCP has taken its last record.
     */
    void write(ReadBuffer buffer, Completion<? super Void> into) {
        Throwable refused = conn.closing.writeRefusal();
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
        TlsRecordLayer records = conn.records;
        records.hold();
        try {
            switch (records.encrypt(data, into, conn.handshake)) {
                case TAKEN -> {
                }
                case WAIT -> {
                    enqueue(data, into);
                    conn.resume();
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
    ShardFuture<Void> write(ReadBuffer buffer) {
        // Taken off the connection while in use: a write made from a completion this write delivers
        // (an earlier write's) must not share it, and takes a fresh one.
        WriteProbe p = probe != null ? probe : new WriteProbe();
        probe = null;
        p.state = WriteProbe.PENDING;
        conn.write(buffer, p);
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

    /** A write now must wait: the handshake is not done, a task runs, or earlier writes wait. */
    boolean mustQueue() {
        return !conn.handshake.isDone() || conn.handshake.tasksRunning() || hasQueued();
    }

    boolean hasQueued() {
        return queuedData != null && !queuedData.isEmpty();
    }

    /** A shutdownOutput behind the writes that wait; it completes its own future, not a completion. */
    void queueShutdown() {
        queue().addLast(SHUTDOWN);
        queuedDone.addLast(TlsRecordLayer.IGNORED);
    }

    private ArrayDeque<Object> queue() {
        if (queuedData == null) {
            queuedData = new ArrayDeque<>();
            queuedDone = new ArrayDeque<>();
        }
        return queuedData;
    }

    private void enqueue(Packet data, Completion<? super Void> into) {
        queue().addLast(data);
        queuedDone.addLast(into);
    }

    /** Sends the writes (and the shutdown) that waited, in order, as far as the engine lets them. */
    void flushQueued() {
        TlsRecordLayer records = conn.records;
        records.hold();
        try {
            while (!queuedData.isEmpty() && conn.closing.failure() == null && !conn.handshake.tasksRunning()) {
                Object d = queuedData.pollFirst();
                Completion<? super Void> into = queuedDone.pollFirst();
                if (d == SHUTDOWN) {
                    conn.closing.sendQueuedShutdown();
                    continue;
                }
                switch (records.encrypt((Packet) d, into, conn.handshake)) {
                    case TAKEN -> {
                    }
                    case WAIT -> {
                        // The engine has something to do first; the rest of this write waits at the head.
                        queuedData.addFirst(d);
                        queuedDone.addFirst(into);
                        return;
                    }
                    case FAILED -> into.fail(records.refusal());
                }
            }
        } finally {
            records.release();
        }
    }

    /** The connection failed: every write that waits fails with {@code cause}, its buffer given back. */
    void failQueued(Throwable cause) {
        if (queuedData == null) {
            return;
        }
        for (Object d; (d = queuedData.pollFirst()) != null; ) {
            Completion<? super Void> into = queuedDone.pollFirst();
            if (d != SHUTDOWN) {
                ((Packet) d).release();
                into.fail(cause);
            }
        }
    }
}
