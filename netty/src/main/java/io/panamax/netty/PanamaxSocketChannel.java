package io.panamax.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.FileRegion;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import io.panamax.ip.Ipv4Address;
import io.panamax.reactor.Completion;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.ConnectionRefusedException;
import io.panamax.tcp.ConnectionResetException;
import io.panamax.tcp.ConnectionTimeoutException;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.UnreachableException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * A Netty {@link SocketChannel} over one of the stack's TCP connections, on the shard that owns
 * the connection. Accepted channels come from a {@link PanamaxServerSocketChannel} already bound
 * to their shard; a client channel connects from the shard of the loop it is registered on, with a
 * local port whose replies hash back to that shard.
 *
 * <p>Reading: one stack read at a time; each returns everything that has arrived, as views of the
 * receive buffers, fired as epoll's read loop fires its reads: {@code ByteBuf}s of up to the
 * allocator handle's {@code guess()} bytes, asking {@code continueReading()} after each. Writing: an outbound
 * {@code ByteBuf} over a packet buffer of this shard ({@link PanamaxByteBufAllocator}, the
 * default allocator) is handed to TCP without a copy, any other is copied once into packet
 * buffers; when the stack's send buffer is full the flush
 * stops, the message stays in Netty's outbound buffer (which drives writability and the water
 * marks) and the flush resumes when the stack accepts it.
 */
