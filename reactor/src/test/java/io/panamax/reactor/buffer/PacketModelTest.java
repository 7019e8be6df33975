package io.panamax.reactor.buffer;

import io.panamax.reactor.ReadBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Property-style tests: packets of random shape (many small fragments, odd offsets) are edited
 * with random operations, and after each one their bytes must equal a plain byte[] model. Seeded,
 * so a failure names the seed and step that reproduce it.
 */
class PacketModelTest {
    private static final int BUFFER = 256;
    private static final int HEADROOM = 32;

    private final SlabBufferPool buffers = SlabBufferPool.unowned(4096, BUFFER, HEADROOM);
    private final PacketPool packets = PacketPool.unowned(buffers);

    @AfterEach
    void nothingLeaked() {
        assertTrue(buffers.isFull(), "buffers back: " + buffers.available() + "/" + buffers.capacity());
        assertEquals(0, packets.inUse(), "packet wrappers back");
    }

    /** A packet holding {@code bytes}, cut into fragments of random size at random buffer offsets. */
    private Packet fragmented(Random rnd, byte[] bytes) {
        Packet p = packets.allocate();
        int done = 0;
        while (done < bytes.length) {
            Buffer b = buffers.allocate();
            assertNotNull(b);
            int off = rnd.nextInt(BUFFER / 2);
            int n = Math.min(bytes.length - done, 1 + rnd.nextInt(Math.min(40, BUFFER - off)));
            MemorySegment.copy(MemorySegment.ofArray(bytes), done, b.memory(), off, n);
            p.append(b, off, n);
            done += n;
        }
        return p;
    }

    private static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static void assertSameBytes(byte[] model, Packet p, String where) {
        assertEquals(model.length, p.length(), where + ": length");
        assertArrayEquals(model, p.toByteArray(), where);
        int sum = 0;
        for (int i = 0; i < p.fragmentCount(); i++) {
            sum += p.fragmentLength(i);
        }
        assertEquals(model.length, sum, where + ": fragment lengths add up");
    }

