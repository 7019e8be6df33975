package io.panamax.tls;

import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.BufferPool;

import java.nio.ByteBuffer;
import java.util.IdentityHashMap;

/**
 * One reusable {@link ByteBuffer} view per packet buffer, for handing packet memory to the
 * {@code SSLEngine} (which takes ByteBuffers) without copying it and without making a view object
 * per record: {@code MemorySegment.asByteBuffer()} is called once per buffer slot, after that a
 * window is a position and a limit.
 *
 * <p>One engine call may name the same buffer twice (two fragments of a packet sharing a buffer);
 * views handed out since {@link #begin()} are stamped, and a second window on a stamped view is a
 * duplicate. Belongs to one shard.
 */
final class ByteBufferViews {
    private final IdentityHashMap<BufferPool, Views> byPool = new IdentityHashMap<>();
    private BufferPool lastPool;
    private Views last;
    private int stamp = 1;

    private static final class Views {
        final ByteBuffer[] views;
        final int[] stamps;

        Views(int slots) {
            views = new ByteBuffer[slots];
            stamps = new int[slots];
        }
    }

    /** Starts a new engine call: windows handed out before may be reused. */
    void begin() {
        stamp++;
    }

    /** A view of {@code len} bytes of {@code b} from {@code offset}: position {@code offset}, limit {@code offset + len}. */
    ByteBuffer window(Buffer b, int offset, int len) {
        BufferPool pool = b.pool();
        Views v = pool == lastPool ? last : lookup(pool);
        int slot = b.slot();
        ByteBuffer view = v.views[slot];
        if (view == null) {
            view = b.memory().asByteBuffer();
            v.views[slot] = view;
        } else if (v.stamps[slot] == stamp) {
            view = view.duplicate(); // the same buffer twice in one call: needs its own position
        }
        v.stamps[slot] = stamp;
        view.limit(offset + len).position(offset);
        return view;
    }

    private Views lookup(BufferPool pool) {
        Views v = byPool.get(pool);
        if (v == null) {
            v = new Views(pool.slots());
            byPool.put(pool, v);
        }
        lastPool = pool;
        last = v;
        return v;
    }
}