public final class PanamaxSocketChannel extends AbstractChannel implements SocketChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);
    private static final int DEFAULT_BUFFER_SIZE = 65_536;

    private final PanamaxSocketChannelConfig config;
    /** The shard of an accepted connection (its channel may be registered nowhere else); -1 for a client. */
    private final int homeShard;
    private TcpConnection conn;
    private PanamaxEventLoop loop;
    private IoRegistration registration;
    private volatile boolean open = true;
    private volatile boolean active;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;
    private volatile InetSocketAddress local;
    private volatile InetSocketAddress remote;
    private int requestedLocalPort;

    // Loop thread only:
    private boolean readPending;
    private boolean readInFlight;
    /** Data that arrived while Netty was not reading, delivered at its next read(). */
    private Packet held;
    private boolean heldScheduled;
    /** Inside deliverAndContinue: a read() asked for by a handler only marks readPending. */
    private boolean delivering;
    private final Runnable deliverHeld = this::deliverHeldNow;
    private final Runnable startReadTask = this::startRead;
    private boolean eofSeen;
    private boolean writeStalled;
    /** What the stalled write holds: bytes of ByteBufs, or -1 for a FileRegion. */
    private long stalledBytes;
    /** Gathers a flush's ByteBufs into one packet; made at the first write. */
    private WriteBatch batch;
    private ChannelPromise connectPromise;
    private ScheduledFuture<?> connectTimeout;
    private InetSocketAddress requestedRemote;
    /** The completion of every stack read, and the write callback: made once per channel, not per read or write. */
    private final Reader reader = new Reader();
    private final BiConsumer<Void, Throwable> writeDone = this::writeAccepted;

    /** A client channel: connect it with a {@code Bootstrap} on a {@link PanamaxEventLoopGroup}. */
    public PanamaxSocketChannel() {
        super(null);
        this.homeShard = -1;
        this.config = new PanamaxSocketChannelConfig(this);
    }

    /** An accepted connection, on its own shard. */
    PanamaxSocketChannel(PanamaxServerSocketChannel parent, TcpConnection conn) {
        super(parent);
        this.homeShard = conn.shard().id();
        this.config = new PanamaxSocketChannelConfig(this);
        this.active = true;
        setConnection(conn);
    }

    /** The shard an accepted channel belongs to, or -1. */
    int homeShard() {
        return homeShard;
    }

    private void setConnection(TcpConnection c) {
        this.conn = c;
        this.local = c.localAddress();
        this.remote = c.remoteAddress();
    }

    /** An accepted child that will never be registered: reset its connection, on its shard. */
    void abortUnregistered() {
        open = false;
        active = false;
        TcpConnection c = conn;
        c.shard().execute(c::abort);
    }

    static InetSocketAddress address(int ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(Ipv4Address.toBytes(ip)), port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always an address
        }
    }

    // ---- Channel -----------------------------------------------------------------------------

    @Override
    public PanamaxServerSocketChannel parent() {
        return (PanamaxServerSocketChannel) super.parent();
    }

    @Override
    public PanamaxSocketChannelConfig config() {
        return config;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open && active;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) super.remoteAddress();
    }

    @Override
    protected SocketAddress localAddress0() {
        return local;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    @Override
    protected boolean isCompatible(EventLoop l) {
        if (!(l instanceof PanamaxEventLoop p)) {
            return false;
        }
        return homeShard < 0 || (p.shard().id() == homeShard && p.shard().reactor() == conn.shard().reactor());
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new PanamaxSocketUnsafe();
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        loop = (PanamaxEventLoop) eventLoop();
        Registrations.register(this, promise, r -> {
            registration = r;
            if (homeShard >= 0) {
                loop.counters().accepted.increment();
            }
            applyOptions();
            // Not startRead() here: Netty marks the channel registered only when the promise
            // completes, after this. A read that fails at once (a peer that reset before we were
            // registered) would close the channel while Netty thinks it unregistered, so the close
            // skips doDeregister and the registration stays on the loop for good (seen after
            // 10,000 connections opened and dropped: the group's shutdown waited out its timeout).
            loop.execute(startReadTask);
        });
    }

    @Override
    protected void doDeregister() {
        Registrations.cancel(registration);
        registration = null;
    }

    // ---- options -----------------------------------------------------------------------------

    /** Gives the connection the options set so far (on its loop; later when not yet connected). */
    void applyOptions() {
        TcpConnection c = conn;
        if (c == null || !isRegistered()) {
            return; // applied once the connection and the loop exist
        }
        if (!eventLoop().inEventLoop()) {
            eventLoop().execute(this::applyOptions);
            return;
        }
        c.setNoDelay(config.isTcpNoDelay());
        c.setKeepAlive(config.isKeepAlive());
        if (config.sendBufferSizeSet() > 0) {
            c.setSendBufferSize(config.sendBufferSizeSet());
        }
        if (config.receiveBufferSizeSet() > 0) {
            c.setReceiveBufferSize(config.receiveBufferSizeSet());
        }
    }

    /** Read racily off the loop: a size for getOption, not for decisions. */
    int connectionReceiveBufferSize() {
        TcpConnection c = conn;
        return c != null ? c.receiveBufferSize() : DEFAULT_BUFFER_SIZE;
    }

    int connectionSendBufferSize() {
        TcpConnection c = conn;
        return c != null ? c.sendBufferSize() : DEFAULT_BUFFER_SIZE;
    }

    // ---- reading -----------------------------------------------------------------------------

    /**
     * Netty asks for data. Whatever arrived while it did not is delivered first, in a task of its
     * own (as epoll delivers on the loop's next turn, never inside {@code read()}).
     */
    @Override
    protected void doBeginRead() {
        readPending = true;
        if (delivering) {
            return; // deliverAndContinue decides when it ends: no delivery nested in another
        }
        if (held != null) {
            if (!heldScheduled) {
                heldScheduled = true;
                eventLoop().execute(deliverHeld);
            }
        } else {
            startRead();
        }
    }

    /** Called when auto-read is turned off (any thread): no more deliveries until the next read(). */
    void clearReadPending() {
        if (isRegistered() && !eventLoop().inEventLoop()) {
            eventLoop().execute(() -> readPending = false);
        } else {
            readPending = false;
        }
    }

    /**
     * Keeps one stack read outstanding whenever nothing is held: the end of the stream and
     * errors are seen at once, even while Netty is not reading (epoll watches EPOLLRDHUP the
     * same way). Data that arrives then is held, and no further read is made: the stack keeps
     * the rest, and its receive window closes, until Netty reads again.
     */
    private void startRead() {
        TcpConnection c = conn;
        if (readInFlight || held != null || c == null || !open || eofSeen) {
            return;
        }
        readInFlight = true;
        Reader r = reader;
        r.inCall = true;
        try {
            c.read(r);
        } finally {
            r.inCall = false;
        }
        if (r.arrived) {
            r.handOver(); // completed within the call: no task
        }
    }

    /**
     * The {@link Completion} of every stack read of this channel, one object for its lifetime: a
     * read costs no promise and no continuation step (which a {@code ShardFuture} read did, each
     * request). A read completed within {@code read(into)} is handled by {@link #startRead} when
     * the call returns; one completed later (data arriving, a reset) is handled from a task of the
     * shard's run queue, as {@link Completion} asks, never inside the stack code completing it.
     */
    private final class Reader implements Completion<ReadBuffer>, Runnable {
        /** True while {@code read(this)} is on the stack. */
        boolean inCall;
        /** A result is waiting to be handed to readDone. */
        boolean arrived;
        private ReadBuffer value;
        private Throwable failure;

        @Override
        public void complete(ReadBuffer v) {
            arrive(v, null);
        }

        @Override
        public void fail(Throwable cause) {
            arrive(null, cause != null ? cause : new IOException("read failed"));
        }

        private void arrive(ReadBuffer v, Throwable cause) {
            value = v;
            failure = cause;
            arrived = true;
            if (!inCall) {
                loop.shard().schedule(this);
            }
        }

        @Override
        public void run() {
            if (arrived) {
                handOver();
            }
        }

        void handOver() {
            ReadBuffer v = value;
            Throwable cause = failure;
            value = null;
            failure = null;
            arrived = false;
            readDone(v, cause);
        }
    }

    private void readDone(ReadBuffer data, Throwable failure) {
        Packet p = (Packet) data; // TCP's reads are the stack's packets: the transport wraps their buffers
        readInFlight = false;
        if (failure != null) {
            if (open) {
                readFailed(failure);
            }
            return;
        }
        if (!open) {
            p.release();
            return;
        }
        if (p.isEmpty()) {
            p.release();
            eofSeen = true;
            endOfInput();
            return;
        }
        if (inputShutdown) {
            p.release(); // shutdownInput(): what still arrives is dropped, as the kernel does
            startRead();
            return;
        }
        if (!readPending) {
            held = p;
            return;
        }
        deliverAndContinue(p);
    }

    private void deliverHeldNow() {
        heldScheduled = false;
        Packet p = held;
        if (p == null || !readPending) {
            return;
        }
        held = null;
        if (!open) {
            p.release();
            return;
        }
        deliverAndContinue(p);
    }

    private void deliverAndContinue(Packet p) {
        ChannelPipeline pipeline = pipeline();
        RecvByteBufAllocator.Handle handle = unsafe().recvBufAllocHandle();
        handle.reset(config);
        readPending = false;
        delivering = true;
        try {
            deliver(p, pipeline, handle);
            handle.readComplete();
            pipeline.fireChannelReadComplete();
        } finally {
            delivering = false;
        }
        if (held != null) {
            // Cut short (auto-read turned off, or the handle's message budget): a read() asked
            // for meanwhile gets the rest on the loop's next turn, as epoll's next wake-up would.
            if (readPending && !heldScheduled) {
                heldScheduled = true;
                eventLoop().execute(deliverHeld);
            }
        } else {
            startRead();
        }
    }

    /**
     * The packet's bytes as ByteBufs, views of its receive buffers (its references move into
     * them), each of up to the allocator handle's {@code guess()} bytes: epoll reads that much per
     * {@code read(2)} from the socket's queue, whatever segments it came in, and applications
     * count on it (Netty's TrafficShapingHandlerTest reads whole 1024-byte messages out of each
     * buffer). A buffer within one receive fragment is a view of it; one that spans fragments is
     * a composite of views, still no copy. After each, the handle decides whether to go on, as in
     * epoll's read loop: when it says stop (auto-read turned off by a handler, or
     * {@code maxMessagesPerRead} reached) the rest is held for the next {@code read()}.
     */
    private void deliver(Packet p, ChannelPipeline pipeline, RecvByteBufAllocator.Handle handle) {
        TransportCounters counters = loop.counters();
        int total = p.length();
        int guess = Math.max(1, handle.guess());
        if (p.fragmentCount() == 1 && total <= guess) {
            fire(loop.byteBufs().over(config.getAllocator(), p), guess, pipeline, handle, counters);
            return;
        }
        int at = 0;
        int fragment = 0;
        int inFragment = 0;
        while (at < total) {
            if (at > 0 && (!open || !handle.continueReading())) {
                if (open) {
                    p.trimFront(at); // what Netty has is in the views already fired
                    held = p;
                } else {
                    p.release();
                }
                return;
            }
            guess = Math.max(1, handle.guess());
            int len = Math.min(total - at, guess);
            int piece = Math.min(p.fragmentLength(fragment) - inFragment, len);
            ByteBuf buf;
            if (piece == len) {
                buf = view(p, at, len, counters);
            } else {
                CompositeByteBuf c = config.getAllocator().compositeDirectBuffer(Integer.MAX_VALUE);
                for (int left = len, from = at, f = fragment, in = inFragment; left > 0; ) {
                    int n = Math.min(p.fragmentLength(f) - in, left);
                    c.addComponent(true, view(p, from, n, counters));
                    from += n;
                    left -= n;
                    in += n;
                    if (in == p.fragmentLength(f)) {
                        f++;
                        in = 0;
                    }
                }
                buf = c;
            }
            at += len;
            inFragment += len;
            while (fragment < p.fragmentCount() && inFragment >= p.fragmentLength(fragment)) {
                inFragment -= p.fragmentLength(fragment);
                fragment++;
            }
            fire(buf, guess, pipeline, handle, counters);
        }
        p.release();
    }

    /** {@code len} bytes from {@code at}, within one fragment, as a view of its buffer. */
    private ByteBuf view(Packet p, int at, int len, TransportCounters counters) {
        Packet view = p.share(at, len);
        if (view != null) {
            return loop.byteBufs().over(config.getAllocator(), view);
        }
        // No packet wrapper left to share the buffer: copy rather than stall the connection.
        ByteBuf buf = config.getAllocator().directBuffer(len);
        MemorySegment dst = MemorySegment.ofBuffer(buf.internalNioBuffer(0, len));
        p.copyTo(at, dst, 0, len);
        buf.writerIndex(len);
        counters.copiedReads.increment();
        return buf;
    }

    /** One channelRead, accounted as epoll's read of a buffer of {@code guess} bytes. */
    private void fire(ByteBuf buf, int guess, ChannelPipeline pipeline, RecvByteBufAllocator.Handle handle,
                      TransportCounters counters) {
        int n = buf.readableBytes();
        // A read that filled its buffer means "maybe more data", so the handle may go on; a
        // shorter one (the last of the packet) that the socket is drained, as for epoll.
        handle.attemptedBytesRead(guess);
        handle.lastBytesRead(n);
        handle.incMessagesRead(1);
        counters.reads.increment();
        counters.bytesRead.add(n);
        // As epoll's read loop: each channelRead consumes the pending read, so a read() asked
        // for inside it is a new one, served by this delivery's next ByteBuf or after it.
        readPending = false;
        pipeline.fireChannelRead(buf);
    }

    /** The peer's FIN after all its data: half-closed if allowed, else closed (as Netty's own transports). */
    private void endOfInput() {
        if (config.isAllowHalfClosure()) {
            if (!inputShutdown) {
                inputShutdown = true;
                pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
            pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
        } else {
            unsafe().close(unsafe().voidPromise());
        }
    }

    private void readFailed(Throwable failure) {
        IOException e = failure instanceof ConnectionResetException
                ? new IOException("Connection reset by peer", failure)
                : new IOException(failure.getMessage(), failure);
        pipeline().fireExceptionCaught(e);
        unsafe().close(unsafe().voidPromise());
    }

    // ---- writing -----------------------------------------------------------------------------

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf || msg instanceof FileRegion) {
            return msg;
        }
        throw new UnsupportedOperationException("unsupported message type: " + msg.getClass().getName()
                + " (expected ByteBuf or FileRegion)");
    }

    /**
     * One stack write per flush: every flushed {@code ByteBuf} at the head of the buffer goes into
     * one packet ({@link WriteBatch}), which leaves Netty's buffer (by its byte count) once the
     * stack has taken it. A {@code FileRegion} is written on its own, in its turn.
     */
    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        if (writeStalled) {
            return; // the stack has not taken the last write yet: writeAccepted flushes again
        }
        TransportCounters counters = loop.counters();
        for (;;) {
            Object msg = in.current();
            if (msg == null) {
                return;
            }
            ShardFuture<Void> f;
            long bytes;
            if (msg instanceof ByteBuf) {
                if (batch == null) {
                    batch = new WriteBatch(loop.shard(), counters);
                }
                Packet p = batch.gather(in);
                bytes = batch.bytes();
                if (p == null) {
                    in.removeBytes(0); // empty buffers only
                    continue;
                }
                f = conn.write(p);
                counters.bytesWritten.add(bytes);
            } else {
                f = write((FileRegion) msg);
                bytes = -1;
            }
            counters.writes.increment();
            if (f.isDone()) {
                if (f.isFailed()) {
                    throw asIOException(f.cause());
                }
                removeWritten(in, bytes);
            } else {
                writeStalled = true;
                stalledBytes = bytes;
                counters.writeStalls.increment();
                f.whenComplete(writeDone);
                return;
            }
        }
    }

    /** What a write took leaves Netty's buffer: {@code bytes} of ByteBufs, or the FileRegion at its head (-1). */
    private static void removeWritten(ChannelOutboundBuffer in, long bytes) {
        if (bytes < 0) {
            in.remove();
        } else {
            in.removeBytes(bytes);
        }
    }

    /** A file region is copied through a channel that writes every chunk it is given. */
    private ShardFuture<Void> write(FileRegion region) throws IOException {
        var sink = new WritableByteChannel() {
            ShardFuture<Void> last = ShardFuture.done();

            @Override
            public int write(ByteBuffer src) {
                int n = src.remaining();
                last = conn.write(MemorySegment.ofBuffer(src));
                src.position(src.limit());
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        while (region.transferred() < region.count()) {
            if (region.transferTo(sink, region.transferred()) <= 0) {
                break;
            }
        }
        loop.counters().bytesWritten.add(region.count());
        return sink.last;
    }

    /** The stack took the write the flush stopped at: its messages leave Netty's buffer, and the flush goes on. */
    private void writeAccepted(Void ignored, Throwable failure) {
        ChannelOutboundBuffer out = unsafe().outboundBuffer();
        if (out == null) {
            writeStalled = false;
            return; // closed meanwhile: Netty failed the buffered writes
        }
        // Still stalled while the written messages leave: their promises' listeners may write and
        // flush, and a doWrite nested in removeBytes would gather (and write again) messages that
        // removeBytes then drops unwritten. (Outside flush0 here, Netty's own guard does not apply;
        // this was the corruption seen with several messages per write.)
        if (failure != null) {
            out.remove(asIOException(failure)); // the rest fail on the next flush, the connection being broken
        } else {
            removeWritten(out, stalledBytes);
        }
        writeStalled = false;
        ((PanamaxSocketUnsafe) unsafe()).flushAgain();
    }

    private static IOException asIOException(Throwable t) {
        return t instanceof IOException io ? io : new IOException(t.getMessage(), t);
    }

    // ---- closing -----------------------------------------------------------------------------

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        // A client may name its local port before connecting; the address is the stack's own.
        requestedLocalPort = ((InetSocketAddress) localAddress).getPort();
    }

    @Override
    protected void doDisconnect() {
        doClose();
    }

    @Override
    protected void doClose() {
        boolean abort = config.getSoLinger() == 0;
        open = false;
        active = false;
        ChannelPromise p = connectPromise;
        if (p != null) {
            connectPromise = null;
            p.tryFailure(new ClosedChannelException());
            if (connectTimeout != null) {
                connectTimeout.cancel(false);
            }
        }
        Packet h = held;
        if (h != null) {
            held = null;
            h.release();
        }
        TcpConnection c = conn;
        if (c != null) {
            if (Shard.current() == c.shard()) {
                closeConnection(c, abort);
            } else {
                // An accepted child closed before registration, from the server channel's loop
                // (closeForcibly): the connection is its own shard's to touch.
                c.shard().execute(() -> closeConnection(c, abort));
            }
        }
    }

    /** On the connection's shard. */
    private void closeConnection(TcpConnection c, boolean abort) {
        TransportCounters counters = loop != null ? loop.counters() : null;
        if (abort) {
            // Linux sends what write() is given at once when the window allows, so SO_LINGER 0
            // right after a write still puts that data on the wire before the RST (only what
            // waits for the window is dropped). The stack's write schedules its output on the
            // shard's run queue: the abort goes behind it, in the same queue.
            c.shard().schedule(c::abort);
            if (counters != null) {
                counters.aborts.increment();
            }
        } else {
            c.close();
            if (counters != null) {
                counters.closes.increment();
            }
        }
    }

    @Override
    protected void doShutdownOutput() {
        if (conn == null) {
            throw new NotYetConnectedException();
        }
        outputShutdown = true;
        TcpConnection c = conn;
        if (c != null) {
            c.shutdownOutput();
        }
    }

    // ---- DuplexChannel -----------------------------------------------------------------------

    @Override
    public boolean isInputShutdown() {
        return inputShutdown || !isActive();
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown || !isActive();
    }

    @Override
    public boolean isShutdown() {
        return (inputShutdown && outputShutdown) || !isActive();
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        EventLoop l = eventLoop();
        if (l.inEventLoop()) {
            ((AbstractUnsafe) unsafe()).shutdownOutput(promise);
        } else {
            l.execute(() -> ((AbstractUnsafe) unsafe()).shutdownOutput(promise));
        }
        return promise;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    /** Stops delivering input: later data is read from the stack and dropped (the window stays open). */
    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        EventLoop l = eventLoop();
        if (l.inEventLoop()) {
            shutdownInput0(promise);
        } else {
            l.execute(() -> shutdownInput0(promise));
        }
        return promise;
    }

    private void shutdownInput0(ChannelPromise promise) {
        if (!isOpen()) {
            promise.setFailure(new ClosedChannelException());
            return;
        }
        if (!isActive()) {
            promise.setFailure(new NotYetConnectedException());
            return;
        }
        inputShutdown = true;
        startRead();
        promise.setSuccess();
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        ChannelFuture output = shutdownOutput();
        output.addListener((ChannelFutureListener) f -> shutdownInput().addListener((ChannelFutureListener) in -> {
            Throwable cause = f.cause() != null ? f.cause() : in.cause();
            if (cause != null) {
                promise.setFailure(cause);
            } else {
                promise.setSuccess();
            }
        }));
        return promise;
    }

    // ---- connecting --------------------------------------------------------------------------

    private final class PanamaxSocketUnsafe extends AbstractUnsafe implements PanamaxIoHandle {

        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            // Not made uncancellable (as NIO's, unlike a blocking connect): cancelling the
            // promise while the handshake runs closes the channel (below).
            if (promise.isDone() || !ensureOpen(promise)) {
                return;
            }
            if (connectPromise != null) {
                promise.setFailure(new ConnectionPendingException());
                return;
            }
            if (conn != null) {
                promise.setFailure(new AlreadyConnectedException());
                return;
            }
            if (!(remoteAddress instanceof InetSocketAddress r) || r.isUnresolved()) {
                promise.setFailure(new UnresolvedAddressException());
                return;
            }
            if (r.getAddress().isAnyLocalAddress()) {
                // Linux reads 0.0.0.0 (and ::) as "this host", and reaches its own listeners over
                // loopback. The stack has no loopback, and "this host" would be the stack itself,
                // not the kernel where such addresses usually come from (a server bound to the
                // wildcard reports it as its local address): fail at once rather than send a SYN
                // to nowhere.
                promise.setFailure(new ConnectException("cannot connect to the unspecified address "
                        + r + ": the stack has no loopback; connect to a host address"));
                return;
            }
            if (r.getAddress().isLoopbackAddress()) {
                // 127.0.0.0/8 and ::1 are the host's own loopback, which the stack does not have:
                // nothing of the stack listens there, so the answer is the one Linux gives for a
                // loopback port nobody listens on (refused), at once and saying why.
                promise.setFailure(new ConnectException("Connection refused: " + r
                        + " is a loopback address and the stack has no loopback; connect to a host address"));
                return;
            }
            if (localAddress instanceof InetSocketAddress l && l.getPort() != 0) {
                requestedLocalPort = l.getPort();
            }
            var tcp = loop.shardStack().tcp();
            ShardFuture<TcpConnection> f;
            try {
                // Through the InetAddress overloads: IPv4 or IPv6 by the address (the stack's IPv6
                // address must be set), from the port bind() chose if it chose one.
                f = requestedLocalPort > 0 ? tcp.connect(r.getAddress(), r.getPort(), requestedLocalPort)
                        : tcp.connect(r.getAddress(), r.getPort());
            } catch (IllegalArgumentException e) {
                promise.setFailure(e);
                return;
            }
            connectPromise = promise;
            requestedRemote = r;
            int timeoutMillis = config.getConnectTimeoutMillis();
            if (timeoutMillis > 0) {
                connectTimeout = eventLoop().schedule(() -> {
                    ChannelPromise p = connectPromise;
                    if (p != null && p.tryFailure(new ConnectTimeoutException("connection timed out after "
                            + timeoutMillis + " ms: " + r))) {
                        connectPromise = null;
                        close(voidPromise());
                    }
                }, timeoutMillis, TimeUnit.MILLISECONDS);
            }
            promise.addListener((ChannelFutureListener) done -> {
                if (done.isCancelled()) {
                    if (connectTimeout != null) {
                        connectTimeout.cancel(false);
                        connectTimeout = null;
                    }
                    connectPromise = null; // the handshake's end finds no promise: it aborts the connection
                    close(voidPromise());
                }
            });
            f.whenComplete(this::connectDone);
        }

        private void connectDone(TcpConnection c, Throwable failure) {
            if (connectTimeout != null) {
                connectTimeout.cancel(false);
                connectTimeout = null;
            }
            ChannelPromise p = connectPromise;
            connectPromise = null;
            if (failure != null) {
                loop.counters().connectFailures.increment();
                if (p != null) {
                    p.tryFailure(annotateConnectException(translate(failure), requestedRemote));
                    closeIfClosed();
                }
                return;
            }
            if (p == null || !open) {
                c.abort(); // timed out or closed while the handshake ran
                return;
            }
            setConnection(c);
            loop.counters().connects.increment();
            applyOptions();
            boolean wasActive = active;
            active = true;
            boolean promiseSet = p.trySuccess();
            if (!wasActive) {
                pipeline().fireChannelActive();
            }
            startRead(); // a read() asked for before the connection existed is served now
            if (!promiseSet) {
                close(voidPromise());
            }
        }

        private Throwable translate(Throwable t) {
            if (t instanceof ConnectionRefusedException) {
                ConnectException e = new ConnectException("Connection refused");
                e.initCause(t);
                return e;
            }
            if (t instanceof ConnectionTimeoutException) {
                return new ConnectTimeoutException("connection timed out (SYN retries exhausted)");
            }
            if (t instanceof UnreachableException) {
                NoRouteToHostException e = new NoRouteToHostException(t.getMessage());
                e.initCause(t);
                return e;
            }
            ConnectException e = new ConnectException(String.valueOf(t.getMessage()));
            e.initCause(t);
            return e;
        }

        void flushAgain() {
            flush0();
        }

        /** Readiness is not how this transport learns of I/O (see {@link PanamaxIoHandler}). */
        @Override
        public void handle(IoRegistration registration, IoEvent ioEvent) {
        }

        @Override
        public void close() {
            close(voidPromise());
        }
    }
}
