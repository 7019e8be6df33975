package io.panamax.tcp;

import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.SlabBufferPool;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The autotuning arithmetic (Linux's tcp_rcv_space_adjust rules over a per-window minimum RTT),
 * on given times: no clock is read. The kernel-peer test over TAP is the stack's
 * KernelPeerReceiveBufferTest.
 */
class ReceiveBufferTunerTest {
    private static final long US = 1_000;
    private static final int MSS = 1448;
    private static final int INITIAL = 256 * 1024;
    private static final int LIMIT = 4 * 1024 * 1024;

    /** An ACK advertised the edge INITIAL at 0, and the data at it came {@code rttNanos} later. */
    private static ReceiveBufferTuner measured(long rttNanos) {
        ReceiveBufferTuner t = new ReceiveBufferTuner();
        t.onEdgeAdvertised(INITIAL, 0);
        assertTrue(!t.sampleEndsAt(INITIAL - 1) && t.sampleEndsAt(INITIAL));
        t.endSample(rttNanos);
        assertEquals(rttNanos, t.rttMinNanos());
        return t;
    }

    @Test
    void aReaderThatKeepsUpGrowsTheBufferToTwiceItsBytesPerRoundTripAndMore() {
        ReceiveBufferTuner t = measured(100 * US);
        int buffer = INITIAL;
        assertEquals(buffer, t.onRead(64 * 1024, buffer, MSS, LIMIT, 0), "the first read starts the measure");
        // 256 KB read in one round trip, the sender held by the window: 2 x 256 KB + 16 segments,
        // doubled (more than 1.5 x the ten segments before: slow start).
        t.onWindowFilled();
        buffer = t.onRead(INITIAL, buffer, MSS, LIMIT, 100 * US);
        assertEquals(2 * (2L * INITIAL + 16 * MSS), buffer);
        // The same again is no growth: the sender is not speeding up.
        t.onWindowFilled();
        assertEquals(buffer, t.onRead(INITIAL, buffer, MSS, LIMIT, 200 * US));
        // Faster, bounded by the limit.
        t.onWindowFilled();
        int limited = t.onRead(2 * 1024 * 1024, buffer, MSS, 2 * 1024 * 1024, 300 * US);
        assertEquals(2 * 1024 * 1024, limited);
        assertEquals(2, t.growths);
    }

    @Test
    void onlyAReadThatEndsAMeasuringIntervalIsDue() {
        ReceiveBufferTuner t = measured(100 * US);
        assertFalse(t.measureDue(500 * US), "no interval before the first read");
        t.onRead(0, INITIAL, MSS, LIMIT, 0);
        assertFalse(t.measureDue(99 * US), "inside the first round trip");
        assertTrue(t.measureDue(100 * US));
        t.onWindowFilled();
        int grown = t.onRead(INITIAL, INITIAL, MSS, LIMIT, 100 * US);
        assertTrue(grown > INITIAL, "the due read is the one that grows: " + grown);
        assertFalse(t.measureDue(150 * US), "a new interval began at the due read");
        t.disable();
        assertFalse(t.measureDue(1_000 * US), "nothing is due once tuning is off");
    }

    @Test
    void aSenderThatNeverRanIntoTheWindowGrowsNothing() {
        ReceiveBufferTuner t = measured(100 * US);
        t.onRead(0, INITIAL, MSS, LIMIT, 0);
        assertEquals(INITIAL, t.onRead(INITIAL, INITIAL, MSS, LIMIT, 100 * US), "faster, but not held by the window");
        t.onWindowFilled();
        assertEquals(2 * (2L * INITIAL + 16 * MSS), t.onRead(INITIAL, INITIAL, MSS, LIMIT, 200 * US),
                "held by it: the growth the rise since the last growth asks");
    }

    @Test
    void aSlowReaderKeepsTheBufferEvenWhenEachReadTakesAllOfIt() {
        ReceiveBufferTuner t = measured(100 * US);
        int buffer = INITIAL;
        t.onRead(0, buffer, MSS, LIMIT, 0);
        // The whole buffer every 10 ms: 256 KB x 100 µs / 10 ms = 2.6 KB per round trip.
        for (int i = 1; i <= 50; i++) {
            t.onWindowFilled(); // it does fill the window: the reader is slow
            buffer = t.onRead(INITIAL, buffer, MSS, LIMIT, i * 10_000 * US);
        }
        assertEquals(INITIAL, buffer);
        assertEquals(0, t.growths);
    }

    @Test
    void noRoundTripNoGrowthAndZeroSamplesDoNotCount() {
        ReceiveBufferTuner t = new ReceiveBufferTuner();
        t.onEdgeAdvertised(INITIAL, 5 * US);
        t.endSample(5 * US); // within one loop turn
        assertEquals(0, t.rttMinNanos());
        t.onRead(0, INITIAL, MSS, LIMIT, 0);
        t.onWindowFilled();
        assertEquals(INITIAL, t.onRead(INITIAL, INITIAL, MSS, LIMIT, 1_000 * US));
    }

    @Test
    void theSmallestPerWindowSampleIsKept() {
        ReceiveBufferTuner t = measured(100 * US);
        t.onEdgeAdvertised(2 * INITIAL, 100 * US);
        t.onEdgeAdvertised(3 * INITIAL, 120 * US); // one sample at a time: this ACK starts none
        assertTrue(!t.sampleEndsAt(INITIAL + 1000), "not yet at the edge");
        assertTrue(t.sampleEndsAt(2 * INITIAL));
        t.endSample(400 * US); // 300 µs: a queue built up, not kept
        assertEquals(100 * US, t.rttMinNanos());
        t.onEdgeAdvertised(3 * INITIAL, 400 * US);
        t.endSample(460 * US);
        assertEquals(60 * US, t.rttMinNanos());
    }

    @Test
    void anApplicationThatSetsItsBufferTurnsTuningOff() {
        ReceiveBufferTuner t = measured(100 * US);
        t.disable();
        t.onRead(0, INITIAL, MSS, LIMIT, 0);
        t.onWindowFilled();
        assertEquals(INITIAL, t.onRead(4 * INITIAL, INITIAL, MSS, LIMIT, 100 * US));
        assertEquals(INITIAL, t.onRead(4 * INITIAL, INITIAL, MSS, LIMIT, 200 * US));
    }

    @Test
    void memoryBoundsTheLimit() {
        SlabBufferPool pool = SlabBufferPool.unowned(64, 2048, 0);
        // A quarter of 64 buffers at one segment each.
        assertEquals(16 * MSS, ReceiveBufferTuner.limit(LIMIT, 4096, MSS, pool));
        assertEquals(8000, ReceiveBufferTuner.limit(8000, 4096, MSS, pool), "the configured maximum first");
        assertEquals(100_000, ReceiveBufferTuner.limit(LIMIT, 100_000, MSS, pool), "never below the buffer now");
        List<Buffer> held = new ArrayList<>();
        for (int i = 0; i < 33; i++) {
            held.add(pool.allocate());
        }
        assertEquals(4096, ReceiveBufferTuner.limit(LIMIT, 4096, MSS, pool), "fewer than half free: no growth");
        held.forEach(Buffer::release);
        assertTrue(pool.isFull());
    }
}
