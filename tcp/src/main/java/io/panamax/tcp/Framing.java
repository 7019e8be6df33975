package io.panamax.tcp;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.ReadBuffer;

/**
 * Frames on top of a {@link StreamConnection}'s reads, for protocols cut by fixed sizes, length
 * prefixes or delimiters: {@link #readExactly} n bytes, {@link #readUntil} a delimiter,
 * {@link #readLine}, each with bytes that arrived beyond it kept for the next call. One per
 * connection, used on its shard, one call at a time (the next after the previous completed).
 *
 * <p>Made of a {@link FrameBuffer}, which frames without a future: a future per frame suits a
 * protocol written as a sequence of steps (a control connection); a request loop over many frames
 * is better written with {@code readLoop} and a {@code FrameBuffer}, which allocate nothing per read.
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
    private final FrameBuffer frames;

    public Framing(StreamConnection connection) {
        this.connection = connection;
        this.frames = new FrameBuffer(connection.shard());
    }

    /** The connection read from. */
    public StreamConnection connection() {
        return connection;
    }

    /** Bytes received and not yet handed out. */
    public int buffered() {
        return frames.buffered();
    }

    /**
     * Whatever is buffered, or else the connection's next read: at least one byte, or empty at the
     * end of the stream. For switching from framed reads to plain ones (a body after its head).
     */
    public ShardFuture<ReadBuffer> read() {
        ReadBuffer rest = frames.rest();
        if (rest != null) {
            return ShardFuture.succeeded(rest);
        }
        if (frames.ended()) {
            return ShardFuture.succeeded(connection.shard().packets().allocate());
        }
        return connection.read();
    }

    /** The next {@code n} bytes, as one view; empty at the end of the stream with nothing buffered. */
    public ShardFuture<ReadBuffer> readExactly(int n) {
        ReadBuffer frame = frames.exactly(n);
        return frame != null ? ShardFuture.succeeded(frame) : readMore(() -> readExactly(n));
    }

    /**
     * The bytes up to and including the first {@code delimiter}, as one view. Fails with
     * {@link FramingException} when the first {@code limit} bytes hold no delimiter.
     */
    public ShardFuture<ReadBuffer> readUntil(byte delimiter, int limit) {
        ReadBuffer frame = frames.until(delimiter, limit);
        return frame != null ? ShardFuture.succeeded(frame) : readMore(() -> readUntil(delimiter, limit));
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
        return frames.release();
    }

    /** The frame is not whole: fails with why it never will be, or reads on and asks {@code again}. */
    private ShardFuture<ReadBuffer> readMore(java.util.function.Supplier<ShardFuture<ReadBuffer>> again) {
        FramingException failure = frames.failure();
        if (failure != null) {
            return ShardFuture.failed(failure);
        }
        return connection.read().then(data -> frames.add(data)
                ? again.get()
                : ShardFuture.<ReadBuffer>failed(new TcpException("packet buffers exhausted")));
    }
}
