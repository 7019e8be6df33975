package io.panamax.reactor.buffer;

import io.panamax.reactor.Shard;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A {@link BufferPool} carved from one off-heap slab: fixed-size buffers, 64-byte aligned, handed
 * out from a stack of free slots. Allocation and release are a few array operations and allocate
 * no Java objects: every {@link Buffer} wrapper is made when the pool is.
 */
public final class SlabBufferPool extends BufferPool {
    private static final int ALIGN = 64;
    private final Buffer[] buffers;
    private final int[] free;
    private int top;
    private final int bufferSize;
    private final int headroom;

    public SlabBufferPool(Shard owner, int count, int bufferSize, int headroom) {
        super(owner);
        if (count < 1 || bufferSize < 1 || headroom < 0 || headroom >= bufferSize) {
            throw new IllegalArgumentException("bad pool geometry: " + count + " x " + bufferSize + ", headroom " + headroom);
        }
        int stride = (bufferSize + ALIGN - 1) / ALIGN * ALIGN;
        // Arena.ofAuto: the slab lives as long as the pool is reachable.
        MemorySegment slab = Arena.ofAuto().allocate((long) stride * count, ALIGN);
        this.buffers = new Buffer[count];
        this.free = new int[count];
        for (int i = 0; i < count; i++) {
            buffers[i] = newBuffer(i, slab.asSlice((long) i * stride, bufferSize), 0);
            free[i] = count - 1 - i;
        }
        this.top = count;
        this.bufferSize = bufferSize;
        this.headroom = headroom;
    }

    /** A pool for one plain thread (tests, tools): no shard owns it. */
    public static SlabBufferPool unowned(int count, int bufferSize, int headroom) {
        return new SlabBufferPool(null, count, bufferSize, headroom);
    }

    @Override
    public Buffer allocate() {
        assert onOwnerThread();
        if (top == 0) {
            countExhausted();
            return null;
        }
        Buffer b = buffers[free[--top]];
        setInUse(b);
        return b;
    }

    @Override
    protected void recycle(Buffer b) {
        assert onOwnerThread();
        free[top++] = b.slot();
    }

    @Override
    public int capacity() {
        return buffers.length;
    }

    @Override
    public int available() {
        return top;
    }

    @Override
    public int bufferSize() {
        return bufferSize;
    }

    @Override
    public int headroom() {
        return headroom;
    }
}
