package io.panamax.tcp;

import io.panamax.reactor.Future;
import io.panamax.reactor.buffer.Packet;

import java.lang.foreign.MemorySegment;

/**
 * A reliable, ordered, bidirectional byte stream on one shard: what a TCP connection offers an
 * application, and what a layer above TCP (TLS) offers in turn by implementing this interface
 * over a {@link TcpConnection}.
 *
 * <p>All methods must be called on the connection's shard; their futures complete there. Failures
 * are {@link TcpException}s: {@link ConnectionResetException}, {@link ConnectionTimeoutException},
 * {@link ConnectionAbortedException}...
 *
 * <p>Ownership: a packet passed to {@link #write(Packet)} belongs to the connection from then on;
 * a packet returned by {@link #read()} belongs to the caller, who must {@link Packet#release()} it.
 */
public interface StreamConnection {

    /**
     * The next bytes received, in order, as one packet of zero-copy views into the receive
     * buffers: everything that has arrived and not been read, at least one byte. At the end of
     * the stream (the peer's FIN, after all its data) the packet is <b>empty</b>, and every
     * later read returns an empty packet too. Fails if the connection was reset, timed out or
     * aborted. One read at a time: calling again before the future completes throws
     * {@link IllegalStateException}.
     */
    Future<Packet> read();

    /**
     * Queues {@code data} for sending (zero copy: segments share its buffers). Completes when the
     * connection has accepted it into its send buffer: at once while the buffer has room, later
     * when acknowledgments make room (back-pressure). Fails, releasing the data, once output is
     * shut down or the connection failed.
     */
    Future<Void> write(Packet data);

    /** Copies {@code len} bytes of {@code data} into packet buffers and writes them. */
    Future<Void> write(byte[] data, int offset, int len);

    /** Copies {@code data} into packet buffers and writes it. */
    default Future<Void> write(byte[] data) {
        return write(data, 0, data.length);
    }

    /** Copies the bytes of {@code data} into packet buffers and writes them. */
    Future<Void> write(MemorySegment data);

    /**
     * Half-close (RFC 9293 3.10.4): sends a FIN after everything written so far; reading goes on.
     * Completes when the peer has acknowledged all data and the FIN. Idempotent.
     */
    Future<Void> shutdownOutput();

    /**
     * Graceful close: shuts output down and stops reading. Data received and not read, or arriving
     * later, resets the connection instead, so the peer learns it was lost (RFC 1122 4.2.2.13).
     * Completes when the peer has acknowledged all data and the FIN.
     */
    Future<Void> close();

    /** Aborts now: sends a RST, drops queued data, fails pending operations. */
    void abort();
}
