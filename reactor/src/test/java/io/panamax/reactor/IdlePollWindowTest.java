package io.panamax.reactor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The adaptive poll before a TAP shard's device wait: grow on a gap a longer poll would have caught, halve on one none would. */
class IdlePollWindowTest {
    private static final long US = 1_000L;

    @Test
    void growsFromTheStartOnAGapWithinTheLimitAndDoublesUpToIt() {
        IdlePollWindow w = new IdlePollWindow(100 * US, 10 * US);
        assertEquals(0, w.nanos(), "no poll before any gap was seen");
        w.observe(6 * US);
        assertEquals(10 * US, w.nanos(), "a 6 µs gap: the first window is the grow start");
        w.observe(8 * US);
        assertEquals(10 * US, w.nanos(), "a gap the window covered changes nothing");
        w.observe(30 * US);
        assertEquals(20 * US, w.nanos());
        w.observe(30 * US);
        assertEquals(40 * US, w.nanos());
        w.observe(90 * US);
        assertEquals(80 * US, w.nanos());
        w.observe(90 * US);
        assertEquals(100 * US, w.nanos(), "never past the limit");
        w.observe(100 * US);
        assertEquals(100 * US, w.nanos());
    }

    @Test
    void halvesOnEachGapBeyondTheLimitUntilItPollsNotAtAll() {
        IdlePollWindow w = new IdlePollWindow(100 * US, 10 * US);
        w.observe(50 * US);
        w.observe(50 * US);
        w.observe(50 * US);
        assertEquals(40 * US, w.nanos());
        w.observe(10_000 * US); // a timer 10 ms later: the poll was wasted
        assertEquals(20 * US, w.nanos());
        for (int i = 0; i < 20; i++) {
            w.observe(10_000 * US);
        }
        assertEquals(0, w.nanos(), "an idle stack stops polling");
        w.observe(3 * US);
        assertEquals(10 * US, w.nanos(), "and starts again at the grow start on the next short gap");
    }

    @Test
    void aZeroLimitNeverPollsAndTheGrowStartIsCappedByIt() {
        IdlePollWindow off = new IdlePollWindow(0, 10 * US);
        off.observe(1);
        off.observe(5 * US);
        assertEquals(0, off.nanos());
        IdlePollWindow small = new IdlePollWindow(4 * US, 10 * US);
        small.observe(2 * US);
        assertEquals(4 * US, small.nanos());
        assertThrows(IllegalArgumentException.class, () -> new IdlePollWindow(-1, 0));
    }
}
