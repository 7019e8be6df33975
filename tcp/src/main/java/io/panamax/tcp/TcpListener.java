package io.panamax.tcp;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Promise;

import java.net.StandardProtocolFamily;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A passive open on one local port of one shard (RFC 9293 LISTEN), for IPv4 and IPv6 or for one
 * of them ({@link #family()}). New connections reach the
 * application either through the callback given to {@link Tcp#listen(int, Consumer)} or, without
 * one, through {@link #accept()}.
 *
 * <p>Two queues, bounded apart (as Linux's SYN queue and accept queue):
 * <ul>
 * <li>the <b>SYN queue</b>: half-open connections (SYN-RECEIVED), at most
 *     {@link TcpConfig#synQueueSize()}. A SYN beyond it is answered with a SYN cookie
 *     ({@link TcpConfig#synCookies()}, RFC 4987 3.6) and no state is kept: a flood of spoofed SYNs
 *     fills the SYN queue but cannot keep real clients out. With cookies off it is dropped
 *     ({@code tcp_drops_total{reason="listen_overflow"}}) and the client retries after its RTO.
 * <li>the <b>accept queue</b>: established connections the application has not accepted, at most
 *     {@link #backlog()}. While it is full, SYNs and the handshake's final ACKs are dropped
 *     ({@code reason="accept_queue_full"}), unanswered: the client retransmits and gets in once the
 *     application accepts (Linux with {@code tcp_abort_on_overflow=0}). With a callback, a
 *     connection leaves it when the callback is scheduled, so it never fills.
 * </ul>
 */
public final class TcpListener {
    private final Tcp tcp;
    /** The one family listened for, or null for both. */
    private final StandardProtocolFamily family;
    private final int port;
    private final int backlog;
    private final Consumer<TcpConnection> onAccept;
    private final ArrayDeque<Tcb> ready = new ArrayDeque<>();
    private Promise<TcpConnection> waiting;
    private final int synQueueSize;
    /** Half-open connections holding a SYN-queue slot ({@link Tcb#backlogSlot}). */
    private int halfOpen;
    /** When this listener last answered with a SYN cookie (RFC 4987), or 0: cookie ACKs are looked at only after that. */
    private long lastCookieNanos;
    private boolean cookieSent;
    private boolean closed;

    TcpListener(Tcp tcp, StandardProtocolFamily family, int port, int backlog, Consumer<TcpConnection> onAccept) {
        this.tcp = tcp;
        this.family = family;
        this.port = port;
        this.backlog = backlog;
        this.onAccept = onAccept;
        this.synQueueSize = tcp.config().synQueueSize();
    }

    /** The one family listened for ({@code INET} or {@code INET6}), or null when both are. */
    public StandardProtocolFamily family() {
        return family;
    }

    /** The local port listened on. */
    public int port() {
        return port;
    }

    /** Established connections waiting to be accepted that the listener holds at most (the accept queue). */
    public int backlog() {
        return backlog;
    }

    /** Half-open connections the listener holds at most (the SYN queue). */
    public int synQueueSize() {
        return synQueueSize;
    }

    /** Connections half open or waiting to be accepted now. */
    public int pendingConnections() {
        return halfOpen + ready.size();
    }

    /** Half-open connections (SYN-RECEIVED) now. */
    public int halfOpenConnections() {
        return halfOpen;
    }

    /** Established connections waiting for {@link #accept()} now. */
    public int acceptQueueLength() {
        return ready.size();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * The next established connection; for a listener made without a callback. One accept at a
     * time. Fails with {@link ConnectionAbortedException} once the listener is closed.
     */
    public ShardFuture<TcpConnection> accept() {
        if (onAccept != null) {
            throw new IllegalStateException("this listener hands connections to its callback");
        }
        if (waiting != null) {
            throw new IllegalStateException("an accept() is already pending");
        }
        Tcb t = ready.pollFirst();
        if (t != null) {
            return ShardFuture.succeeded(t);
        }
        if (closed) {
            return ShardFuture.failed(new ConnectionAbortedException("listener on port " + port + " closed"));
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
            t.abort();
        }
        if (waiting != null) {
            Promise<TcpConnection> w = waiting;
            waiting = null;
            w.fail(new ConnectionAbortedException("listener on port " + port + " closed"));
        }
    }

    boolean synQueueFull() {
        return halfOpen >= synQueueSize;
    }

    boolean acceptQueueFull() {
        return ready.size() >= backlog;
    }

    /** This listener answered a SYN with a cookie at {@code nanos}. */
    void cookieSent(long nanos) {
        lastCookieNanos = nanos;
        cookieSent = true;
    }

    /**
     * Whether an ACK for no connection may carry a cookie: only within the cookies' lifetime after
     * one was sent (Linux's tcp_synq_no_recent_overflow), so that a listener that never needed
     * cookies does not guess at ACKs.
     */
    boolean cookiesRecent(long nanos) {
        return cookieSent && nanos - lastCookieNanos < SynCookies.MAX_AGE_MINUTES * SynCookies.MINUTE_NANOS;
    }

    /** A SYN became a half-open connection of this listener: it takes a SYN-queue slot. */
    void addPending(Tcb t) {
        halfOpen++;
        t.backlogSlot = true;
    }

    /** A connection of this listener completed its handshake. */
    void established(Tcb t) {
        if (closed) {
            t.abort();
            return;
        }
        // Out of the SYN queue; into the accept queue unless someone takes it now.
        releaseSlot(t);
        tcp.counters().accepted.increment();
        if (onAccept != null) {
            tcp.shard().schedule(() -> onAccept.accept(t));
        } else if (waiting != null) {
            Promise<TcpConnection> w = waiting;
            waiting = null;
            w.complete(t);
        } else {
            ready.addLast(t);
        }
    }

    /** A connection of this listener closed before it was accepted (reset, timed out). */
    void connectionClosed(Tcb t) {
        if (t.backlogSlot) {
            releaseSlot(t);
        } else {
            ready.remove(t);
        }
    }

    private void releaseSlot(Tcb t) {
        if (t.backlogSlot) {
            t.backlogSlot = false;
            halfOpen--;
        }
    }

    @Override
    public String toString() {
        return "TcpListener[port=" + port + ", " + (family == null ? "IPv4 and IPv6" : family == StandardProtocolFamily.INET ? "IPv4" : "IPv6") + ", half-open=" + halfOpen + "/" + synQueueSize + ", accept queue="
                + ready.size() + "/" + backlog + (closed ? ", closed" : "") + "]";
    }
}
