package io.panamax.tcp;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;

/**
 * Builds a reply directly in the packet buffers of a shard, so that writing it is a hand-over,
 * not a copy: the bytes a protocol puts together (a status line, headers, a RESP array, a length
 * prefix) land in the memory the stack will send from. The usual alternative, a
 * {@code ByteArrayOutputStream} and {@code write(byte[])}, copies every reply twice (into the
 * array, then from it into packet buffers) and leaves an array behind each time.
 *
 * <pre>{@code
 * ReplyBuilder out = new ReplyBuilder(conn.shard());    // one per connection, reused for every reply
 * out.ascii("$").decimal(value.length).crlf().bytes(value).crlf();
 * out.append(receivedSlice);                           // a buffer from a read: chained, not copied
 * return out.writeTo(conn);                            // the built packet goes to TCP as it is
 * }</pre>
 *
 * <p>Heap data ({@code byte[]}, characters, digits) is gathered in a small staging array and
 * copied into the buffer's free tail in one go when the array fills or the reply is taken, so a
 * reply of many small pieces (a status line and a dozen header fields) costs array stores and one
 * bulk copy, not a packet append per piece; a {@link ReadBuffer} the stack handed out is chained
 * without a copy. Nothing is allocated on the
 * heap per reply: the builder is reused, and its packet comes from the shard's pool. A reply can
 * be any length: it grows into further buffers. If the pool runs out while building, the reply is
 * dropped and {@link #writeTo} fails with a {@link TcpException} (as a copying write would).
 *
 * <p>One shard, like the connection: use it on the shard it was made for.
 */
public final class ReplyBuilder {
    /** The staging array: larger than a typical response head, smaller than a buffer. */
    private static final int STAGE = 512;

    private final Shard shard;
    /** Bytes not yet in the packet: small pieces gather here and go in with one copy ({@link #flush}). */
    private final byte[] staged = new byte[STAGE];
    private int stagedLength;
    private Packet reply;
    private boolean exhausted;
    /** The last {@link #take} found the pool had run out while building. */
    private boolean lastTakeFailed;

    /** A builder whose replies are made of {@code shard}'s packet buffers (the connection's shard). */
    public ReplyBuilder(Shard shard) {
        this.shard = shard;
    }

    /** Bytes in the reply being built. */
    public int length() {
        return (reply == null ? 0 : reply.length()) + stagedLength;
    }

    public boolean isEmpty() {
        return length() == 0 && !exhausted;
    }

    /** Appends {@code b} (copied into packet memory). */
    public ReplyBuilder bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    /** Appends {@code n} bytes of {@code b} from {@code from} (copied into packet memory). */
    public ReplyBuilder bytes(byte[] b, int from, int n) {
        java.util.Objects.checkFromIndexSize(from, n, b.length);
        if (n > STAGE - stagedLength) {
            flush();
            if (n > STAGE) {
                // Large: straight into the packet, no detour through the staging array.
                Packet p = packet();
                if (p != null && p.appendBytes(b, from, n) < n) {
                    exhausted = true;
                }
                return this;
            }
        }
        System.arraycopy(b, from, staged, stagedLength, n);
        stagedLength += n;
        return this;
    }

    /** Appends one byte. */
    public ReplyBuilder writeByte(int b) {
        room(1);
        staged[stagedLength++] = (byte) b;
        return this;
    }

    /** Appends the characters of an ASCII (or ISO-8859-1) text, one byte each, without encoding it into an array first. */
    public ReplyBuilder ascii(CharSequence s) {
        int n = s.length();
        for (int i = 0; i < n; ) {
            room(1);
            int chunk = Math.min(STAGE - stagedLength, n - i);
            for (int j = 0; j < chunk; j++) {
                staged[stagedLength + j] = (byte) s.charAt(i + j);
            }
            stagedLength += chunk;
            i += chunk;
        }
        return this;
    }

    /** Appends {@code v} in decimal ASCII digits, with a '-' when negative (RESP integers, content lengths). */
    public ReplyBuilder decimal(long v) {
        int digits = 1;
        for (long x = v / 10; x != 0; x /= 10) {
            digits++;
        }
        int n = v < 0 ? digits + 1 : digits;
        room(n);
        int pos = stagedLength + n;
        do {
            staged[--pos] = (byte) ('0' + Math.abs(v % 10)); // abs of the remainder: Long.MIN_VALUE too
            v /= 10;
        } while (v != 0);
        if (n > digits) {
            staged[--pos] = '-';
        }
        stagedLength += n;
        return this;
    }

    /** Appends CR LF. */
    public ReplyBuilder crlf() {
        room(2);
        staged[stagedLength++] = '\r';
        staged[stagedLength++] = '\n';
        return this;
    }

    /** Makes room for {@code n} (at most {@link #STAGE}) more staged bytes. */
    private void room(int n) {
        if (n > STAGE - stagedLength) {
            flush();
        }
    }

    /** Moves the staged bytes into the packet (one copy). */
    private void flush() {
        if (stagedLength == 0) {
            return;
        }
        Packet p = packet();
        if (p != null && p.appendBytes(staged, 0, stagedLength) < stagedLength) {
            exhausted = true;
        }
        stagedLength = 0;
    }

    /**
     * Appends {@code data} and takes ownership of it: a buffer the stack handed out on this shard
     * (a read, a slice of one) is chained without a copy; any other is copied and released.
     */
    public ReplyBuilder append(ReadBuffer data) {
        flush();
        Packet p = packet();
        if (p == null) {
            data.release();
            return this;
        }
        Packet q = Packet.of(data, shard.packets());
        if (q == null) {
            exhausted = true;
            return this;
        }
        p.append(q);
        return this;
    }

    /**
     * The reply built so far, handed over to the caller (to write, or to release); the builder
     * starts the next one. Null if nothing was built, or if the pool ran out while building (the
     * partial reply is released).
     */
    public ReadBuffer take() {
        flush();
        Packet p = reply;
        reply = null;
        boolean failed = exhausted;
        exhausted = false;
        lastTakeFailed = failed;
        if (failed && p != null) {
            p.release();
            return null;
        }
        return p;
    }

    /**
     * Writes the reply built so far to {@code conn} (without a copy: it is made of the stack's
     * buffers) and starts the next one. Nothing built: a resolved future, nothing written.
     */
    public ShardFuture<Void> writeTo(StreamConnection conn) {
        ReadBuffer p = take(); // flushes first, which may exhaust the pool
        boolean failed = p == null && lastTakeFailed;
        if (p == null) {
            return failed ? ShardFuture.failed(new TcpException("packet buffers exhausted while building a reply"))
                    : ShardFuture.done();
        }
        return conn.write(p);
    }

    /** Drops what was built (releases its buffers). */
    public void discard() {
        stagedLength = 0;
        ReadBuffer p = take();
        if (p != null) {
            p.release();
        }
    }

    private Packet packet() {
        if (exhausted) {
            return null;
        }
        if (reply == null) {
            reply = shard.packets().allocateWithHeadroom();
            if (reply == null) {
                exhausted = true;
            }
        }
        return reply;
    }
}
