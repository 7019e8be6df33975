package io.panamax.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOutboundBuffer;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.Packet;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Gathers the flushed {@code ByteBuf}s at the head of a channel's outbound buffer into one packet,
 * so that one flush is one stack write: the bytes of many small messages (an HTTP/2 flush is a
 * HEADERS, a DATA and a trailing HEADERS frame per call, each its own {@code ByteBuf}) are packed
 * into shared packet buffers instead of one packet (and one buffer) per message, and TCP is handed
 * them at once. An outbound {@link PacketByteBuf} of the shard joins the packet as a fragment sharing
 * its buffer (no copy); any other buffer is copied, from its memory address when it has one, so
 * that a copy makes no object (a {@code MemorySegment} view of a {@code ByteBuffer} costs three).
 *
 * <p>Only whole messages are gathered, up to {@link #LIMIT} bytes (the first one whatever its
 * size), and never past a message that is no {@code ByteBuf} (a {@code FileRegion} is written on
 * its own): the channel removes them from Netty's buffer by their byte count once the stack has
 * taken the packet. One per channel, used on its loop only.
 */
final class WriteBatch implements ChannelOutboundBuffer.MessageProcessor {
    /**
     * The most bytes gathered into one packet after the first message: a flush of small messages
     * fits, and a bulk transfer goes in writes of about a TSO super-segment.
     */
    static final int LIMIT = 64 * 1024;
    /** All of the address space: copies from a {@code ByteBuf}'s memory address without a view per copy. */
    private static final MemorySegment ALL_MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private final Shard shard;
    private final TransportCounters counters;
    private Packet packet;
    private long bytes;
    private int messages;
    private boolean exhausted;

    WriteBatch(Shard shard, TransportCounters counters) {
        this.shard = shard;
        this.counters = counters;
    }

    /**
     * Gathers from the head of {@code in}; returns the packet (null when the flushed messages at
     * the head hold no byte). {@link #bytes()} and {@link #messages()} say what it holds.
     *
     * @throws java.io.IOException when not even the first message fits in the shard's packet buffers
     */
    Packet gather(ChannelOutboundBuffer in) throws Exception {
        packet = null;
        bytes = 0;
        messages = 0;
        exhausted = false;
        in.forEachFlushedMessage(this);
        Packet p = packet;
        packet = null;
        if (exhausted && bytes == 0) {
            if (p != null) {
                p.release();
            }
            throw new java.io.IOException("packet buffers exhausted");
        }
        return p;
    }

    long bytes() {
        return bytes;
    }

    int messages() {
        return messages;
    }

    @Override
    public boolean processMessage(Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            return false; // a FileRegion: the channel writes it after this packet
        }
        int n = buf.readableBytes();
        if (n == 0) {
            messages++;
            return true;
        }
        if (messages > 0 && bytes + n > LIMIT) {
            return false;
        }
        Packet p = packet;
        if (p == null) {
            p = packet = shard.packets().allocate();
        }
        int before = p.length();
        if (!append(p, buf, buf.readerIndex(), n)) {
            p.truncate(before); // whole messages only: this one waits for buffers
            exhausted = true;
            return false;
        }
        bytes += n;
        messages++;
        return true;
    }

    /** Appends the bytes {@code [idx, idx + n)} of {@code buf}; false if the packet buffers ran out. */
    private boolean append(Packet p, ByteBuf buf, int idx, int n) {
        if (buf instanceof PacketByteBuf pb) {
            Buffer b = pb.packetBufferOn(shard);
            if (b != null) {
                p.append(b.retain(), idx, n);
                counters.zeroCopyWrites.increment();
                return true;
            }
            MemorySegment seg = pb.segment();
            if (seg != null) { // a received buffer, one of another shard, or one grown into a heap array
                return p.appendBytes(seg, pb.base() + idx, n) == n;
            }
        }
        if (buf.hasArray()) {
            return p.appendBytes(buf.array(), buf.arrayOffset() + idx, n) == n;
        }
        if (buf.hasMemoryAddress()) {
            return p.appendBytes(ALL_MEMORY, buf.memoryAddress() + idx, n) == n;
        }
        if (buf.nioBufferCount() == 1) {
            return p.appendBytes(MemorySegment.ofBuffer(buf.internalNioBuffer(idx, n)), 0, n) == n;
        }
        for (ByteBuffer b : buf.nioBuffers(idx, n)) { // a composite: component by component
            int len = b.remaining();
            if (p.appendBytes(MemorySegment.ofBuffer(b), 0, len) < len) {
                return false;
            }
        }
        return true;
    }
}
