package io.panamax.netty;

import io.panamax.reactor.buffer.Buffer;

import java.nio.ByteBuffer;
import java.util.IdentityHashMap;

/**
 * One {@code ByteBuffer} over each packet buffer, made the first time a shard's thread wraps the
 * buffer in a {@code ByteBuf} and kept: the {@code ByteBuf}'s constructor slices it (one object)
 * where a fresh view would cost three (a segment slice, its buffer, the slice). Per thread, so
 * a view is only ever positioned by the thread that owns its buffer's shard.
 */
final class BufferViews {
    private static final ThreadLocal<BufferViews> OF_THREAD = ThreadLocal.withInitial(BufferViews::new);

    /** By pool (a shard may receive into a NIC's pool and send from its own): buffers and views by slot. */
    private final IdentityHashMap<Object, Buffer[]> buffers = new IdentityHashMap<>();
    private final IdentityHashMap<Object, ByteBuffer[]> views = new IdentityHashMap<>();
    private Object lastPool;
    private Buffer[] lastBuffers;
    private ByteBuffer[] lastViews;

    private BufferViews() {
    }

    /** A view of {@code b}'s bytes {@code [offset, offset + length)}: position and limit set, to be sliced at once. */
    static ByteBuffer of(Buffer b, int offset, int length) {
        ByteBuffer v = OF_THREAD.get().whole(b);
        v.clear();
        v.position(offset);
        v.limit(offset + length);
        return v;
    }

    private ByteBuffer whole(Buffer b) {
        Object pool = b.pool();
        if (pool != lastPool) {
            Buffer[] bs = buffers.get(pool);
            if (bs == null) {
                int slots = b.pool().slots();
                bs = new Buffer[slots];
                buffers.put(pool, bs);
                views.put(pool, new ByteBuffer[slots]);
            }
            lastPool = pool;
            lastBuffers = bs;
            lastViews = views.get(pool);
        }
        int slot = b.slot();
        if (slot < 0 || slot >= lastBuffers.length) {
            return b.memory().asByteBuffer(); // outside the pool's slots: not kept
        }
        if (lastBuffers[slot] != b) {
            lastBuffers[slot] = b;
            lastViews[slot] = b.memory().asByteBuffer();
        }
        return lastViews[slot];
    }
}