    @Test
    void randomEditsMatchAByteArrayModel() {
        for (long seed = 1; seed <= 40; seed++) {
            Random rnd = new Random(seed);
            byte[] model = randomBytes(rnd, rnd.nextInt(600));
            Packet p = fragmented(rnd, model);
            List<Packet> shares = new ArrayList<>();
            List<byte[]> shareModels = new ArrayList<>();
            for (int step = 0; step < 300; step++) {
                String where = "seed " + seed + " step " + step;
                int op = rnd.nextInt(14);
                int len = model.length;
                if ((op == 7 || op == 8) && !shares.isEmpty()) {
                    // Views are no copies: an overwrite shows through them. Structural edits
                    // (prepend, trim, append, linearize) must never, so the views are checked and
                    // released only before an overwrite.
                    for (int k = 0; k < shares.size(); k++) {
                        assertArrayEquals(shareModels.get(k), shares.get(k).toByteArray(), where + ": view " + k);
                        shares.get(k).release();
                    }
                    shares.clear();
                    shareModels.clear();
                }
                switch (op) {
                    case 0 -> { // prepend a header and write it
                        int n = rnd.nextInt(3) == 0 ? rnd.nextInt(BUFFER + 1) : rnd.nextInt(HEADROOM + 1);
                        p.prepend(n);
                        byte[] header = randomBytes(rnd, n);
                        p.copyFrom(0, MemorySegment.ofArray(header), 0, n);
                        model = concat(header, model);
                    }
                    case 1 -> {
                        int n = rnd.nextInt(len + 1);
                        p.trimFront(n);
                        model = Arrays.copyOfRange(model, n, len);
                    }
                    case 2 -> {
                        int n = rnd.nextInt(len + 1);
                        p.trimBack(n);
                        model = Arrays.copyOf(model, len - n);
                    }
                    case 3 -> {
                        int n = rnd.nextInt(len + 1);
                        p.truncate(n);
                        model = Arrays.copyOf(model, n);
                    }
                    case 4 -> {
                        int n = rnd.nextInt(Math.min(len, BUFFER - HEADROOM) + 1);
                        assertTrue(p.linearize(n), where);
                        assertTrue(n == 0 || p.headLength() >= n, where + ": " + n + " contiguous bytes");
                    }
                    case 5 -> { // append another fragmented packet
                        byte[] more = randomBytes(rnd, rnd.nextInt(100));
                        p.append(fragmented(rnd, more));
                        model = concat(model, more);
                    }
                    case 6 -> {
                        byte[] more = randomBytes(rnd, rnd.nextInt(700));
                        int off = rnd.nextInt(5);
                        byte[] src = concat(new byte[off], more);
                        assertEquals(more.length, p.appendBytes(src, off, more.length), where);
                        model = concat(model, more);
                    }
                    case 7 -> { // overwrite a range
                        if (len > 0) {
                            int at = rnd.nextInt(len);
                            int n = rnd.nextInt(len - at + 1);
                            byte[] src = randomBytes(rnd, n);
                            p.copyFrom(at, MemorySegment.ofArray(src), 0, n);
                            System.arraycopy(src, 0, model, at, n);
                        }
                    }
                    case 8 -> { // single values, big-endian, wherever they fall
                        if (len >= 4) {
                            int at = rnd.nextInt(len - 3);
                            int v = rnd.nextInt();
                            switch (rnd.nextInt(3)) {
                                case 0 -> {
                                    p.setU8(at, v);
                                    model[at] = (byte) v;
                                }
                                case 1 -> {
                                    p.setU16(at, v);
                                    model[at] = (byte) (v >>> 8);
                                    model[at + 1] = (byte) v;
                                }
                                default -> {
                                    p.setI32(at, v);
                                    for (int k = 0; k < 4; k++) {
                                        model[at + k] = (byte) (v >>> (24 - 8 * k));
                                    }
                                }
                            }
                        }
                    }
                    case 9 -> { // reads everywhere
                        for (int at = 0; at + 4 <= len; at += 1 + rnd.nextInt(7)) {
                            assertEquals(model[at] & 0xff, p.getU8(at), where);
                            assertEquals((model[at] & 0xff) << 8 | (model[at + 1] & 0xff), p.getU16(at), where);
                            int i32 = (model[at] & 0xff) << 24 | (model[at + 1] & 0xff) << 16
                                    | (model[at + 2] & 0xff) << 8 | (model[at + 3] & 0xff);
                            assertEquals(i32, p.getI32(at), where + " at " + at);
                        }
                    }
                    case 10 -> { // copyTo a range
                        if (len > 0) {
                            int at = rnd.nextInt(len);
                            int n = rnd.nextInt(len - at + 1);
                            byte[] dst = new byte[n + 3];
                            p.copyTo(at, dst, 3, n);
                            assertArrayEquals(Arrays.copyOfRange(model, at, at + n), Arrays.copyOfRange(dst, 3, n + 3), where);
                        }
                    }
                    case 11 -> { // a zero-copy view, kept while the packet is edited further
                        int at = rnd.nextInt(len + 1);
                        int n = rnd.nextInt(len - at + 1);
                        Packet s = p.share(at, n);
                        shares.add(s);
                        shareModels.add(Arrays.copyOfRange(model, at, at + n));
                    }
                    case 12 -> { // release a view
                        if (!shares.isEmpty()) {
                            int k = rnd.nextInt(shares.size());
                            Packet s = shares.remove(k);
                            assertArrayEquals(shareModels.remove(k), s.toByteArray(), where + ": a view is unchanged");
                            s.release();
                        }
                    }
                    default -> { // the whole packet copied out and back in one more fragment layout
                        Packet copy = fragmented(rnd, p.toByteArray());
                        p.release();
                        p = copy;
                    }
                }
                assertSameBytes(model, p, where + " (op " + op + ")");
            }
            for (int k = 0; k < shares.size(); k++) {
                assertArrayEquals(shareModels.get(k), shares.get(k).toByteArray(), "seed " + seed + ": view " + k);
                shares.get(k).release();
            }
            p.release();
        }
    }

