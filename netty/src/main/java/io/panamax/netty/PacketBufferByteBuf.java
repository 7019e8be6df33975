package io.panamax.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.panamax.reactor.Shard;
import io.panamax.reactor.ShardMessage;
import io.panamax.reactor.buffer.Buffer;

import java.lang.foreign.MemorySegment;

/**
 * An outbound {@code ByteBuf} from {@link PanamaxByteBufAllocator}: a direct buffer over one
 * packet buffer of its shard, from its first byte. Written on a channel of that shard, its
 * readable bytes become a fragment of a packet that shares the buffer (one more reference): no
 * copy. The {@code ByteBuf}'s own reference is dropped when it is released: on its shard in place,
 * from any other thread by a message to that shard (buffer reference counts are the shard's alone).
 */
final class PacketBufferByteBuf extends SegmentByteBuf implements ShardMessage {
    private final Shard home;
    /** The packet buffer; null once released (on the home shard). */
    private Buffer buffer;
    /**
     * Set, by whichever thread holds the ByteBuf, when its bytes leave the packet buffer (grown) or
     * it is released: the buffer's release is then done or on its way home, and a write copies.
     * The ByteBuf reaches a loop again only through Netty's task queue, which orders this write.
     */
    private boolean dropped;

    PacketBufferByteBuf(ByteBufAllocator alloc, Shard home, Buffer buffer, int capacity, int maxCapacity) {
        super(alloc, BufferViews.of(buffer, 0, capacity), maxCapacity);
        this.home = home;
        this.buffer = buffer;
        setIndex(0, 0); // the constructor made the whole view readable: a new buffer is empty
    }

    @Override
    MemorySegment memory() {
        Buffer b = buffer;
        return b != null && !dropped ? b.memory() : null;
    }

    @Override
    long base() {
        return 0;
    }

    /** The packet buffer holding the bytes, if they are still in one of shard {@code s}; else null. */
    Buffer packetBufferOn(Shard s) {
        return s == home && !dropped ? buffer : null;
    }

    /** Grown (or shrunk) into ordinary direct memory: the packet buffer goes back. */
    @Override
    void bytesMoved() {
        dropBuffer();
    }

    @Override
    protected void deallocate() {
        super.deallocate(); // frees grown memory, if any; never the packet buffer (not the JDK's)
        dropBuffer();
    }

    private void dropBuffer() {
        if (dropped) {
            return;
        }
        dropped = true;
        if (Shard.current() == home) {
            deliver(home);
        } else {
            home.execute((ShardMessage) this);
        }
    }

    /** Arrival on the home shard after the last release (or a growth) happened elsewhere. */
    @Override
    public void deliver(Shard shard) {
        Buffer b = buffer;
        buffer = null;
        if (b != null) {
            b.release();
        }
    }
}
