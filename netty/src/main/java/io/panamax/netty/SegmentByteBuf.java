package io.panamax.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A direct {@code ByteBuf} over packet memory that copies bulk bytes with {@code MemorySegment.copy}:
 * {@code UnpooledDirectByteBuf} copies through a duplicate of its {@code ByteBuffer} (one per
 * buffer) and, between two direct buffers, through an array of further duplicates (one per copy),
 * which were most of the transport's own allocations per HTTP request (JFR). The codecs copy header
 * names and values in as arrays and bodies in as buffers, so these are the paths they take.
 */
abstract class SegmentByteBuf extends UnpooledDirectByteBuf {

    /** Set once the bytes moved to other memory (the capacity changed): the segment is not theirs any more. */
    private boolean moved;

    SegmentByteBuf(ByteBufAllocator alloc, ByteBuffer view, int maxCapacity) {
        super(alloc, view, maxCapacity);
    }

    /** The packet memory of index 0, or null when the bytes are no longer there (released). */
    abstract MemorySegment memory();

    /** Called once when the bytes have moved out of the packet memory (into ordinary direct memory). */
    void bytesMoved() {
    }

    /** Growing (or shrinking) copies the bytes into ordinary direct memory, as Netty's buffer does. */
    @Override
    public ByteBuf capacity(int newCapacity) {
        int old = capacity();
        super.capacity(newCapacity);
        if (newCapacity != old && !moved) {
            moved = true;
            bytesMoved();
        }
        return this;
    }

    /** The memory of index 0 while the bytes are in packet memory, else null. */
    final MemorySegment segment() {
        return moved ? null : memory();
    }

    /** Where index 0 is in {@link #segment()}. */
    abstract long base();

    /** {@code checkIndex} for the other packet-memory buffer class (protected in Netty's package). */
    final void checkRange(int index, int length) {
        checkIndex(index, length);
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src, int srcIndex, int length) {
        MemorySegment seg = segment();
        if (seg == null) {
            return super.setBytes(index, src, srcIndex, length);
        }
        checkIndex(index, length);
        Objects.checkFromIndexSize(srcIndex, length, src.length);
        MemorySegment.copy(src, srcIndex, seg, ValueLayout.JAVA_BYTE, base() + index, length);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, byte[] dst, int dstIndex, int length) {
        MemorySegment seg = segment();
        if (seg == null) {
            return super.getBytes(index, dst, dstIndex, length);
        }
        checkIndex(index, length);
        Objects.checkFromIndexSize(dstIndex, length, dst.length);
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, base() + index, dst, dstIndex, length);
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int srcIndex, int length) {
        if (length == 0) {
            checkIndex(index, 0); // Netty's would still ask the source for its (empty) NIO buffers
            return this;
        }
        if (src instanceof CompositeByteBuf || (src instanceof PacketByteBuf && segment() != null)) {
            // Component by component, each into this buffer: a component of ours is a segment copy;
            // a received buffer copies segment to segment.
            src.getBytes(srcIndex, this, index, length);
            return this;
        }
        MemorySegment seg = segment();
        if (seg != null && src instanceof SegmentByteBuf s) {
            MemorySegment from = s.segment();
            if (from != null) {
                checkIndex(index, length);
                s.checkIndex(srcIndex, length);
                MemorySegment.copy(from, s.base() + srcIndex, seg, base() + index, length);
                return this;
            }
        }
        return super.setBytes(index, src, srcIndex, length);
    }

    @Override
    public ByteBuf getBytes(int index, ByteBuf dst, int dstIndex, int length) {
        MemorySegment seg = segment();
        if (seg != null && dst instanceof SegmentByteBuf d) {
            MemorySegment to = d.segment();
            if (to != null) {
                checkIndex(index, length);
                d.checkIndex(dstIndex, length);
                MemorySegment.copy(seg, base() + index, to, d.base() + dstIndex, length);
                return this;
            }
        }
        if (seg != null && dst instanceof PacketByteBuf) {
            dst.setBytes(dstIndex, this, index, length); // a segment copy there
            return this;
        }
        return super.getBytes(index, dst, dstIndex, length);
    }
}
