package io.panamax.netty;

import io.netty.channel.AbstractServerChannel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.ServerSocketChannel;
import io.panamax.ip.Ipv4Address;
import io.panamax.reactor.Shard;
import io.panamax.stack.ShardStack;
import io.panamax.stack.Stack;
import io.panamax.tcp.Tcp;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpListener;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A Netty {@link ServerSocketChannel} that listens on every shard of the stack at once, as
 * {@code SO_REUSEPORT} sockets would: a connection is accepted by the shard its flow hashes to
 * (RSS), and its {@link PanamaxSocketChannel} is registered on that shard's loop, never moved.
 *
 * <p>The channel itself lives on one loop (the one it was registered on): its pipeline (a
 * {@code ServerBootstrap}'s acceptor) sees every accepted child there, then hands the child to
 * its shard's loop. Binding listens on the channel's own shard at once (so a taken port fails the
 * bind) and on the other shards by a message each, a few microseconds later.
 */
public final class PanamaxServerSocketChannel extends AbstractServerChannel implements ServerSocketChannel {
    private static final int EPHEMERAL_LOW = 32_768;
    private static final int EPHEMERAL_HIGH = 60_999;

    private final PanamaxServerSocketChannelConfig config = new PanamaxServerSocketChannelConfig(this);
    private volatile boolean open = true;
    private volatile InetSocketAddress local;
    private PanamaxEventLoop loop;
    private IoRegistration registration;
    /** One listener per shard; slot k is written and read only on shard k. */
    private TcpListener[] listeners;
    /** Accepted children waiting for the pipeline to read them (server loop only). */
    private final ArrayDeque<PanamaxSocketChannel> accepted = new ArrayDeque<>();
    private boolean readPending;
    private boolean delivering;
    /** Shards whose listen has not been confirmed yet (server loop only). */
    private int listensPending;
    /** A shard could not listen (the port is taken there). */
    private BindException listenFailure;
    /** The caller's bind promise, completed once every shard listens. */
    private ChannelPromise bindWaiting;

    public PanamaxServerSocketChannel() {
    }

    @Override
    public PanamaxServerSocketChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open && local != null;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return null;
    }

    @Override
    protected SocketAddress localAddress0() {
        return local;
    }

    @Override
    protected boolean isCompatible(EventLoop l) {
        return l instanceof PanamaxEventLoop;
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new ServerUnsafe();
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        loop = (PanamaxEventLoop) eventLoop();
        Registrations.register(this, promise, r -> registration = r);
    }

    @Override
    protected void doDeregister() {
        Registrations.cancel(registration);
        registration = null;
    }

    // ---- bind: listen on every shard -------------------------------------------------------

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        InetSocketAddress want = (InetSocketAddress) localAddress;
        Stack stack = loop.parent().stack();
        int stackIp = stack.address().address();
        byte[] ip = want.getAddress() == null ? new byte[4] : want.getAddress().getAddress();
        if (ip.length != 4 || (Ipv4Address.fromBytes(ip) != 0 && Ipv4Address.fromBytes(ip) != stackIp)) {
            throw new BindException("Cannot assign requested address: " + want + " (the stack is "
                    + Ipv4Address.toString(stackIp) + ")");
        }
        int n = stack.shardCount();
        listeners = new TcpListener[n];
        int me = loop.shard().id();
        Tcp tcp = loop.shardStack().tcp();
        int backlog = config.getBacklog() > 0 ? config.getBacklog() : tcp.config().backlog();
        int port = want.getPort();
        if (port == 0) {
            port = listenOnEphemeral(tcp, me, backlog);
        } else if (!listen(tcp, me, port, backlog)) {
            throw new BindException("Address already in use: port " + port);
        }
        int bound = port;
        listensPending = n - 1;
        listenFailure = null;
        for (int k = 0; k < n; k++) {
            if (k != me) {
                ShardStack s = stack.shard(k);
                int shardId = k;
                s.shard().execute(() -> {
                    boolean ok = listen(s.tcp(), shardId, bound, backlog);
                    loop.execute(() -> listenConfirmed(shardId, bound, ok));
                });
            }
        }
        local = PanamaxSocketChannel.address(Ipv4Address.fromBytes(ip) == 0 ? 0 : stackIp, port);
    }

    /**
     * Binding completes when every shard listens: a client that connects as soon as the bind
     * future says so must find a listener on whichever shard its flow hashes to.
     */
    @Override
    public ChannelFuture bind(SocketAddress localAddress, ChannelPromise promise) {
        ChannelPromise local = newPromise();
        local.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
            } else if (listensPending == 0) {
                completeBind(promise);
            } else {
                bindWaiting = promise;
            }
        });
        super.bind(localAddress, local);
        return promise;
    }

    @Override
    public ChannelFuture bind(SocketAddress localAddress) {
        return bind(localAddress, newPromise());
    }

    /** On the server's loop: shard {@code k} has (or has not) listened. */
    private void listenConfirmed(int k, int port, boolean ok) {
        if (!ok && open && listenFailure == null) {
            listenFailure = new BindException("Address already in use: port " + port + " on shard " + k);
        }
        if (--listensPending == 0 && bindWaiting != null) {
            ChannelPromise p = bindWaiting;
            bindWaiting = null;
            completeBind(p);
        }
    }

    private void completeBind(ChannelPromise promise) {
        if (listenFailure != null) {
            promise.tryFailure(listenFailure);
            close();
        } else {
            promise.trySuccess();
        }
    }

    /** A port no listener of this shard has; the other shards take the same one. */
    private int listenOnEphemeral(Tcp tcp, int me, int backlog) throws BindException {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 64; attempt++) {
            int port = r.nextInt(EPHEMERAL_LOW, EPHEMERAL_HIGH + 1);
            if (listen(tcp, me, port, backlog)) {
                return port;
            }
        }
        throw new BindException("no free port to listen on");
    }

    /** On shard {@code k}: listens, or reports that the port is taken there. */
    private boolean listen(Tcp tcp, int k, int port, int backlog) {
        if (!open) {
            return false; // closed before this shard's turn came
        }
        try {
            listeners[k] = tcp.listen(port, backlog, this::accepted);
            return true;
        } catch (IllegalStateException taken) {
            return false;
        }
    }

    // ---- accept ----------------------------------------------------------------------------

    /** On the shard that accepted {@code c}: the child belongs there; the pipeline sees it on the server's loop. */
    private void accepted(TcpConnection c) {
        PanamaxSocketChannel child = new PanamaxSocketChannel(this, c);
        int rcvbuf = config.getReceiveBufferSize();
        if (rcvbuf > 0) {
            child.config().setReceiveBufferSize(rcvbuf);
        }
        if (Shard.current() == loop.shard()) {
            offer(child);
        } else {
            loop.execute(() -> offer(child));
        }
    }

    private void offer(PanamaxSocketChannel child) {
        if (!open) {
            abortUnregistered(child);
            return;
        }
        accepted.addLast(child);
        if (readPending) {
            deliver();
        }
    }

    /** A child nobody will register: its connection is reset on its own shard. */
    private static void abortUnregistered(PanamaxSocketChannel child) {
        child.abortUnregistered();
    }

    /** Fires the waiting children through the pipeline, as many as the allocator's handle allows. */
    private void deliver() {
        if (delivering) {
            return;
        }
        delivering = true;
        try {
            ChannelPipeline pipeline = pipeline();
            RecvByteBufAllocator.Handle handle = unsafe().recvBufAllocHandle();
            handle.reset(config);
            readPending = false;
            PanamaxSocketChannel child;
            do {
                child = accepted.pollFirst();
                if (child == null) {
                    break;
                }
                handle.incMessagesRead(1);
                pipeline.fireChannelRead(child);
            } while (handle.continueReading());
            handle.readComplete();
            pipeline.fireChannelReadComplete();
        } finally {
            delivering = false;
        }
        if (readPending && !accepted.isEmpty()) {
            loop.execute(this::deliver); // the rest after other work, not in a deep recursion
        }
    }

    @Override
    protected void doBeginRead() {
        readPending = true;
        if (!accepted.isEmpty() && !delivering) {
            loop.execute(this::deliverIfPending);
        }
    }

    private void deliverIfPending() {
        if (readPending && !accepted.isEmpty()) {
            deliver();
        }
    }

    // ---- close -------------------------------------------------------------------------------

    @Override
    protected void doClose() {
        open = false;
        TcpListener[] ls = listeners;
        if (ls != null) {
            Stack stack = loop.parent().stack();
            for (int k = 0; k < ls.length; k++) {
                int shardId = k;
                Runnable stop = () -> {
                    TcpListener l = ls[shardId];
                    ls[shardId] = null;
                    if (l != null) {
                        l.close();
                    }
                };
                if (k == loop.shard().id()) {
                    stop.run();
                } else {
                    stack.shard(k).shard().execute(stop);
                }
            }
        }
        PanamaxSocketChannel child;
        while ((child = accepted.pollFirst()) != null) {
            abortUnregistered(child);
        }
    }

    private final class ServerUnsafe extends AbstractUnsafe implements PanamaxIoHandle {
        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            safeSetFailure(promise, new UnsupportedOperationException("a server channel does not connect"));
        }

        @Override
        public void handle(IoRegistration registration, IoEvent ioEvent) {
        }

        @Override
        public void close() {
            close(voidPromise());
        }
    }
}
