package io.panamax.tls;

import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.SlabBufferPool;
import io.panamax.tls.wire.TlsRecordHeader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What the TLS connections of one context share on one shard, so that records cost no
 * allocation: the counters, the ByteBuffer views of packet buffers, a scratch area for records
 * that arrive split over packet fragments (and for small outgoing records), the pool of record
 * buffers that large outgoing records are encrypted into and sent from, and the list of live
 * connections that are released when the shard stops. Used only on its shard's thread.
 */
final class TlsShard {
    /** Larger than any record the engine writes or accepts (its packet buffer grows to about 33 KiB). */
    static final int SCRATCH_BYTES = 40 * 1024;
    /**
     * Plaintext of at least this many bytes is encrypted into a record buffer (no copy after);
     * less goes through the scratch area and is copied into ordinary packet buffers, so that a
     * small record does not hold a 16 KiB buffer until it is acknowledged.
     */
    static final int ZERO_COPY_THRESHOLD = 4096;

    final Shard shard;
    final TlsContext context;
    final TlsCounters counters;
    final ByteBufferViews views = new ByteBufferViews();
    final MemorySegment scratch;
    private final ByteBuffer scratchView;
    private final SlabBufferPool records;
    final ByteBuffer empty = ByteBuffer.allocate(0);
    private ByteBuffer[] array = new ByteBuffer[16];
    private Buffer[] buffers = new Buffer[16];
    /** Head of the intrusive list of live connections (for the stop hook). */
    private TlsConnection live;

    TlsShard(Shard shard, TlsContext context) {
        this.shard = shard;
        this.context = context;
        this.counters = new TlsCounters(shard.metrics());
        this.scratch = Arena.ofAuto().allocate(SCRATCH_BYTES, 64);
        this.scratchView = scratch.asByteBuffer();
        int n = context.config().recordBuffersPerShard();
        int size = Math.max(context.packetBufferSize(), TlsRecordHeader.MAX_RECORD);
        this.records = n > 0 ? new SlabBufferPool(shard, n, size, 0) : null;
        shard.onStop(this::releaseAll);
    }

    /** The scratch area as a fresh window of {@code len} bytes from its start. */
    ByteBuffer scratch(int len) {
        scratchView.limit(len).position(0);
        return scratchView;
    }

    /** A record buffer (one reference), or null when none is free (counted). */
    Buffer recordBuffer() {
        if (records == null) {
            return null;
        }
        Buffer b = records.allocate();
        if (b == null) {
            counters.recordBuffersExhausted.increment();
        }
        return b;
    }

    long recordBuffersInUse() {
        return records == null ? 0 : records.capacity() - records.available();
    }

    /** A reusable array of at least {@code n} slots for the engine's ByteBuffer[] arguments. */
    ByteBuffer[] array(int n) {
        if (array.length < n) {
            array = new ByteBuffer[Math.max(n, array.length * 2)];
        }
        return array;
    }

    /** A reusable array of at least {@code n} slots for the packet buffers a record is decrypted into. */
    Buffer[] buffers(int n) {
        if (buffers.length < n) {
            buffers = new Buffer[Math.max(n, buffers.length * 2)];
        }
        return buffers;
    }

    /** Drops the references the last engine call left in the array. */
    void clearArray(int n) {
        Arrays.fill(array, 0, Math.min(n, array.length), null);
    }

    void add(TlsConnection c) {
        c.nextLive = live;
        c.prevLive = null;
        if (live != null) {
            live.prevLive = c;
        }
        live = c;
    }

    void remove(TlsConnection c) {
        if (c.prevLive != null) {
            c.prevLive.nextLive = c.nextLive;
        } else if (live == c) {
            live = c.nextLive;
        }
        if (c.nextLive != null) {
            c.nextLive.prevLive = c.prevLive;
        }
        c.nextLive = null;
        c.prevLive = null;
    }

    /** Shard stop: every live connection gives back its buffers (TCP is shut down by then). */
    private void releaseAll() {
        while (live != null) {
            live.shutDownWithShard();
        }
    }
}
