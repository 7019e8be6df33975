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
 * <p>Heap data ({@code byte[]}, characters) is copied once, into the buffer's free tail; a
 * {@link ReadBuffer} the stack handed out is chained without a copy. Nothing is allocated on the
 * heap per reply: the builder is reused, and its packet comes from the shard's pool. A reply can
 * be any length: it grows into further buffers. If the pool runs out while building, the reply is
 * dropped and {@link #writeTo} fails with a {@link TcpException} (as a copying write would).
 *
 * <p>One shard, like the connection: use it on the shard it was made for.
 */
public final class ReplyBuilder {
    private final Shard shard;
    /** Characters and digits are encoded here, then copied into the packet in one go. */
    private final byte[] scratch = new byte[64];
    private Packet reply;
    private boolean exhausted;

    /** A builder whose replies are made of {@code shard}'s packet buffers (the connection's shard). */
    public ReplyBuilder(Shard shard) {
        this.shard = shard;
    }

    /** Bytes in the reply being built. */
    public int length() {
        return reply == null ? 0 : reply.length();
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
        Packet p = packet();
        if (p != null && p.appendBytes(b, from, n) < n) {
            exhausted = true;
        }
        return this;
    }

    /** Appends one byte. */
    public ReplyBuilder writeByte(int b) {
        scratch[0] = (byte) b;
        return bytes(scratch, 0, 1);
    }

    /** Appends the characters of an ASCII (or ISO-8859-1) text, one byte each, without encoding it into an array first. */
    public ReplyBuilder ascii(CharSequence s) {
        int n = s.length();
        for (int i = 0; i < n; ) {
            int chunk = Math.min(scratch.length, n - i);
            for (int j = 0; j < chunk; j++) {
                scratch[j] = (byte) s.charAt(i + j);
            }
            bytes(scratch, 0, chunk);
            i += chunk;
        }
        return this;
    }

    /** Appends {@code v} in decimal ASCII digits, with a '-' when negative (RESP integers, content lengths). */
    public ReplyBuilder decimal(long v) {
        int pos = scratch.length;
        boolean negative = v < 0;
        do {
            scratch[--pos] = (byte) ('0' + Math.abs(v % 10)); // abs of the remainder: Long.MIN_VALUE too
            v /= 10;
        } while (v != 0);
        if (negative) {
            scratch[--pos] = '-';
        }
        return bytes(scratch, pos, scratch.length - pos);
    }

    /** Appends CR LF. */
    public ReplyBuilder crlf() {
        scratch[0] = '\r';
        scratch[1] = '\n';
        return bytes(scratch, 0, 2);
    }

    /**
     * Appends {@code data} and takes ownership of it: a buffer the stack handed out on this shard
     * (a read, a slice of one) is chained without a copy; any other is copied and released.
     */
    public ReplyBuilder append(ReadBuffer data) {
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
        Packet p = reply;
        reply = null;
        boolean failed = exhausted;
        exhausted = false;
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
        boolean failed = exhausted;
        ReadBuffer p = take();
        if (p == null) {
            return failed ? ShardFuture.failed(new TcpException("packet buffers exhausted while building a reply"))
                    : ShardFuture.done();
        }
        return conn.write(p);
    }

    /** Drops what was built (releases its buffers). */
    public void discard() {
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
