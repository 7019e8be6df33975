package io.panamax.tcp;

import io.panamax.reactor.buffer.BufferPool;
import io.panamax.tcp.wire.SeqNum;

/**
 * Receive-buffer autotuning: the receiver's half of dynamic right-sizing (Fisher's DRS; Linux's
 * {@code tcp_rcv_space_adjust} with {@code tcp_rcv_rtt_measure}, gVisor's {@code ModerateRecvBuf}).
 * The buffer, and so the window, grows to about twice what the application read in one round
 * trip, so that a sender is not held back by the window while the application keeps up, and a
 * connection whose application reads slowly keeps its small buffer.
 *
 * <p>The round trip is the receiver's own estimate, taken without timestamps (this stack's TSval
 * ticks in milliseconds, coarser than a TAP round trip of some 20-100 µs): the time from sending
 * an ACK that advertised a new right edge until the data at that edge arrived, the time one
 * window takes (RFC 1323's DRS; Linux's per-window {@code tcp_rcv_rtt_measure} starts at an edge
 * advertised before, which over TAP gave samples of microseconds: a shard back on its CPU reads a
 * whole window that queued meanwhile at once, and no buffer grew). The smallest such sample is
 * kept, as gVisor's receiver does: a larger window lets the sender queue more in front of the
 * receiver (the TAP device's queue), which lengthens every later sample, and a smoothed estimate
 * then grows the window without end (Linux's did, to 24.9 MB over a veth pair here, {@code
 * tcp_rmem}'s maximum being 32 MB).
 *
 * <p>What the application read in one round trip is its read rate over the measuring interval (at
 * least one round trip) times that round trip. Linux takes the bytes read in the interval as they
 * are; here a reader that wakes every few milliseconds and takes a whole buffer at once would then
 * count as one that keeps up, and grow the buffer it does not empty in time.
 *
 * <p>The buffer grows only after a measure in which the peer ran into the window (an in-order
 * segment left it less window than its own length, or than 64 KB: a TSO sender defers a
 * part-sized super-segment rather than send it), which Linux does not ask. When the sender is not held by the window, a per-window sample is the time
 * the window takes at the sender's rate, not the round trip, and the buffer would grow with every
 * rise of the rate although no sender waited for it: over TAP under load, iperf3's window went to
 * the memory bound (2.99 MB) with the window never filled, and moved less per CPU than with a fixed
 * 1 MB (docs/tap.md).
 *
 * <p>The growth rule is Linux's: twice the bytes per round trip plus 16 segments of cushion,
 * doubled when they grew by half since the last growth (the sender is in slow start) and raised
 * by half when they grew by a quarter. The buffer never shrinks. Bounds (see {@link #limit}): the
 * configuration's {@link TcpConfig#maxReceiveBufferSize}, the window the negotiated scale can
 * announce, and memory: a quarter of the shard's packet buffers at one full-sized segment each,
 * and no growth at all while fewer than half of them are free (Linux stops growing under
 * {@code tcp_memory_pressure}). An application that sets its receive buffer itself turns tuning
 * off for the connection, as {@code SO_RCVBUF} does in Linux.
 *
 * <p>Confined to the connection's shard; allocates nothing.
 */
final class ReceiveBufferTuner {
    /** The first growth compares against ten segments, Linux's {@code TCP_INIT_CWND} (rcvq_space). */
    static final int INITIAL_SPACE_SEGMENTS = 10;
    /** Segments added to twice the bytes per round trip, for small variations (Linux: 16 advmss). */
    static final int CUSHION_SEGMENTS = 16;
    /** One connection's tuned buffer pins at most this share of the shard's packet buffers: 1/4. */
    static final int POOL_SHARE_DIVISOR = 4;
    /** No growth while fewer than 1/2 of the shard's packet buffers are free (memory pressure). */
    static final int POOL_PRESSURE_DIVISOR = 2;

    private boolean enabled = true;

    // ---- the receiver's round-trip estimate (per window) ----
    /** The smallest per-window sample, 0 before the first. */
    private long rttMinNanos;
    private boolean rttMeasuring;
    /** The right edge whose arrival ends the sample. */
    private int rttMeasureSeq;
    private long rttMeasureStart;

    // ---- what the application read (Linux's rcvq_space) ----
    /** Bytes per round trip at the last growth (or the initial ten segments). */
    private long space;
    private long copied;
    private long measureStart;
    private boolean measuring;

    /** The peer ran into the window (less than a segment of it left) since the last measure. */
    private boolean windowFilled;