    /** The application's read-only view ({@link ReadBuffer}) against the same model. */
    @Test
    void readBufferViewMatchesAByteArrayModel() {
        for (long seed = 1; seed <= 30; seed++) {
            Random rnd = new Random(seed);
            byte[] model = randomBytes(rnd, 1 + rnd.nextInt(300));
            ReadBuffer view = fragmented(rnd, model);
            String where = "seed " + seed;
            ByteBuffer be = ByteBuffer.wrap(model); // big-endian, as the view
            for (int i = 0; i < model.length; i++) {
                assertEquals(model[i], view.getByte(i), where + " byte " + i);
                if (i + 2 <= model.length) {
                    assertEquals(be.getShort(i), view.getShort(i), where + " short " + i);
                }
                if (i + 4 <= model.length) {
                    assertEquals(be.getInt(i), view.getInt(i), where + " int " + i);
                }
                if (i + 8 <= model.length) {
                    assertEquals(be.getLong(i), view.getLong(i), where + " long " + i);
                }
            }
            for (int k = 0; k < 20; k++) {
                byte wanted = model[rnd.nextInt(model.length)];
                int from = rnd.nextInt(model.length + 2) - 1;
                int expected = -1;
                for (int i = Math.max(0, from); i < model.length; i++) {
                    if (model[i] == wanted) {
                        expected = i;
                        break;
                    }
                }
                assertEquals(expected, view.indexOf(wanted, from), where + " indexOf from " + from);
                int start = rnd.nextInt(model.length);
                int len = rnd.nextInt(model.length - start + 1);
                int stopAt = -1;
                for (int i = start; i < start + len; i++) {
                    if (model[i] == wanted) {
                        stopAt = i;
                        break;
                    }
                }
                assertEquals(stopAt, view.forEachByte(start, len, b -> b != wanted), where + " forEachByte");
            }
            ByteBuffer joined = ByteBuffer.allocate(model.length);
            for (ByteBuffer piece : view.asByteBuffers()) {
                assertTrue(piece.isReadOnly(), where + ": the views are read-only");
                joined.put(piece);
            }
            assertArrayEquals(model, joined.array(), where + " asByteBuffers");
            int start = rnd.nextInt(model.length);
            int len = rnd.nextInt(model.length - start + 1);
            ReadBuffer slice = view.slice(start, len);
            assertArrayEquals(Arrays.copyOfRange(model, start, start + len), slice.toByteArray(), where + " slice");
            ByteBuffer into = ByteBuffer.allocate(len + 3).position(3);
            slice.copyTo(0, into, len);
            assertEquals(len + 3, into.position(), where + ": copyTo advances the position");
            assertArrayEquals(Arrays.copyOfRange(model, start, start + len), Arrays.copyOfRange(into.array(), 3, len + 3));
            assertEquals(new String(model, start, len, ISO_8859_1),
                    view.toString(start, len, ISO_8859_1), where + " toString");
            view.release();
            assertArrayEquals(Arrays.copyOfRange(model, start, start + len), slice.toByteArray(), where + ": the slice outlives its parent");
            slice.release();
        }
    }

    /**
     * A {@link ReadBuffer} that is not a packet (an application's own) goes through the interface's
     * default methods, and {@link Packet#of} copies it into packet buffers and releases it.
     */
    @Test
    void anotherReadBufferIsCopiedIntoAPacket() {
        Random rnd = new Random(7);
        byte[] model = randomBytes(rnd, 700); // more than one 256-byte buffer
        boolean[] released = {false};
        ReadBuffer own = new ReadBuffer() {
            @Override
            public int length() {
                return model.length;
            }

            @Override
            public byte getByte(int index) {
                return model[index];
            }

            @Override
            public short getShort(int index) {
                return ByteBuffer.wrap(model).getShort(index);
            }

            @Override
            public int getInt(int index) {
                return ByteBuffer.wrap(model).getInt(index);
            }

            @Override
            public void copyTo(int index, byte[] dst, int dstOffset, int len) {
                System.arraycopy(model, index, dst, dstOffset, len);
            }

            @Override
            public void copyTo(int index, MemorySegment dst, long dstOffset, int len) {
                MemorySegment.copy(MemorySegment.ofArray(model), index, dst, dstOffset, len);
            }

            @Override
            public ReadBuffer slice(int index, int len) {
                throw new UnsupportedOperationException();
            }

            @Override
            public ByteBuffer[] asByteBuffers() {
                return new ByteBuffer[] {ByteBuffer.wrap(model, 0, 300).asReadOnlyBuffer(),
                        ByteBuffer.wrap(model, 300, 400).slice().asReadOnlyBuffer()};
            }

            @Override
            public void release() {
                released[0] = true;
            }
        };
        assertEquals(ByteBuffer.wrap(model).getLong(3), own.getLong(3), "getLong from two getInts");
        assertEquals(indexOf(model, model[500]), own.indexOf(model[500]));
        ByteBuffer into = ByteBuffer.allocate(10);
        own.copyTo(5, into, 10);
        assertArrayEquals(Arrays.copyOfRange(model, 5, 15), into.array());
        Packet p = Packet.of(own, packets);
        assertTrue(released[0], "the original is released once copied");
        assertArrayEquals(model, p.toByteArray());
        assertTrue(p.fragmentCount() >= 3, "spread over the pool's 256-byte buffers");
        assertSame(p, Packet.of(p, packets), "a packet is taken as it is");
        p.release();
    }

