package io.panamax.tcp;

import io.panamax.reactor.Future;
import io.panamax.reactor.Promise;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A passive open on one local port of one shard (RFC 9293 LISTEN). New connections reach the
 * application either through the callback given to {@link Tcp#listen(int, Consumer)} or, without
 * one, through {@link #accept()}.
 *
 * <p>Backlog rule: a listener holds at most {@link #backlog()} connections that are half open
 * (SYN-RECEIVED) or established and not yet accepted. A SYN that arrives when it is full is
 * dropped, counted as {@code tcp_drops_total{reason="listen_overflow"}}, and not answered: the
 * client retransmits its SYN after its RTO and gets in once there is room (Linux does the same
 * with {@code tcp_abort_on_overflow=0}). With a callback, a connection leaves the backlog when the
 * callback is scheduled, so only the handshakes in progress count.
 */
public final class TcpListener {
    private final Tcp tcp;
    private final int port;
    private final int backlog;
    private final Consumer<TcpConnection> onAccept;
    private final ArrayDeque<Tcb> ready = new ArrayDeque<>();
    private Promise<TcpConnection> waiting;
    private int pending;
    private boolean closed;

    TcpListener(Tcp tcp, int port, int backlog, Consumer<TcpConnection> onAccept) {
        this.tcp = tcp;
        this.port = port;
        this.backlog = backlog;
        this.onAccept = onAccept;
    }

    /** The local port listened on. */
    public int port() {
        return port;
    }

    /** Connections half open or waiting to be accepted that the listener holds at most. */
    public int backlog() {
        return backlog;
    }

    /** Connections counted against the backlog now. */
    public int pendingConnections() {
        return pending;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * The next established connection; for a listener made without a callback. One accept at a
     * time. Fails with {@link ConnectionAbortedException} once the listener is closed.
     */
    public Future<TcpConnection> accept() {
        if (onAccept != null) {
            throw new IllegalStateException("this listener hands connections to its callback");
        }
        if (waiting != null) {
            throw new IllegalStateException("an accept() is already pending");
        }
        Tcb t = ready.pollFirst();
        if (t != null) {
            releaseSlot(t);
            return Future.succeeded(t);
        }
        if (closed) {
            return Future.failed(new ConnectionAbortedException("listener on port " + port + " closed"));
        }
        waiting = new Promise<>();
        return waiting;
    }

    /**
     * Stops listening: new SYNs to the port are refused with a RST, connections not yet accepted
     * are reset, connections already accepted go on.
     */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        tcp.removeListener(this);
        Tcb t;
        while ((t = ready.pollFirst()) != null) {
            releaseSlot(t);
            t.abort();
        }
        if (waiting != null) {
            Promise<TcpConnection> w = waiting;
            waiting = null;
            w.fail(new ConnectionAbortedException("listener on port " + port + " closed"));
        }
    }

    boolean hasRoom() {
        return pending < backlog;
    }

    /** A SYN became a half-open connection of this listener. */
    void addPending(Tcb t) {
        pending++;
        t.backlogSlot = true;
    }

    /** A connection of this listener completed its handshake. */
    void established(Tcb t) {
        if (closed) {
            t.abort();
            return;
        }
        tcp.counters().accepted.increment();
        if (onAccept != null) {
            releaseSlot(t);
            tcp.shard().schedule(() -> onAccept.accept(t));
        } else if (waiting != null) {
            Promise<TcpConnection> w = waiting;
            waiting = null;
            releaseSlot(t);
            w.complete(t);
        } else {
            ready.addLast(t);
        }
    }

    /** A connection of this listener closed before it was accepted (reset, timed out). */
    void connectionClosed(Tcb t) {
        if (t.backlogSlot) {
            ready.remove(t);
            releaseSlot(t);
        }
    }

    private void releaseSlot(Tcb t) {
        if (t.backlogSlot) {
            t.backlogSlot = false;
            pending--;
        }
    }

    @Override
    public String toString() {
        return "TcpListener[port=" + port + ", pending=" + pending + "/" + backlog + (closed ? ", closed" : "") + "]";
    }
}
