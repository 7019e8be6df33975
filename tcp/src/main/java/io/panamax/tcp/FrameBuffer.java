package io.panamax.tcp;

import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;

/**
 * Incremental framing over a connection's reads, with no future and no heap allocation per read:
 * the bytes of each read are {@link #add added} (taken over, not copied), and frames are taken off
 * the front as soon as they are whole: {@link #exactly} n bytes, {@link #until} a delimiter,
 * {@link #line}, each delimited frame with a limit. A frame that is not whole yet is null: the
 * caller reads on and asks again. One per connection, reused for all its frames; used on its
 * shard. {@link Framing} is the same with a future per frame, for protocols written as a sequence.
 *
 * <p>Frames are zero-copy views of the received buffers ({@link ReadBuffer#slice}): the caller
 * releases each, or writes it. A delimited frame that cannot be had within its limit, or the stream
 * ending inside a frame, answers null and sets {@link #failure()} (a {@link FramingException}, made
 * only then): a peer cannot make the server buffer without bound. At the end of the stream, with
 * nothing left, a frame is an <b>empty</b> buffer, as {@link StreamConnection#read()} answers.
 *
 * <pre>{@code
 * FrameBuffer in = new FrameBuffer(conn.shard());              // one per connection
 * conn.readLoop(data -> {
 *     in.add(data);                                             // the empty end-of-stream buffer too
 *     for (ReadBuffer line; (line = in.line(8192)) != null; ) {
 *         if (line.isEmpty()) {                                 // the end of the stream
 *             line.release();
 *             return ShardFuture.stop();
 *         }
 *         handle(line);                                         // releases it, or writes it
 *     }
 *     return in.failure() == null ? ShardFuture.next() : ShardFuture.stop(); // a line past 8 KiB
 * });
 * }</pre>
 */
public final class FrameBuffer {
    private final PacketPool packets;
    /** Received and not yet handed out: null or non-empty. */
    private Packet held;
    /** The peer's end of stream was added. */
    private boolean ended;
    /** Bytes at the front of {@link #held} known not to hold {@link #scannedFor}: not scanned again. */
    private int scanned;
    private byte scannedFor;
    private FramingException failure;

    /**
     * A buffer for a connection of {@code shard} (the connection's {@code shard()}): frames, and
     * copies of reads that are not the stack's packets, come from that shard's packet pool. What an
     * application uses: it names no buffer-pool type.
     */
    public FrameBuffer(Shard shard) {
        this(shard.packets());
    }

    /** A buffer whose frames (and copies of reads that are not the stack's packets) come from {@code packets}. */
    public FrameBuffer(PacketPool packets) {
        this.packets = packets;
    }

    /**
     * Adds a read's bytes, taking them over (the stack's packets are kept as they are, anything
     * else is copied into packets). An empty buffer is the end of the stream: it is released, and
     * frames are then answered from what is left. Returns false, having released {@code data},
     * when they could not be kept (not the stack's packet, and no packet buffers to copy it into).
     */
    public boolean add(ReadBuffer data) {
        if (data.isEmpty()) {
            data.release();
            ended = true;
            return true;
        }
        Packet p = Packet.of(data, packets);
        if (p == null) {
            return false;
        }
        if (held == null) {
            held = p;
        } else {
            held.append(p);
        }
        return true;
    }

    /** Bytes received and not yet handed out. */
    public int buffered() {
        return held == null ? 0 : held.length();
    }

    /** Whether the end of the stream has been added. */
    public boolean ended() {
        return ended;
    }

    /** Why the frame last asked for can never be had (too long, or the stream ended inside it), or null. */
    public FramingException failure() {
        return failure;
    }

    /**
     * The next {@code n} bytes as one view; null until they are all here (or, with
     * {@link #failure()} set, when the stream ended before them); empty at the end of the stream
     * with nothing buffered.
     */
    public ReadBuffer exactly(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative length: " + n);
        }
        failure = null;
        if (buffered() >= n) {
            return take(n);
        }
        return ended ? atEnd(n + " bytes") : null;
    }

    /**
     * The bytes up to and including the first {@code delimiter} as one view; null until it has
     * arrived, or (with {@link #failure()} set) when the first {@code limit} bytes hold none or the
     * stream ended first; empty at the end of the stream with nothing buffered.
     */
    public ReadBuffer until(byte delimiter, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        failure = null;
        if (held != null) {
            if (scannedFor != delimiter) {
                scanned = 0;
                scannedFor = delimiter;
            }
            int i = held.indexOf(delimiter, scanned);
            if (i >= 0 && i < limit) {
                return take(i + 1);
            }
            if (i >= limit || held.length() >= limit) {
                failure = FramingException.tooLong(delimiter, limit);
                return null;
            }
            scanned = held.length();
        }
        return ended ? atEnd("a delimiter") : null;
    }

    /**
     * The next line, with its ending ({@code "\n"} or {@code "\r\n"}: {@link Framing#lineLength} is
     * its length without), as {@link #until} a {@code '\n'} within {@code limit} bytes.
     */
    public ReadBuffer line(int limit) {
        return until((byte) '\n', limit);
    }

    /** Everything buffered (null if nothing is), for switching from frames to plain reads. */
    public ReadBuffer rest() {
        Packet p = held;
        held = null;
        scanned = 0;
        return p;
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
            p = packets.allocate();
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

    private ReadBuffer atEnd(String wanted) {
        if (held == null) {
            return packets.allocate();
        }
        failure = FramingException.truncated(wanted, held.length());
        return null;
    }
}
