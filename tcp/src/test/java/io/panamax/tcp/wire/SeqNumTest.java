package io.panamax.tcp.wire;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeqNumTest {
    @Test
    void comparisonsWrapAround() {
        int near = 0xfffffff0;
        int past = 0x00000010;
        assertTrue(SeqNum.lt(near, past), "2^32 - 16 is before 16 across the wrap");
        assertTrue(SeqNum.gt(past, near));
        assertTrue(SeqNum.le(near, near));
        assertTrue(SeqNum.ge(past, past));
        assertFalse(SeqNum.lt(past, near));
        assertEquals(past, SeqNum.max(near, past));
        assertEquals(near, SeqNum.min(near, past));
        assertEquals(0x20, past - near, "distance is plain int subtraction");
    }

    @Test
    void ranges() {
        int lo = 0xfffffffe;
        assertTrue(SeqNum.inRange(lo, lo, lo + 4));
        assertTrue(SeqNum.inRange(lo, 1, lo + 4));
        assertFalse(SeqNum.inRange(lo, lo + 4, lo + 4), "half-open");
        assertFalse(SeqNum.inRange(lo, lo - 1, lo + 4));
        assertFalse(SeqNum.inRange(lo, lo, lo), "empty");
        assertTrue(SeqNum.inClosedRange(lo, lo + 4, lo + 4));
        assertEquals("4294967295", SeqNum.toString(-1));
    }
}
