package io.panamax.tcp;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.buffer.Packet;

/**
 * Frames on top of a {@link StreamConnection}'s reads, for protocols cut by fixed sizes, length
 * prefixes or delimiters: {@link #readExactly} n bytes, {@link #readUntil} a delimiter,
 * {@link #readLine}, each with bytes that arrived beyond it kept for the next call. One per
 * connection, used on its shard, one call at a time (the next after the previous completed).
 *
 * <p>Frames are zero-copy views of the received buffers ({@link ReadBuffer#slice}): the caller
 * releases each, or writes it. Delimited reads take a limit: no delimiter within it fails the read
 * with {@link FramingException} (a peer cannot make the server buffer without bound). At the end
 * of the stream a read with nothing left completes with an <b>empty</b> buffer, as
 * {@link StreamConnection#read()} does; the stream ending inside a frame fails it with
 * {@link FramingException#isTruncated()}.
 *
 * <pre>{@code
 * Framing in = new Framing(conn);
 * ShardFuture.repeat(() -> in.readLine(8192).then(line -> {
 *     if (line.isEmpty()) { line.release(); return conn.close().map(v -> Loop.STOP); } // end of stream
 *     return conn.write(line).map(v -> Loop.CONTINUE);                              // echo the line
 * }));
 * }</pre>
 */
public final class Framing {
    private final StreamConnection connection;
    /** Received and not yet handed out: null or non-empty. */
    private Packet held;
    /** The peer's end of stream was read. */
    private boolean ended;
    /** Bytes at the front of {@link #held} known not to hold {@link #scannedFor}: not scanned again. */
    private int scanned;
    private byte scannedFor;

    public Framing(StreamConnection connection) {
        this.connection = connection;
    }

    /** The connection read from. */
    public StreamConnection connection() {
        return connection;
    }

    /** Bytes received and not yet handed out. */
    public int buffered() {
        return held == null ? 0 : held.length();
    }

    /**
     * Whatever is buffered, or else the connection's next read: at least one byte, or empty at the
     * end of the stream. For switching from framed reads to plain ones (a body after its head).
     */
    public ShardFuture<ReadBuffer> read() {
        if (held != null) {
            Packet p = held;
            held = null;
            scanned = 0;
            return ShardFuture.succeeded(p);
        }
        if (ended) {
            return ShardFuture.succeeded(connection.shard().packets().allocate());
        }
        return connection.read();
    }

    /** The next {@code n} bytes, as one view; empty at the end of the stream with nothing buffered. */
    public ShardFuture<ReadBuffer> readExactly(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative length: " + n);
        }
        if (buffered() >= n) {
            return ShardFuture.succeeded(take(n));
        }
        if (ended) {
            return atEnd(n + " bytes");
        }
        return connection.read().then(data -> {
            TcpException e = fill(data);
            return e != null ? ShardFuture.<ReadBuffer>failed(e) : readExactly(n);
        });
    }

    /**
     * The bytes up to and including the first {@code delimiter}, as one view. Fails with
     * {@link FramingException} when the first {@code limit} bytes hold no delimiter.
     */
    public ShardFuture<ReadBuffer> readUntil(byte delimiter, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        if (held != null) {
            if (scannedFor != delimiter) {
                scanned = 0;
                scannedFor = delimiter;
            }
            int i = held.indexOf(delimiter, scanned);
            if (i >= 0 && i < limit) {
                return ShardFuture.succeeded(take(i + 1));
            }
            if (i >= limit || held.length() >= limit) {
                return ShardFuture.failed(FramingException.tooLong(delimiter, limit));
            }
            scanned = held.length();
        }
        if (ended) {
            return atEnd("a delimiter");
        }
        return connection.read().then(data -> {
            TcpException e = fill(data);
            return e != null ? ShardFuture.<ReadBuffer>failed(e) : readUntil(delimiter, limit);
        });
    }

    /**
     * The next line, with its ending ({@code "\n"} or {@code "\r\n"}: {@link #lineLength} is its
     * length without), as one view. Fails with {@link FramingException} for a line longer than
     * {@code limit} bytes, its ending included.
     */
    public ShardFuture<ReadBuffer> readLine(int limit) {
        return readUntil((byte) '\n', limit);
    }

    /** The length of a line from {@link #readLine} without its ending. */
    public static int lineLength(ReadBuffer line) {
        int n = line.length();
        if (n > 0 && line.getByte(n - 1) == '\n') {
            n--;
            if (n > 0 && line.getByte(n - 1) == '\r') {
                n--;
            }
        }
        return n;
    }

    /** Releases what is buffered; returns how many bytes that was. */
    public int release() {
        int n = buffered();
        if (held != null) {
            held.release();
            held = null;
        }
        scanned = 0;
        return n;
    }

    private ReadBuffer take(int n) {
        Packet p;
        if (held == null) {
            p = connection.shard().packets().allocate();
        } else if (n == held.length()) {
            p = held;
            held = null;
        } else {
            p = held.share(0, n);
            held.trimFront(n);
        }
        scanned = Math.max(0, scanned - n);
        return p;
    }

    /** Adds a read's bytes to what is held; null, or why they could not be had. */
    private TcpException fill(ReadBuffer data) {
        if (data.isEmpty()) {
            data.release();
            ended = true;
            return null;
        }
        // The connection's reads are this shard's packets: taken as they are, no copy.
        Packet p = Packet.of(data, connection.shard().packets());
        if (p == null) {
            return new TcpException("packet buffers exhausted"); // not the stack's packet, and no buffers to copy it into
        }
        if (held == null) {
            held = p;
        } else {
            held.append(p);
        }
        return null;
    }

    private ShardFuture<ReadBuffer> atEnd(String wanted) {
        if (held == null) {
            return ShardFuture.succeeded(connection.shard().packets().allocate());
        }
        return ShardFuture.failed(FramingException.truncated(wanted, held.length()));
    }
}
