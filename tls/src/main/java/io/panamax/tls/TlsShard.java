package io.panamax.tls;

import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Buffer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What the TLS connections of one context share on one shard, so that records cost this layer no
 * allocation: the counters, the ByteBuffer views of packet buffers, the scratch array every record
 * is encrypted or decrypted in, and the list of live connections that are released when the shard
 * stops. Used only on its shard's thread.
 *
 * <p>The scratch area is a heap array on purpose. The JDK's AES-GCM works on arrays; given
 * direct (off-heap) ByteBuffers it copies through temporary arrays: measured on JDK 25, a
 * 16 KiB TLS 1.3 record round trip (wrap and unwrap) allocates about 5.4 KB with a direct record
 * buffer and 2.9 KB with a heap one, and runs 1.5 to 1.7 times slower. So a record is decrypted
 * in place in the array (after one copy out of the packet fragments it arrived in) and encrypted
 * there (the engine copies the plaintext in from the packet's buffers), then copied into packet
 * buffers: one copy each way at memory speed, instead of the JCE's slower internal ones.
 */
final class TlsShard {
    /** Larger than any record the engine writes or accepts (its packet buffer grows to about 33 KiB). */
    static final int SCRATCH_BYTES = 40 * 1024;

    final Shard shard;
    final TlsContext context;
    final TlsCounters counters;
    final ByteBufferViews views = new ByteBufferViews();
    final byte[] scratch = new byte[SCRATCH_BYTES];
    private final ByteBuffer scratchView = ByteBuffer.wrap(scratch);
    final ByteBuffer empty = ByteBuffer.allocate(0);
    private ByteBuffer[] array = new ByteBuffer[16];
    private Buffer[] buffers = new Buffer[16];
    /** Head of the intrusive list of live connections (for the stop hook). */
    private TlsConnection live;

    TlsShard(Shard shard, TlsContext context) {
        this.shard = shard;
        this.context = context;
        this.counters = new TlsCounters(shard.metrics());
        shard.onStop(this::releaseAll);
    }

    /** The scratch area as a fresh window of {@code len} bytes from its start. */
    ByteBuffer scratch(int len) {
        scratchView.limit(len).position(0);
        return scratchView;
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
            live.closing.shutDownWithShard();
        }
    }
}