    /** Growths so far (for tests and the connection's stats). */
    int growths;

    /** The application set its receive buffer: tuning stops for good (Linux's SOCK_RCVBUF_LOCK). */
    void disable() {
        enabled = false;
    }

    boolean enabled() {
        return enabled;
    }

    /** The smallest round trip measured so far, in nanoseconds; 0 before the first. */
    long rttMinNanos() {
        return rttMinNanos;
    }

    /** Whether a round-trip sample may start: none is under way. */
    boolean idle() {
        return enabled && !rttMeasuring;
    }

    /**
     * An ACK advertised the right edge {@code edge} at {@code now}: the sample ends when the data
     * at that edge arrives, which the peer could send only after this ACK, so no sample is shorter
     * than a round trip (one started at an edge advertised before would be as short as the time to
     * read what sat queued in front of a receiver that was off its CPU).
     */
    void onEdgeAdvertised(int edge, long now) {
        if (!idle()) {
            return;
        }
        rttMeasuring = true;
        rttMeasureSeq = edge;
        rttMeasureStart = now;
    }

    /** Whether RCV.NXT at {@code rcvNxt} ends the sample under way. */
    boolean sampleEndsAt(int rcvNxt) {
        return enabled && rttMeasuring && !SeqNum.lt(rcvNxt, rttMeasureSeq);
    }

    /** The data at the sampled edge arrived at {@code now}: the smallest sample is kept. */
    void endSample(long now) {
        rttMeasuring = false;
        long sample = now - rttMeasureStart;
        // 0: within one loop turn of a per-turn clock (or a test's manual clock): no estimate
        // at all beats one of zero.
        if (sample > 0 && (rttMinNanos == 0 || sample < rttMinNanos)) {
            rttMinNanos = sample;
        }
    }

    /**
     * In-order data left the peer less window than the segment that just came, or than the 64 KB
     * a TSO sender waits for (Receiver.TSO_DEFER_BYTES): the window, not the peer, limited it. Only
     * then does the buffer grow.
     */
    void onWindowFilled() {
        windowFilled = true;
    }

    /**
     * Whether a read at {@code now} ends a measuring interval, the only read whose
     * {@link #onRead} can grow the buffer: the caller works out {@link #limit} for that read
     * alone, not for every read.
     */
    boolean measureDue(long now) {
        return enabled && measuring && rttMinNanos != 0 && now - measureStart >= rttMinNanos;
    }

    /**
     * The application took {@code bytes}: returns the receive buffer it should now have, which is
     * {@code current} unless one round trip's reading justifies more and {@code limit} allows it.
     *
     * @param mss   the peer's full-sized segment's payload
     * @param limit the largest buffer allowed now ({@link #limit})
     */
    int onRead(int bytes, int current, int mss, int limit, long now) {
        if (!enabled) {
            return current;
        }
        if (!measuring) {
            measuring = true;
            measureStart = now;
            space = (long) INITIAL_SPACE_SEGMENTS * mss;
            return current;
        }
        copied += bytes;
        long elapsed = now - measureStart;
        if (rttMinNanos == 0 || elapsed < rttMinNanos) {
            return current;
        }
        long perRtt = (long) ((double) copied * rttMinNanos / elapsed);
        boolean filled = windowFilled;
        copied = 0;
        measureStart = now;
        windowFilled = false;
        if (perRtt <= space || !filled) {
            return current;
        }
        long window = 2 * perRtt + (long) CUSHION_SEGMENTS * mss;
        if (perRtt >= space + (space >> 1)) {
            window <<= 1;
        } else if (perRtt >= space + (space >> 2)) {
            window += window >> 1;
        }
        space = perRtt;
        if (window <= current || current >= limit) {
            return current;
        }
        growths++;
        return (int) Math.min(window, limit);
    }

    /**
     * The largest buffer tuning may give a connection now: {@code maxBuffer} (the configuration's
     * maximum, already cut to what the window scale can announce), a quarter of the shard's packet
     * buffers at one full-sized segment each (every segment held pins at least one), and no more
     * than {@code current} while fewer than half of them are free.
     */
    static int limit(int maxBuffer, int current, int mss, BufferPool pool) {
        int capacity = pool.capacity();
        if (pool.available() < capacity / POOL_PRESSURE_DIVISOR) {
            return current;
        }
        long memory = (long) (capacity / POOL_SHARE_DIVISOR) * mss;
        return (int) Math.max(current, Math.min(maxBuffer, memory));
    }
}