    private static int indexOf(byte[] a, byte v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void viewsShareMemoryAndKeepBuffersAlive() {
        Packet p = packets.allocateWithHeadroom();
        byte[] data = new byte[100];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        p.appendBytes(data, 0, 100);
        Buffer b = p.fragmentBuffer(0);
        Packet view = p.share(10, 20);
        assertEquals(2, b.refCnt());
        assertEquals(10, view.getU8(0));
        p.setU8(10, 0xEE);
        assertEquals(0xEE, view.getU8(0), "a view is no copy: it sees writes to the same bytes");
        p.release();
        assertEquals(1, b.refCnt(), "the view keeps the buffer");
        assertEquals(11, view.getU8(1));
        assertFalse(buffers.isFull());
        view.release();
        assertEquals(0, b.refCnt());
    }

    @Test
    void prependNeverWritesIntoMemoryThatAViewCanSee() {
        Packet p = packets.allocateWithHeadroom();
        p.appendBytes(new byte[] {1, 2, 3, 4}, 0, 4);
        Packet view = p.share(); // the same four bytes, through a second reference to the buffer
        p.trimFront(2);          // bytes 1, 2 are in front of p now, and still in the view
        int off = p.prepend(2);
        p.setU16(0, 0xABCD);
        assertEquals(2, p.fragmentCount(), "shared first buffer: the header goes in a new buffer");
        assertEquals(BUFFER - 2, off, "at the end of the new buffer, leaving room in front of it");
        assertArrayEquals(new byte[] {1, 2, 3, 4}, view.toByteArray(), "the view's bytes are untouched");
        assertArrayEquals(new byte[] {(byte) 0xAB, (byte) 0xCD, 3, 4}, p.toByteArray());
        view.release();
        p.release();
        // A packet that is its buffer's only user prepends into the headroom, in place.
        Packet q = packets.allocateWithHeadroom();
        q.appendBytes(new byte[] {9}, 0, 1);
        assertEquals(HEADROOM - 14, q.prepend(14));
        assertEquals(1, q.fragmentCount());
        assertEquals(15, q.length());
        q.release();
    }

    @Test
    void appendBytesDoesNotFillATailThatAViewCanSee() {
        Packet p = packets.allocateWithHeadroom();
        p.appendBytes(new byte[] {1, 2, 3, 4, 5, 6}, 0, 6);
        Packet view = p.share();
        p.trimBack(3);
        p.appendBytes(new byte[] {7, 7, 7}, 0, 3);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, view.toByteArray());
        assertArrayEquals(new byte[] {1, 2, 3, 7, 7, 7}, p.toByteArray());
        view.release();
        p.release();
    }

    @Test
    void metadataTravelsWithViewsAndIsClearedOnRelease() {
        Packet p = packets.allocateWithHeadroom();
        p.appendBytes(new byte[20], 0, 20);
        p.setRssHash(0x1234);
        p.addFlags(Packet.RX_IP_CHECKSUM_GOOD);
        p.setHeaderLengths(14, 20);
        assertTrue(p.hasFlag(Packet.RSS_HASH_VALID));
        Packet v = p.share(4, 8);
        assertEquals(0x1234, v.rssHash());
        assertTrue(v.hasFlag(Packet.RX_IP_CHECKSUM_GOOD));
        p.clearFlags(Packet.RX_IP_CHECKSUM_GOOD);
        assertFalse(p.hasFlag(Packet.RX_IP_CHECKSUM_GOOD));
        assertEquals(14, p.l2Length());
        assertEquals(20, p.l3Length());
        v.release();
        p.release();
        Packet again = packets.allocate();
        assertEquals(0, again.flags(), "a recycled wrapper starts clean");
        assertEquals(0, again.rssHash());
        assertEquals(0, again.length());
        again.release();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
