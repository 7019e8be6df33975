package io.panamax.netty;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.BufferPool;

/**
 * A {@code ByteBufAllocator} whose direct buffers, when asked for on a shard's thread (a Panamax
 * event loop) and no larger than one packet buffer, <em>are</em> packet buffers of that shard:
 * a {@link PanamaxSocketChannel} of the same shard hands such a {@code ByteBuf}'s bytes to TCP
 * without copying them (the TCP segments share the buffer, which returns to the shard's pool
 * when the peer has acknowledged them and the {@code ByteBuf} has been released). Everything
 * else (heap buffers, larger buffers, buffers asked for on other threads, or when the shard's pool
 * is down to its reserve) comes from the fallback allocator (Netty's pooled one by default), and
 * is copied once when written.
 *
 * <p>It is the default {@code ALLOCATOR} of the transport's channels: the {@code ByteBuf}s a
 * handler gets from {@code ctx.alloc()} on its loop are packet buffers, with no change to the
 * application. A packet-backed {@code ByteBuf} grown past its packet buffer moves its bytes to
 * ordinary direct memory (and is copied when written); released on another thread, its packet
 * buffer is sent home to be freed by its shard.
 */
public final class PanamaxByteBufAllocator extends AbstractByteBufAllocator {
    /** Over Netty's default pooled allocator. */
    public static final PanamaxByteBufAllocator DEFAULT = new PanamaxByteBufAllocator(PooledByteBufAllocator.DEFAULT);
    /**
     * The share of a shard's packet buffers ByteBufs may not take: reception needs free buffers,
     * and an application holding many ByteBufs must not starve the NIC (it gets fallback memory).
     */
    static final int RESERVE_DIVISOR = 4;

    private final ByteBufAllocator fallback;

    public PanamaxByteBufAllocator(ByteBufAllocator fallback) {
        super(true);
        this.fallback = fallback;
    }

    /** Where buffers come from when they cannot be packet buffers. */
    public ByteBufAllocator fallback() {
        return fallback;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        Shard shard = Shard.current();
        if (shard != null) {
            BufferPool pool = shard.packets().buffers();
            if (initialCapacity <= pool.bufferSize() && pool.available() > pool.capacity() / RESERVE_DIVISOR) {
                Buffer b = pool.allocate();
                if (b != null) {
                    return PacketByteBuf.Pool.of(shard).outbound(this, b, Math.min(pool.bufferSize(), maxCapacity), maxCapacity);
                }
            }
        }
        return fallback.directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return fallback.heapBuffer(initialCapacity, maxCapacity);
    }

    // Direct by default whatever Netty decides about Unsafe: the point is packet memory.
    @Override
    public ByteBuf buffer() {
        return directBuffer();
    }

    @Override
    public ByteBuf buffer(int initialCapacity) {
        return directBuffer(initialCapacity);
    }

    @Override
    public ByteBuf buffer(int initialCapacity, int maxCapacity) {
        return directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public ByteBuf ioBuffer() {
        return directBuffer();
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity) {
        return directBuffer(initialCapacity);
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity, int maxCapacity) {
        return directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }
}
