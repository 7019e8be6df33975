package io.panamax.tcp;

import io.panamax.reactor.Completion;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.reactor.Promise;
import io.panamax.reactor.Pump;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.ReadLoop;
import io.panamax.reactor.Shard;
import io.panamax.reactor.WriteLoop;
import io.panamax.reactor.buffer.Packet;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A reliable, ordered, bidirectional byte stream on one shard: what a TCP connection offers an
 * application, and what a layer above TCP (TLS) offers in turn by implementing this interface
 * over a {@link TcpConnection}.
 *
 * <p>All methods must be called on the connection's shard; their futures complete there. Failures
 * are {@link TcpException}s: {@link ConnectionResetException}, {@link ConnectionTimeoutException},
 * {@link ConnectionAbortedException}...
 *
 * <p>Ownership: a buffer passed to {@link #write(ReadBuffer)} belongs to the connection from then
 * on; a buffer returned by {@link #read()} belongs to the caller, who must
 * {@link ReadBuffer#release()} it (or write it: an echo sends what it read without a copy).
 */
public interface StreamConnection {

    /** The shard this connection lives on: every call is made there, every future completes there. */
    Shard shard();

    /** This side's address and port. */
    InetSocketAddress localAddress();

    /** The peer's address and port. */
    InetSocketAddress remoteAddress();

    /**
     * The next bytes received, in order, as one read-only buffer of zero-copy views into the
     * receive buffers: everything that has arrived and not been read, at least one byte. At the
     * end of the stream (the peer's FIN, after all its data) the buffer is <b>empty</b>, and every
     * later read returns an empty buffer too. Fails if the connection was reset, timed out or
     * aborted. One read at a time: calling again before the future completes throws
     * {@link IllegalStateException}. {@link Framing} reads exact lengths and lines on top of it.
     */
    default ShardFuture<ReadBuffer> read() {
        Promise<ReadBuffer> p = new Promise<>();
        read(p);
        return p;
    }

    /**
     * {@link #read()} without a future, and what it is made of: completes {@code into} with the
     * next bytes (or the failure), at once if they are there, otherwise when they arrive. The same
     * rules hold: one read at a time, an empty buffer at the end of the stream. {@link #readLoop}
     * is built on it, and neither TCP nor TLS allocates anything for it.
     */
    void read(Completion<? super ReadBuffer> into);

    /**
     * Reads until {@code handler} says {@link Loop#STOP}: each buffer read goes to the handler (which
     * owns it: release or write it), and the next read starts when the handler's future completes.
     * After the end-of-stream buffer (empty) the loop ends whatever the handler answers. The
     * returned future completes when the loop ends, or fails with the first failure of a read or of
     * the handler.
     *
     * <p>This is the request/response loop with no heap allocation per request (see
     * {@link ReadLoop}): the handler is created once, resolved answers ({@link ShardFuture#next()},
     * {@link ShardFuture#stop()}, {@code write(b).map(v -> Loop.CONTINUE)} while the send buffer has room)
     * are shared objects. An echo server:
     *
     * <pre>{@code
     * conn.readLoop(buf -> {
     *     if (buf.isEmpty()) {          // the end of the stream: the buffer is released like any other
     *         buf.release();
     *         return ShardFuture.stop();
     *     }
     *     return conn.write(buf).map(v -> Loop.CONTINUE);
     * });
     * }</pre>
     */
    default ShardFuture<Void> readLoop(Function<? super ReadBuffer, ? extends ShardFuture<Loop>> handler) {
        return ReadLoop.start(this::read, ReadBuffer::isEmpty, handler);
    }

    /**
     * Queues {@code data} for sending. A buffer from a {@link #read()} (of any connection of this
     * shard) is sent without a copy: segments share its memory; any other {@code ReadBuffer} is
     * copied. Completes when the connection has accepted it into its send buffer: at once while
     * the buffer has room, later when acknowledgments make room (back-pressure). Fails, releasing
     * the data, once output is shut down or the connection failed.
     *
     * <p>Made of {@link #write(ReadBuffer, Completion)}; this default allocates a promise per write,
     * and TCP and TLS override it to answer a write taken at once with the shared done future.
     */
    default ShardFuture<Void> write(ReadBuffer data) {
        Promise<Void> p = new Promise<>();
        write(data, p);
        return p;
    }

    /**
     * {@link #write(ReadBuffer)} without a future, and what it is made of: completes {@code into}
     * when the connection has taken {@code data} into its send buffer (before returning while the
     * buffer has room, later when acknowledgments make room) or with the failure. The same rules
     * of ownership and order hold. {@link #writeLoop} is built on it: TCP allocates nothing for a
     * write made this way, whether it waits or not.
     */
    void write(ReadBuffer data, Completion<? super Void> into);

    /**
     * Writes what {@code producer} makes until it answers null: each buffer goes to
     * {@link #write(ReadBuffer, Completion)}, and the producer is asked for the next one once the
     * connection has taken the previous one, so back-pressure holds the producer and the
     * application never has more than one buffer waiting. The returned future completes when the
     * producer has answered null and its last buffer has been taken (not sent: {@link #close()}
     * waits for the acknowledgments), or fails with the first failure of a write or the producer.
     *
     * <p>This is the bulk-sender loop with no heap allocation per write (see {@link WriteLoop}),
     * which a {@code ShardFuture.doUntil(..., () -> write(p))} loop has not: there every write that waits
     * for room (nearly all, in a bulk transfer) costs a promise. A sender of 64 KiB blocks:
     *
     * <pre>{@code
     * conn.writeLoop(() -> {
     *     if (done()) {
     *         return null;
     *     }
     *     Packet p = shard.packets().allocate();
     *     p.appendBytes(block, 0, block.length);
     *     return p;
     * }).then(v -> conn.close());
     * }</pre>
     */
    default ShardFuture<Void> writeLoop(Supplier<? extends ReadBuffer> producer) {
        return WriteLoop.start(this::write, producer);
    }

    /**
     * Writes everything read from this connection to {@code out} (this connection itself for an
     * echo, another for a proxy), without a copy, until the end of this stream: each buffer read
     * goes to {@code out.write(buffer, completion)}, and the next read starts once {@code out} has
     * taken it, so a slow {@code out} holds the reads. The returned future completes when the
     * end-of-stream buffer (empty, released by the write) has been written, or fails with the first
     * failure of a read or a write. Neither side is closed: that is for the caller.
     *
     * <p>No heap allocation per buffer, whether writes wait for room or not (see {@link Pump});
     * an echo written as a {@link #readLoop} pays a promise and a step for each write that waits.
     *
     * <pre>{@code
     * tcp.listen(7, conn -> conn.transferTo(conn).then(v -> conn.close()));   // RFC 862 echo
     * }</pre>
     */
    default ShardFuture<Void> transferTo(StreamConnection out) {
        return Pump.start(this::read, ReadBuffer::isEmpty, out::write);
    }

    // ---- The copying writes: written here once for every connection (TCP, TLS), in both forms ----

    /** Copies {@code len} bytes of {@code data} into packet buffers and writes them. */
    default ShardFuture<Void> write(byte[] data, int offset, int len) {
        return writeCopy(copied(data, offset, len));
    }

    /** Copies {@code data} into packet buffers and writes it. */
    default ShardFuture<Void> write(byte[] data) {
        return write(data, 0, data.length);
    }

    /** Copies the remaining bytes of {@code data} into packet buffers and writes them; its position moves to its limit. */
    default ShardFuture<Void> write(ByteBuffer data) {
        return writeCopy(copied(data));
    }

    /** Copies the bytes of {@code data} into packet buffers and writes them. */
    default ShardFuture<Void> write(MemorySegment data) {
        return writeCopy(copied(data));
    }

    /**
     * {@link #write(byte[], int, int)} without a future: copies {@code len} bytes of {@code data}
     * into packet buffers and writes them with {@link #write(ReadBuffer, Completion)}, so the array
     * can be reused at once. Allocates nothing.
     */
    default void write(byte[] data, int offset, int len, Completion<? super Void> into) {
        writeCopy(copied(data, offset, len), into);
    }

    /** {@link #write(byte[])} without a future (see {@link #write(byte[], int, int, Completion)}). */
    default void write(byte[] data, Completion<? super Void> into) {
        write(data, 0, data.length, into);
    }

    /** {@link #write(ByteBuffer)} without a future: its position moves to its limit. */
    default void write(ByteBuffer data, Completion<? super Void> into) {
        writeCopy(copied(data), into);
    }

    /** {@link #write(MemorySegment)} without a future. */
    default void write(MemorySegment data, Completion<? super Void> into) {
        writeCopy(copied(data), into);
    }

    /** {@code len} bytes of {@code data} in a packet of this shard, or null when its buffers ran out. */
    private Packet copied(byte[] data, int offset, int len) {
        java.util.Objects.checkFromIndexSize(offset, len, data.length);
        shard().checkOwner("StreamConnection.write"); // before a buffer is taken from the shard's pool
        Packet p = shard().packets().allocate();
        if (p.appendBytes(data, offset, len) < len) {
            p.release();
            return null;
        }
        return p;
    }

    /** The remaining bytes of {@code data} in a packet (its position moved to its limit), or null. */
    private Packet copied(ByteBuffer data) {
        Packet p = data.hasArray()
                ? copied(data.array(), data.arrayOffset() + data.position(), data.remaining())
                : copied(MemorySegment.ofBuffer(data));
        data.position(data.limit());
        return p;
    }

    /** The bytes of {@code data} in a packet, or null. */
    private Packet copied(MemorySegment data) {
        shard().checkOwner("StreamConnection.write");
        Packet p = shard().packets().allocate();
        int len = Math.toIntExact(data.byteSize());
        if (p.appendBytes(data, 0, len) < len) {
            p.release();
            return null;
        }
        return p;
    }

    /** Writes a copy made by {@code copied}; null means the shard's packet buffers ran out. */
    private ShardFuture<Void> writeCopy(Packet copy) {
        return copy != null ? write(copy) : ShardFuture.failed(new TcpException("packet buffers exhausted"));
    }

    /** {@link #writeCopy(Packet)} completing {@code into}. */
    private void writeCopy(Packet copy, Completion<? super Void> into) {
        if (copy != null) {
            write(copy, into);
        } else {
            into.fail(new TcpException("packet buffers exhausted"));
        }
    }

    /**
     * Half-close (RFC 9293 3.10.4): sends a FIN after everything written so far; reading goes on.
     * Completes when the peer has acknowledged all data and the FIN. Idempotent.
     */
    ShardFuture<Void> shutdownOutput();

    /**
     * Graceful close: shuts output down and stops reading. Data received and not read, or arriving
     * later, resets the connection instead, so the peer learns it was lost (RFC 1122 4.2.2.13).
     * Completes when the peer has acknowledged all data and the FIN.
     */
    ShardFuture<Void> close();

    /** Aborts now: sends a RST, drops queued data, fails pending operations. */
    void abort();
}
