package io.panamax.reactor.buffer;

import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Shard;
import io.panamax.reactor.ShardMessage;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A packet: an ordered chain of fragments, each a view (offset, length) into a reference-counted
 * {@link Buffer}. This is the iobuf idea (and Seastar's {@code packet}): layers strip headers with
 * {@link #trimFront} and add them with {@link #prepend} into the headroom of the first buffer;
 * {@link #share} makes a zero-copy view of a range that keeps the buffers alive; received payload
 * reaches applications as such views.
 *
 * <p>Packets are pooled per shard ({@link PacketPool}) and owned by one shard at a time; a packet
 * may move to another shard ({@link #forward}), taking its buffer references along, and goes home
 * to its pool when released. Buffers and views it needs while on another shard come from that
 * shard's pools. After {@link #release()} a packet must not be used.
 *
 * <p>Byte indexes are relative to the start of the packet: {@code getU16(0)} reads its first two
 * bytes in network order, wherever they are stored.
 *
 * <p>Applications see a received packet as a {@link ReadBuffer} (which it implements, so no wrapper
 * is made): the read-only part of this class, without headers, flags or shard hand-overs.
 */
public final class Packet implements ShardMessage, ReadBuffer {
    /** The NIC computed {@link #rssHash()}. */
    public static final int RSS_HASH_VALID = 1;
    /** The NIC verified the IPv4 header checksum. */
    public static final int RX_IP_CHECKSUM_GOOD = 1 << 1;
    /** The NIC found the IPv4 header checksum wrong. */
    public static final int RX_IP_CHECKSUM_BAD = 1 << 2;
    /** The NIC verified the TCP/UDP checksum. */
    public static final int RX_L4_CHECKSUM_GOOD = 1 << 3;
    /** The NIC found the TCP/UDP checksum wrong. */
    public static final int RX_L4_CHECKSUM_BAD = 1 << 4;
    /** The frame was sent to the link-layer broadcast address. */
    public static final int L2_BROADCAST = 1 << 5;
    /** The frame was sent to a link-layer multicast (group) address other than broadcast. */
    public static final int L2_MULTICAST = 1 << 6;
    /** The IP header carried the ECN codepoint CE (RFC 3168 5): a router on the way saw congestion. */
    public static final int RX_ECN_CE = 1 << 7;
    /** Ask the NIC to fill in the IPv4 header checksum. */
    public static final int TX_IP_CHECKSUM = 1 << 8;
    /** Ask the NIC to fill in the TCP checksum (the pseudo-header sum is already in the field). */
    public static final int TX_TCP_CHECKSUM = 1 << 9;
    /** Ask the NIC to fill in the UDP checksum (the pseudo-header sum is already in the field). */
    public static final int TX_UDP_CHECKSUM = 1 << 10;
    /**
     * Ask the NIC to cut this TCP super-segment into segments of {@link #segmentSize()} payload
     * bytes each (TSO; or the NIC layer's software fallback), every one with the headers of this
     * packet, its sequence number advanced, FIN and PSH on the last only. Implies
     * {@link #TX_TCP_CHECKSUM}; {@link #l2Length()} and {@link #l3Length()} must be set.
     */
    public static final int TX_TCP_SEGMENTATION = 1 << 11;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int INITIAL_FRAGMENTS = 4;

    private final PacketPool pool;
    /** This wrapper's index in its pool ({@link PacketPool}'s free list holds indexes, not references). */
    final int index;
    private Buffer[] buffers = new Buffer[INITIAL_FRAGMENTS];
    private int[] offsets = new int[INITIAL_FRAGMENTS];
    private int[] lengths = new int[INITIAL_FRAGMENTS];
    private int count;
    private int length;
    private boolean live;

    private int flags;
    private int rssHash;
    private short l2Length;
    private short l3Length;
    private short segmentSize;
    private PacketHandler forwardTo;
    /** The shard that {@link #lend lent} this packet and counts its buffer references; null if none. */
    private Shard lender;
    /** The handler of a lent packet travelling back to its lender to be released. */
    private static final PacketHandler RELEASE_ON_ARRIVAL = Packet::release;
    /** Second result of {@link #locate}: the offset of the byte within the located fragment. */
    private int locatedSkip;

    Packet(PacketPool pool, int index) {
        this.pool = pool;
        this.index = index;
    }

    // ---- shape ----------------------------------------------------------------------------------

    /** Bytes in the packet. */
    @Override
    public int length() {
        return length;
    }

    public boolean isEmpty() {
        return length == 0;
    }

    public int fragmentCount() {
        return count;
    }

    public Buffer fragmentBuffer(int i) {
        checkFragment(i);
        return buffers[i];
    }

    /** Where fragment {@code i} starts in its buffer's memory. */
    public int fragmentOffset(int i) {
        checkFragment(i);
        return offsets[i];
    }

    public int fragmentLength(int i) {
        checkFragment(i);
        return lengths[i];
    }

    /** The memory of fragment {@code i}'s buffer (the whole buffer: use {@link #fragmentOffset}). */
    public MemorySegment fragmentMemory(int i) {
        checkFragment(i);
        return buffers[i].memory();
    }

    /** The memory of the first fragment's buffer, where headers are read and written. */
    public MemorySegment head() {
        checkFragment(0);
        return buffers[0].memory();
    }

    /** Where the packet's first byte is in {@link #head()}. */
    public int headOffset() {
        checkFragment(0);
        return offsets[0];
    }

    /** Bytes of the packet that are contiguous in {@link #head()}. */
    public int headLength() {
        return count == 0 ? 0 : lengths[0];
    }

    public PacketPool pool() {
        return pool;
    }

    // ---- headers in and out ----------------------------------------------------------------------

    /**
     * Grows the packet by {@code n} bytes at the front and returns their offset in {@link #head()}.
     * Uses the first buffer's headroom when this packet is its only user; otherwise a new buffer
     * goes in front. Throws {@link BufferExhaustedException} if that buffer cannot be had.
     */
    public int prepend(int n) {
        checkLive();
        if (n < 0) {
            throw new IllegalArgumentException("negative prepend: " + n);
        }
        if (count > 0 && offsets[0] >= n && buffers[0].refCnt == 1) {
            offsets[0] -= n;
            lengths[0] += n;
            length += n;
            return offsets[0];
        }
        Buffer b = localPool().buffers().allocate();
        if (b == null) {
            throw BufferExhaustedException.INSTANCE;
        }
        if (n > b.capacity()) {
            b.release();
            throw new IllegalArgumentException("cannot prepend " + n + " bytes: buffers hold " + b.capacity());
        }
        insertFragment(0, b, b.capacity() - n, n);
        return offsets[0];
    }

    /** Drops {@code n} bytes from the front (a layer consuming its header). */
    public void trimFront(int n) {
        checkLive();
        checkRange(0, n);
        length -= n;
        while (n > 0) {
            if (lengths[0] > n) {
                offsets[0] += n;
                lengths[0] -= n;
                return;
            }
            n -= lengths[0];
            buffers[0].release();
            removeFragment(0);
        }
    }

    /** Drops {@code n} bytes from the end (Ethernet padding, say). */
    public void trimBack(int n) {
        checkLive();
        checkRange(0, n);
        length -= n;
        while (n > 0) {
            int last = count - 1;
            if (lengths[last] > n) {
                lengths[last] -= n;
                return;
            }
            n -= lengths[last];
            buffers[last].release();
            removeFragment(last);
        }
    }

    /** Shortens the packet to {@code newLength} bytes. */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IndexOutOfBoundsException("truncate to " + newLength + " of " + length);
        }
        trimBack(length - newLength);
    }

    /**
     * Makes the first {@code n} bytes contiguous in {@link #head()}, copying if they are spread over
     * fragments. Returns false if the packet is shorter than {@code n}, or no buffer could be had.
     */
    public boolean linearize(int n) {
        checkLive();
        if (n > length) {
            return false;
        }
        if (n == 0 || lengths[0] >= n) {
            return true;
        }
        BufferPool buffers = localPool().buffers();
        Buffer b = buffers.allocate();
        if (b == null) {
            return false;
        }
        int off = buffers.headroom();
        if (n > b.capacity() - off) {
            b.release();
            return false;
        }
        copyTo(0, b.memory(), off, n);
        trimFront(n);
        insertFragment(0, b, off, n);
        return true;
    }

    // ---- building --------------------------------------------------------------------------------

    /** Appends a fragment; the packet takes over one reference to {@code buffer} from the caller. */
    public void append(Buffer buffer, int offset, int len) {
        checkLive();
        if (offset < 0 || len < 0 || offset + len > buffer.capacity()) {
            throw new IndexOutOfBoundsException("fragment " + offset + "+" + len + " outside buffer of " + buffer.capacity());
        }
        insertFragment(count, buffer, offset, len);
    }

    /** Moves every fragment of {@code other} to the end of this packet; {@code other} is released. */
    public void append(Packet other) {
        checkLive();
        other.checkLive();
        for (int i = 0; i < other.count; i++) {
            insertFragment(count, other.buffers[i], other.offsets[i], other.lengths[i]);
            other.buffers[i] = null;
        }
        other.count = 0;
        other.length = 0;
        other.release();
    }

    /**
     * Copies {@code len} bytes from {@code src} to the end of the packet, filling the last buffer's
     * free tail first (when this packet is its only user) and new buffers after. Returns how many
     * bytes were appended: fewer than asked only when the pool ran out.
     */
    public int appendBytes(MemorySegment src, long srcOffset, int len) {
        return append(src, srcOffset, null, 0, len);
    }

    /**
     * Grows the packet by {@code n} bytes at the end, in the free tail of its last buffer, and
     * returns their offset in that buffer's memory ({@code fragmentMemory(fragmentCount() - 1)});
     * the bytes are the caller's to fill. Returns -1, changing nothing, when the last buffer is
     * shared or has less than {@code n} bytes free. A packet from
     * {@link PacketPool#allocateWithHeadroom()} has a whole buffer of tail.
     */
    public int extend(int n) {
        checkLive();
        if (count == 0 || n < 0) {
            return -1;
        }
        int last = count - 1;
        Buffer b = buffers[last];
        int end = offsets[last] + lengths[last];
        if (b.refCnt != 1 || b.capacity() - end < n) {
            return -1;
        }
        lengths[last] += n;
        length += n;
        return end;
    }

    /**
     * {@link #appendBytes(MemorySegment, long, int)} from a byte array (copied straight from the
     * array: no heap segment is made for it).
     */
    public int appendBytes(byte[] src, int srcOffset, int len) {
        java.util.Objects.checkFromIndexSize(srcOffset, len, src.length);
        return append(null, 0, src, srcOffset, len);
    }

    /**
     * What both {@code appendBytes} do, from {@code segment} at {@code segmentOffset} or, when it
     * is null, from {@code array} at {@code arrayOffset}: the last buffer's free tail first (when
     * this packet is its only user), then new buffers from the pool of the shard running this
     * code. One bulk copy per buffer; the source's kind is known at each call site.
     */
    private int append(MemorySegment segment, long segmentOffset, byte[] array, int arrayOffset, int len) {
        checkLive();
        int done = 0;
        if (count > 0) {
            int last = count - 1;
            Buffer b = buffers[last];
            int end = offsets[last] + lengths[last];
            int room = b.refCnt == 1 ? b.capacity() - end : 0;
            int n = Math.min(room, len);
            if (n > 0) {
                copyIn(segment, segmentOffset, array, arrayOffset, b.memory(), end, n);
                lengths[last] += n;
                length += n;
                done = n;
            }
        }
        BufferPool buffers = done < len ? localPool().buffers() : null;
        while (done < len) {
            Buffer b = buffers.allocate();
            if (b == null) {
                return done;
            }
            int n = Math.min(b.capacity(), len - done);
            copyIn(segment, segmentOffset + done, array, arrayOffset + done, b.memory(), 0, n);
            insertFragment(count, b, 0, n);
            done += n;
        }
        return done;
    }

    private static void copyIn(MemorySegment segment, long segmentOffset, byte[] array, int arrayOffset,
                               MemorySegment to, long toOffset, int n) {
        if (segment != null) {
            MemorySegment.copy(segment, segmentOffset, to, toOffset, n);
        } else {
            MemorySegment.copy(array, arrayOffset, to, ValueLayout.JAVA_BYTE, toOffset, n);
        }
    }

    /**
     * A new packet of {@code len} bytes from {@code index} that shares this packet's buffers (no
     * copy): each buffer it refers to gains a reference. Null if no packet wrapper could be had.
     */
    public Packet share(int index, int len) {
        checkLive();
        checkRange(index, len);
        Packet p = localPool().allocate();
        if (len == 0) {
            return p;
        }
        int i = locate(index, len);
        int skip = locatedSkip;
        int left = len;
        while (left > 0) {
            int n = Math.min(lengths[i] - skip, left);
            buffers[i].retain();
            p.insertFragment(p.count, buffers[i], offsets[i] + skip, n);
            left -= n;
            skip = 0;
            i++;
        }
        p.flags = flags;
        p.rssHash = rssHash;
        return p;
    }

    /** A zero-copy view of the whole packet. */
    public Packet share() {
        return share(0, length);
    }

    /** {@link #share(int, int)}, as {@link ReadBuffer} names it. */
    @Override
    public Packet slice(int index, int len) {
        return share(index, len);
    }

    /**
     * {@code data} as a packet of {@code pool}'s shard: itself when it is one (no copy), else a
     * copy of its bytes, {@code data} being released. Null, {@code data} released, when the pool
     * ran out. How writes that take any {@link ReadBuffer} get the packet they queue.
     */
    public static Packet of(ReadBuffer data, PacketPool pool) {
        if (data instanceof Packet p) {
            return p;
        }
        Packet p = pool.allocate();
        int len = data.length();
        boolean complete = true;
        try {
            for (ByteBuffer piece : data.asByteBuffers()) {
                int n = piece.remaining();
                if (p.appendBytes(MemorySegment.ofBuffer(piece), 0, n) < n) {
                    complete = false;
                    break;
                }
            }
        } finally {
            data.release();
        }
        if (!complete || p.length() != len) {
            p.release();
            return null;
        }
        return p;
    }

    // ---- reading and writing bytes ----------------------------------------------------------

    @Override
    public byte getByte(int index) {
        return (byte) getU8(index);
    }

    @Override
    public short getShort(int index) {
        return (short) getU16(index);
    }

    @Override
    public int getInt(int index) {
        return getI32(index);
    }

    /** Read-only views of the fragments; valid until the packet is released. */
    @Override
    public ByteBuffer[] asByteBuffers() {
        checkLive();
        ByteBuffer[] views = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            views[i] = buffers[i].memory().asSlice(offsets[i], lengths[i]).asByteBuffer().asReadOnlyBuffer();
        }
        return views;
    }

    /** Fragment by fragment, without locating each byte again. */
    @Override
    public int forEachByte(int index, int len, ByteProcessor processor) {
        int i = locate(index, len);
        int skip = locatedSkip;
        int at = index;
        while (len > 0) {
            MemorySegment m = buffers[i].memory();
            int n = Math.min(lengths[i] - skip, len);
            long base = offsets[i] + skip;
            for (int k = 0; k < n; k++) {
                if (!processor.process(m.get(ValueLayout.JAVA_BYTE, base + k))) {
                    return at + k;
                }
            }
            at += n;
            len -= n;
            skip = 0;
            i++;
        }
        return -1;
    }

    /** Fragment by fragment, without locating each byte again. */
    @Override
    public int indexOf(byte value, int from) {
        checkLive();
        if (from < 0) {
            from = 0;
        }
        int i = 0;
        int skip = from;
        while (i < count && lengths[i] <= skip) {
            skip -= lengths[i];
            i++;
        }
        int at = from - skip;
        for (; i < count; i++) {
            MemorySegment m = buffers[i].memory();
            long base = offsets[i];
            for (int k = skip; k < lengths[i]; k++) {
                if (m.get(ValueLayout.JAVA_BYTE, base + k) == value) {
                    return at + k;
                }
            }
            at += lengths[i];
            skip = 0;
        }
        return -1;
    }

    public int getU8(int index) {
        if (count > 0 && index >= 0 && index < lengths[0]) {
            return buffers[0].memory().get(ValueLayout.JAVA_BYTE, offsets[0] + index) & 0xff;
        }
        return slowByte(index) & 0xff;
    }

    /** The unsigned 16-bit big-endian value at {@code index}. */
    public int getU16(int index) {
        if (count > 0 && index >= 0 && index + 2 <= lengths[0]) {
            return buffers[0].memory().get(U16, offsets[0] + index) & 0xffff;
        }
        return (slowByte(index) & 0xff) << 8 | (slowByte(index + 1) & 0xff);
    }

    /** The 32-bit big-endian value at {@code index}. */
    public int getI32(int index) {
        if (count > 0 && index >= 0 && index + 4 <= lengths[0]) {
            return buffers[0].memory().get(U32, offsets[0] + index);
        }
        return getU16(index) << 16 | getU16(index + 2);
    }

    public void setU8(int index, int value) {
        int f = locate(index, 1);
        buffers[f].memory().set(ValueLayout.JAVA_BYTE, offsets[f] + locatedSkip, (byte) value);
    }

    public void setU16(int index, int value) {
        if (count > 0 && index >= 0 && index + 2 <= lengths[0]) {
            buffers[0].memory().set(U16, offsets[0] + index, (short) value);
            return;
        }
        setU8(index, value >>> 8);
        setU8(index + 1, value);
    }

    public void setI32(int index, int value) {
        setU16(index, value >>> 16);
        setU16(index + 2, value);
    }

    /** Copies {@code len} bytes from {@code index} into {@code dst}. */
    public void copyTo(int index, MemorySegment dst, long dstOffset, int len) {
        copy(index, len, TO_SEGMENT, dst, dstOffset, null, 0);
    }

    /** Copies {@code len} bytes from {@code index} into {@code dst} (straight into the array). */
    public void copyTo(int index, byte[] dst, int dstOffset, int len) {
        java.util.Objects.checkFromIndexSize(dstOffset, len, dst.length);
        copy(index, len, TO_ARRAY, null, 0, dst, dstOffset);
    }

    /** Overwrites {@code len} bytes from {@code index} with bytes from {@code src}. */
    public void copyFrom(int index, MemorySegment src, long srcOffset, int len) {
        copy(index, len, FROM_SEGMENT, src, srcOffset, null, 0);
    }

    /** Directions of {@link #copy}. */
    private static final int TO_SEGMENT = 0;
    private static final int TO_ARRAY = 1;
    private static final int FROM_SEGMENT = 2;

    /**
     * The fragment walk the three copies share: from the fragment holding {@code index}, one bulk
     * {@code MemorySegment.copy} per fragment, in the direction given, to or from {@code segment}
     * at {@code segmentOffset} or {@code array} at {@code arrayOffset} (the one the direction
     * names; the other is unused). The direction is chosen per fragment, not per byte, and is a
     * constant at each call site, so the JIT folds it.
     */
    private void copy(int index, int len, int direction, MemorySegment segment, long segmentOffset,
                      byte[] array, int arrayOffset) {
        int i = locate(index, len);
        int skip = locatedSkip;
        int done = 0;
        while (len > 0) {
            int n = Math.min(lengths[i] - skip, len);
            MemorySegment fragment = buffers[i].memory();
            long at = offsets[i] + skip;
            switch (direction) {
                case TO_SEGMENT -> MemorySegment.copy(fragment, at, segment, segmentOffset + done, n);
                case TO_ARRAY -> MemorySegment.copy(fragment, ValueLayout.JAVA_BYTE, at, array, arrayOffset + done, n);
                default -> MemorySegment.copy(segment, segmentOffset + done, fragment, at, n);
            }
            done += n;
            len -= n;
            skip = 0;
            i++;
        }
    }

    /** A copy of the packet's bytes (allocates: for tests, tools and slow paths). */
    @Override
    public byte[] toByteArray() {
        byte[] a = new byte[length];
        copyTo(0, a, 0, length);
        return a;
    }

    // ---- metadata ------------------------------------------------------------------------------

    public int flags() {
        return flags;
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    public void setFlags(int flags) {
        this.flags = flags;
    }

    public void addFlags(int f) {
        this.flags |= f;
    }

    public void clearFlags(int f) {
        this.flags &= ~f;
    }

    /** The receive-side hash the NIC computed; meaningful when {@link #RSS_HASH_VALID} is set. */
    public int rssHash() {
        return rssHash;
    }

    public void setRssHash(int hash) {
        this.rssHash = hash;
        this.flags |= RSS_HASH_VALID;
    }

    /** For TX checksum offload: bytes of the link-layer header. */
    public int l2Length() {
        return l2Length;
    }

    /** For TX checksum offload: bytes of the IP header. */
    public int l3Length() {
        return l3Length;
    }

    public void setHeaderLengths(int l2, int l3) {
        this.l2Length = (short) l2;
        this.l3Length = (short) l3;
    }

    /** For {@link #TX_TCP_SEGMENTATION}: payload bytes per segment (the MSS), 1 to 65535. */
    public int segmentSize() {
        return segmentSize & 0xffff;
    }

    public void setSegmentSize(int bytes) {
        this.segmentSize = (short) bytes;
    }

    // ---- ownership ---------------------------------------------------------------------------------

    /**
     * Hands the packet to shard {@code target} of {@code from}'s reactor, where {@code handler}
     * receives it. The packet (and its buffer references) now belongs to the target.
     *
     * <p>Buffer reference counts are plain ints, touched by whichever shard holds the references:
     * do not keep views ({@link #share}) of a packet on this shard while it travels, or two shards
     * would count the same buffer at once. Share on the target instead.
     */
    public void forward(Shard from, int target, PacketHandler handler) {
        checkLive();
        this.forwardTo = handler;
        from.send(target, this);
    }

    /**
     * Hands the packet to shard {@code target} of {@code from}'s reactor for it to use and release
     * (a frame to transmit on the shard that owns the NIC queue), while its buffer references stay
     * counted on {@code from}: unlike {@link #forward}, {@code from} may go on holding views of the
     * same buffers (a TCP send buffer whose slices the frame carries). The target must not share,
     * trim or linearize the packet; its {@link #release()} there does not touch a reference count
     * but sends the packet back, whole, to {@code from}, which releases it.
     *
     * <p>Why: buffer reference counts are plain ints. A frame forwarded to another shard and
     * released there decremented, on that shard, the counts of buffers that the sending shard's
     * send buffer was counting at the same time: lost updates, then buffers freed while still
     * queued for retransmission (and reused: corrupted data on the wire) or never freed.
     */
    public void lend(Shard from, int target, PacketHandler handler) {
        checkLive();
        this.lender = from;
        this.forwardTo = handler;
        from.send(target, this);
    }

    /** Releases every buffer reference and returns the packet to its pool. */
    @Override
    public void release() {
        checkLive();
        Shard home = lender;
        if (home != null) {
            lender = null;
            Shard cur = Shard.current();
            if (cur != home) {
                // Lent: the counts are the lender's to change. One message, as the wrapper's own
                // trip home would have been.
                forwardTo = RELEASE_ON_ARRIVAL;
                if (cur != null && cur.reactor() == home.reactor()) {
                    cur.send(home.id(), this);
                } else {
                    home.execute(this);
                }
                return;
            }
        }
        for (int i = 0; i < count; i++) {
            Buffer b = buffers[i];
            buffers[i] = null;
            b.release();
        }
        freeWrapper();
    }

    /**
     * Releases a packet of one fragment whose buffer's only reference a device now holds: a NIC
     * queue handed the buffer's native memory to its driver without a copy, and the driver frees it
     * into the native pool the buffer's pool takes buffers from (a DPDK mbuf with {@code refcnt} 1).
     * The buffer's wrapper becomes free on the spot, without the trip through its pool that
     * {@link #release()} makes (the pool would have to be told not to free the native memory a
     * second time), and the packet goes back to its pool. The queue's transmit path, once per sent
     * frame: it saves the buffer release and the pool's recycle.
     *
     * <p>Only for a packet that was not {@link #lend lent} and holds the only reference to its
     * single buffer ({@link #isSoleOwnerOfOnlyBuffer()}); throws otherwise.
     */
    public void releaseHandedOver() {
        if (!isSoleOwnerOfOnlyBuffer()) {
            throw new IllegalStateException("not the sole owner of a single buffer: " + this);
        }
        // buffers[0] keeps pointing at the buffer (past count, never read): buffer wrappers live
        // as long as their pool, and a NIC queue that receives the same mbuf into this wrapper
        // again (LIFO mbuf caches and packet pool: the usual case) then stores nothing.
        buffers[0].refCnt = 0;
        freeWrapper();
    }

    /**
     * True for a live packet of one fragment, not {@link #lend lent}, that holds the only reference
     * to its buffer: the buffer may leave the stack with the packet ({@link #releaseHandedOver()}).
     */
    public boolean isSoleOwnerOfOnlyBuffer() {
        return live && count == 1 && lender == null && buffers[0].refCnt == 1;
    }

    /** The wrapper back to its pool, its fields cleared; its buffers are released already. */
    private void freeWrapper() {
        count = 0;
        length = 0;
        flags = 0;
        rssHash = 0;
        l2Length = 0;
        l3Length = 0;
        segmentSize = 0;
        forwardTo = null;
        live = false;
        pool.free(this);
    }

    /**
     * Makes this fresh packet one fragment of {@code len} bytes at {@code offset} of {@code b}, which
     * the caller has checked to lie in the buffer ({@link PacketPool#allocate(Buffer, int, int)}).
     */
    void initSingle(Buffer b, int offset, int len) {
        // Stored only when it differs: a reference store into this (old) array costs G1's
        // post-write barrier, a StoreLoad fence when the array's card is not young.
        if (buffers[0] != b) {
            buffers[0] = b;
        }
        offsets[0] = offset;
        lengths[0] = len;
        count = 1;
        length = len;
    }

    public boolean isLive() {
        return live;
    }

    void activate() {
        live = true;
    }

    /** A forwarded or lent packet arriving on its new shard, a lent one coming back to be released, or a released one arriving home. */
    @Override
    public void deliver(Shard shard) {
        if (!live) {
            pool.recycle(this);
            return;
        }
        PacketHandler h = forwardTo;
        forwardTo = null;
        h.handle(this);
    }

    // ---- internals ---------------------------------------------------------------------------------

    /**
     * Where new buffers and wrappers for this packet come from: the pools of the shard running this
     * code. That is the packet's own pool unless the packet was forwarded to another shard, whose
     * thread must not touch the original shard's pools.
     */
    private PacketPool localPool() {
        Shard owner = pool.owner();
        if (owner == null) {
            return pool;
        }
        Shard current = Shard.current();
        return current == null || current == owner ? pool : current.packets();
    }

    /**
     * The fragment holding byte {@code index} (the first of {@code n}, which are checked to be in
     * the packet; they must lie in one fragment for n=1), and in {@link #locatedSkip} the byte's
     * offset within it. With n=0 nothing is walked: fragment 0, skip {@code index}.
     */
    private int locate(int index, int n) {
        checkRange(index, n);
        int i = 0;
        int skip = index;
        while (n > 0 && lengths[i] <= skip) {
            skip -= lengths[i];
            i++;
        }
        locatedSkip = skip;
        return i;
    }

    private byte slowByte(int index) {
        int f = locate(index, 1);
        return buffers[f].memory().get(ValueLayout.JAVA_BYTE, offsets[f] + locatedSkip);
    }

    private void insertFragment(int at, Buffer b, int off, int len) {
        if (count == buffers.length) {
            int n = count * 2;
            buffers = Arrays.copyOf(buffers, n);
            offsets = Arrays.copyOf(offsets, n);
            lengths = Arrays.copyOf(lengths, n);
        }
        if (at < count) {
            System.arraycopy(buffers, at, buffers, at + 1, count - at);
            System.arraycopy(offsets, at, offsets, at + 1, count - at);
            System.arraycopy(lengths, at, lengths, at + 1, count - at);
        }
        buffers[at] = b;
        offsets[at] = off;
        lengths[at] = len;
        count++;
        length += len;
    }

    private void removeFragment(int at) {
        int tail = count - at - 1;
        if (tail > 0) {
            System.arraycopy(buffers, at + 1, buffers, at, tail);
            System.arraycopy(offsets, at + 1, offsets, at, tail);
            System.arraycopy(lengths, at + 1, lengths, at, tail);
        }
        count--;
        buffers[count] = null;
    }

    private void checkRange(int index, int len) {
        if (index < 0 || len < 0 || index + len > length) {
            throw new IndexOutOfBoundsException("bytes " + index + ".." + (index + len) + " of a " + length + "-byte packet");
        }
    }

    private void checkFragment(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("fragment " + i + " of " + count);
        }
    }

    private void checkLive() {
        if (!live) {
            throw new IllegalStateException("packet used after release");
        }
    }

    @Override
    public String toString() {
        return "Packet[length=" + length + ", fragments=" + count + (live ? "" : ", released") + "]";
    }
}
