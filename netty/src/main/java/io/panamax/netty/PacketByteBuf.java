package io.panamax.netty;

import io.netty.buffer.AbstractReferenceCountedByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.panamax.reactor.Shard;
import io.panamax.reactor.ShardMessage;
import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.Packet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * A Netty {@code ByteBuf} over packet memory of one shard, taken from that shard's pool of these
 * objects and put back there when its last reference is released (as Netty's pooled buffers are
 * recycled): once warm, making one allocates nothing. Two uses:
 * <ul>
 *   <li><b>received</b> ({@link Pool#over}): one fragment of a stack packet, in the receive buffer
 *       it arrived in (no copy); the packet is released with the {@code ByteBuf}. Its capacity is
 *       the fragment's: a write that needs more makes the caller copy (as for a read-only one).</li>
 *   <li><b>outbound</b> ({@link Pool#outbound}, from {@link PanamaxByteBufAllocator}): a packet
 *       buffer of the shard, from its first byte. Written on a channel of that shard, its bytes
 *       become a fragment of a packet that shares the buffer (one more reference,
 *       {@link #packetBufferOn}): no copy. Grown past the packet buffer, its bytes move to a heap
 *       array (and are copied when written) and the packet buffer goes back.</li>
 * </ul>
 * Packet buffers and the pool are the shard's alone: a release on another thread sends the
 * object home as a message, which frees the buffer and recycles the object there.
 *
 * <p>Its own {@code ByteBuf} implementation rather than Netty's {@code UnpooledDirectByteBuf},
 * which cannot be pointed at other memory from outside its package: that made three objects per
 * buffer (the buffer, its reference count, a {@code ByteBuffer} slice), a third of the transport's
 * heap bytes per HTTP request. Bytes are read and written through the {@code MemorySegment}
 * (big-endian, unaligned), bulk copies with {@code MemorySegment.copy}.
 *
 * <p>As with any pooled {@code ByteBuf}, touching one after its release is a bug of the caller
 * (it may by then show other bytes); the reference count still fails the accesses that Netty
 * checks ({@code ensureAccessible}) until the object is reused.
 */
final class PacketByteBuf extends AbstractReferenceCountedByteBuf implements ShardMessage {
    /** Objects kept per shard for reuse; past this (a burst of held buffers) the extras are garbage. */
    static final int POOL_LIMIT = 4096;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** All of the address space: copies to and from another buffer's memory address without a view per copy. */
    private static final MemorySegment ALL_MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** The free objects of one shard: used on that shard's thread only. */
    static final class Pool {
        /** The pool of the shard whose thread this is (one thread per shard). */
        private static final ThreadLocal<Pool> OF_THREAD = new ThreadLocal<>();

        private final Shard home;
        /** Unregistered until the shard's event loop gives its own (the allocator may come first). */
        private TransportCounters counters = new TransportCounters();
        private final ArrayDeque<PacketByteBuf> free = new ArrayDeque<>(256);

        private Pool(Shard home) {
            this.home = home;
        }

        /** The pool of {@code shard}, which must be the current one. */
        static Pool of(Shard shard) {
            Pool p = OF_THREAD.get();
            if (p == null || p.home != shard) { // a thread driving several shards (manual mode) swaps
                p = new Pool(shard);
                OF_THREAD.set(p);
            }
            return p;
        }

        /** The event loop's counters, which the shard's metrics publish; on the shard. */
        void countInto(TransportCounters c) {
            counters = c;
        }

        /** A view of {@code p}'s single fragment, owning {@code p}'s reference; on the home shard. */
        PacketByteBuf over(ByteBufAllocator alloc, Packet p) {
            PacketByteBuf b = take();
            b.initReceived(alloc, p);
            return b;
        }

        /** An empty buffer over packet buffer {@code buffer} (owning its reference); on the home shard. */
        PacketByteBuf outbound(ByteBufAllocator alloc, Buffer buffer, int capacity, int maxCapacity) {
            PacketByteBuf b = take();
            b.initOutbound(alloc, buffer, capacity, maxCapacity);
            return b;
        }

        private PacketByteBuf take() {
            PacketByteBuf b = free.pollLast();
            if (b == null) {
                b = new PacketByteBuf(this);
                counters.bufferObjectsMade.increment();
            }
            return b;
        }

        void recycle(PacketByteBuf b) {
            if (free.size() < POOL_LIMIT) {
                free.addLast(b);
            }
        }

        int size() {
            return free.size();
        }
    }

    private final Pool pool;
    private ByteBufAllocator alloc;
    /** Received: the packet whose fragment this is (released with the ByteBuf). */
    private Packet packet;
    /**
     * Outbound: the packet buffer holding the bytes, until they move (grown) or the ByteBuf is
     * released. Set to null by whichever thread holds the ByteBuf; it reaches a loop again only
     * through Netty's task queue, which orders that write before the loop's reads.
     */
    private Buffer buffer;
    /** Where the bytes are and where index 0 is in it. */
    private MemorySegment memory;
    private long base;
    private int length;
    /** The bytes {@link #memory} has from {@link #base}: the capacity it can take without moving. */
    private int room;

    private PacketByteBuf(Pool pool) {
        super(0);
        this.pool = pool;
    }

    private void initReceived(ByteBufAllocator a, Packet p) {
        int len = p.fragmentLength(0);
        alloc = a;
        packet = p;
        memory = p.fragmentMemory(0);
        base = p.fragmentOffset(0);
        length = len;
        room = len;
        // Capacity fixed at the fragment's length: a write that needs more makes the caller copy
        // (ByteToMessageDecoder's cumulator then takes a buffer of its own, as for a read-only one).
        reset(len, len);
    }

    private void initOutbound(ByteBufAllocator a, Buffer b, int capacity, int maxCapacity) {
        alloc = a;
        buffer = b;
        memory = b.memory();
        base = 0;
        length = capacity;
        room = b.capacity();
        reset(maxCapacity, 0);
    }

    private void reset(int maxCapacity, int writerIndex) {
        maxCapacity(maxCapacity);
        resetRefCnt();
        setIndex(0, writerIndex);
        markReaderIndex();
        markWriterIndex();
    }

    /** The packet buffer holding the bytes, if they are still in one of shard {@code s}; else null. */
    Buffer packetBufferOn(Shard s) {
        return s == pool.home ? buffer : null;
    }

    @Override
    protected void deallocate() {
        if (Shard.current() == pool.home) {
            recycleHere();
        } else {
            pool.home.execute((ShardMessage) this);
        }
    }

    /** Arrival on the home shard after the last release happened elsewhere. */
    @Override
    public void deliver(Shard shard) {
        pool.counters.foreignReleases.increment(); // here: counters are the home shard's alone
        recycleHere();
    }

    private void recycleHere() {
        Packet p = packet;
        Buffer b = buffer;
        packet = null;
        buffer = null;
        memory = null;
        alloc = null;
        if (p != null) {
            p.release();
        }
        if (b != null) {
            b.release();
        }
        pool.recycle(this);
    }

    /** The bytes left the packet buffer (grown): it goes back, from here or by a message home. */
    private void dropBuffer() {
        Buffer b = buffer;
        buffer = null;
        if (b == null) {
            return;
        }
        if (Shard.current() == pool.home) {
            b.release();
        } else {
            pool.home.execute(b::release); // rare: a buffer grown off its shard
        }
    }

    // ---- what the buffer is ------------------------------------------------------------------

    @Override
    public int capacity() {
        return length;
    }

    /**
     * Within the memory's room the bytes stay where they are; past it (an outbound buffer grown
     * beyond its packet buffer) they move to a heap array, and the packet buffer goes back.
     */
    @Override
    public ByteBuf capacity(int newCapacity) {
        if (newCapacity < 0 || newCapacity > maxCapacity()) {
            throw new IllegalArgumentException("newCapacity: " + newCapacity + " (expected: 0-" + maxCapacity() + ')');
        }
        ensureAccessible();
        if (newCapacity > room) {
            MemorySegment grown = MemorySegment.ofArray(new byte[newCapacity]);
            MemorySegment.copy(memory, base, grown, 0, length);
            memory = grown;
            base = 0;
            room = newCapacity;
            dropBuffer();
        }
        length = newCapacity;
        trimIndicesToCapacity(newCapacity);
        return this;
    }

    @Override
    public ByteBufAllocator alloc() {
        return alloc;
    }

    @Override
    @SuppressWarnings("deprecation")
    public ByteOrder order() {
        return ByteOrder.BIG_ENDIAN;
    }

    @Override
    public ByteBuf unwrap() {
        return null;
    }

    @Override
    public boolean isDirect() {
        return true;
    }

    @Override
    public boolean hasArray() {
        return false;
    }

    @Override
    public byte[] array() {
        throw new UnsupportedOperationException("direct buffer");
    }

    @Override
    public int arrayOffset() {
        throw new UnsupportedOperationException("direct buffer");
    }

    @Override
    public boolean hasMemoryAddress() {
        MemorySegment m = memory;
        return m != null && m.isNative();
    }

    @Override
    public long memoryAddress() {
        ensureAccessible();
        if (!hasMemoryAddress()) {
            throw new UnsupportedOperationException("not native memory");
        }
        return memory.address() + base;
    }

    /** The memory of index 0 (null once released; a heap array's once grown) and its offset there: for copies. */
    MemorySegment segment() {
        return memory;
    }

    long base() {
        return base;
    }

    // ---- primitives ---------------------------------------------------------------------------

    @Override
    protected byte _getByte(int index) {
        return memory.get(ValueLayout.JAVA_BYTE, base + index);
    }

    @Override
    protected short _getShort(int index) {
        return memory.get(SHORT, base + index);
    }

    @Override
    protected short _getShortLE(int index) {
        return memory.get(SHORT_LE, base + index);
    }

    @Override
    protected int _getUnsignedMedium(int index) {
        return (_getByte(index) & 0xff) << 16 | (_getByte(index + 1) & 0xff) << 8 | _getByte(index + 2) & 0xff;
    }

    @Override
    protected int _getUnsignedMediumLE(int index) {
        return _getByte(index) & 0xff | (_getByte(index + 1) & 0xff) << 8 | (_getByte(index + 2) & 0xff) << 16;
    }

    @Override
    protected int _getInt(int index) {
        return memory.get(INT, base + index);
    }

    @Override
    protected int _getIntLE(int index) {
        return memory.get(INT_LE, base + index);
    }

    @Override
    protected long _getLong(int index) {
        return memory.get(LONG, base + index);
    }

    @Override
    protected long _getLongLE(int index) {
        return memory.get(LONG_LE, base + index);
    }

    @Override
    protected void _setByte(int index, int value) {
        memory.set(ValueLayout.JAVA_BYTE, base + index, (byte) value);
    }

    @Override
    protected void _setShort(int index, int value) {
        memory.set(SHORT, base + index, (short) value);
    }

    @Override
    protected void _setShortLE(int index, int value) {
        memory.set(SHORT_LE, base + index, (short) value);
    }

    @Override
    protected void _setMedium(int index, int value) {
        _setByte(index, value >>> 16);
        _setByte(index + 1, value >>> 8);
        _setByte(index + 2, value);
    }

    @Override
    protected void _setMediumLE(int index, int value) {
        _setByte(index, value);
        _setByte(index + 1, value >>> 8);
        _setByte(index + 2, value >>> 16);
    }

    @Override
    protected void _setInt(int index, int value) {
        memory.set(INT, base + index, value);
    }

    @Override
    protected void _setIntLE(int index, int value) {
        memory.set(INT_LE, base + index, value);
    }

    @Override
    protected void _setLong(int index, long value) {
        memory.set(LONG, base + index, value);
    }

    @Override
    protected void _setLongLE(int index, long value) {
        memory.set(LONG_LE, base + index, value);
    }

    // ---- bulk ---------------------------------------------------------------------------------

    @Override
    public ByteBuf getBytes(int index, byte[] dst, int dstIndex, int length) {
        checkIndex(index, length);
        Objects.checkFromIndexSize(dstIndex, length, dst.length);
        MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, base + index, dst, dstIndex, length);
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src, int srcIndex, int length) {
        checkIndex(index, length);
        Objects.checkFromIndexSize(srcIndex, length, src.length);
        MemorySegment.copy(src, srcIndex, memory, ValueLayout.JAVA_BYTE, base + index, length);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, ByteBuf dst, int dstIndex, int length) {
        checkIndex(index, length);
        Objects.checkFromIndexSize(dstIndex, length, dst.capacity());
        if (length == 0) {
            return this;
        }
        if (dst.hasArray()) {
            return getBytes(index, dst.array(), dst.arrayOffset() + dstIndex, length);
        }
        if (dst instanceof PacketByteBuf d) {
            d.checkIndex(dstIndex, length);
            MemorySegment.copy(memory, base + index, d.memory, d.base + dstIndex, length);
        } else if (dst.hasMemoryAddress()) {
            MemorySegment.copy(memory, base + index, ALL_MEMORY, dst.memoryAddress() + dstIndex, length);
        } else {
            // A composite (each component then copies from us) or a buffer of unknown memory.
            dst.setBytes(dstIndex, this, index, length);
        }
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int srcIndex, int length) {
        checkIndex(index, length);
        Objects.checkFromIndexSize(srcIndex, length, src.capacity());
        if (length == 0) {
            return this;
        }
        if (src.hasArray()) {
            return setBytes(index, src.array(), src.arrayOffset() + srcIndex, length);
        }
        if (src instanceof PacketByteBuf s) {
            s.checkIndex(srcIndex, length);
            MemorySegment.copy(s.memory, s.base + srcIndex, memory, base + index, length);
        } else if (src.hasMemoryAddress()) {
            MemorySegment.copy(ALL_MEMORY, src.memoryAddress() + srcIndex, memory, base + index, length);
        } else if (src instanceof CompositeByteBuf) {
            src.getBytes(srcIndex, this, index, length); // component by component into us
        } else {
            src.getBytes(srcIndex, nioBuffer(index, length));
        }
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, ByteBuffer dst) {
        int n = dst.remaining();
        checkIndex(index, n);
        int pos = dst.position();
        if (dst.hasArray()) {
            MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, base + index, dst.array(), dst.arrayOffset() + pos, n);
        } else {
            MemorySegment.copy(memory, base + index, MemorySegment.ofBuffer(dst), 0, n);
        }
        dst.position(pos + n);
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuffer src) {
        int n = src.remaining();
        checkIndex(index, n);
        int pos = src.position();
        if (src.hasArray()) {
            MemorySegment.copy(src.array(), src.arrayOffset() + pos, memory, ValueLayout.JAVA_BYTE, base + index, n);
        } else {
            MemorySegment.copy(MemorySegment.ofBuffer(src), 0, memory, base + index, n);
        }
        src.position(pos + n);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, OutputStream out, int length) throws IOException {
        checkIndex(index, length);
        byte[] tmp = new byte[Math.min(length, 8192)];
        for (int done = 0; done < length; ) {
            int n = Math.min(tmp.length, length - done);
            getBytes(index + done, tmp, 0, n);
            out.write(tmp, 0, n);
            done += n;
        }
        return this;
    }

    @Override
    public int getBytes(int index, GatheringByteChannel out, int length) throws IOException {
        checkIndex(index, length);
        return out.write(nioBuffer(index, length));
    }

    @Override
    public int getBytes(int index, FileChannel out, long position, int length) throws IOException {
        checkIndex(index, length);
        return out.write(nioBuffer(index, length), position);
    }

    @Override
    public int setBytes(int index, InputStream in, int length) throws IOException {
        checkIndex(index, length);
        byte[] tmp = new byte[length];
        int n = in.read(tmp, 0, length);
        if (n > 0) {
            setBytes(index, tmp, 0, n);
        }
        return n;
    }

    @Override
    public int setBytes(int index, ScatteringByteChannel in, int length) throws IOException {
        checkIndex(index, length);
        return in.read(nioBuffer(index, length));
    }

    @Override
    public int setBytes(int index, FileChannel in, long position, int length) throws IOException {
        checkIndex(index, length);
        return in.read(nioBuffer(index, length), position);
    }

    @Override
    public ByteBuf copy(int index, int length) {
        checkIndex(index, length);
        ByteBuf copy = alloc().directBuffer(length, maxCapacity());
        copy.writeBytes(this, index, length);
        return copy;
    }

    // ---- NIO views (made per call: no hot path of the transport or the codecs asks for them) ----

    @Override
    public int nioBufferCount() {
        return 1;
    }

    @Override
    public ByteBuffer nioBuffer(int index, int length) {
        checkIndex(index, length);
        return memory.asSlice(base + index, length).asByteBuffer();
    }

    @Override
    public ByteBuffer internalNioBuffer(int index, int length) {
        return nioBuffer(index, length);
    }

    @Override
    public ByteBuffer[] nioBuffers(int index, int length) {
        return new ByteBuffer[] {nioBuffer(index, length)};
    }
}
