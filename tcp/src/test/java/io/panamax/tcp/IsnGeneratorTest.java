package io.panamax.tcp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class IsnGeneratorTest {

    @Test
    void sipHashReferenceVector() {
        // Aumasson & Bernstein, SipHash paper appendix A: key 00..0f, message 00..0e.
        long k0 = 0x0706050403020100L;
        long k1 = 0x0f0e0d0c0b0a0908L;
        long[] words = {0x0706050403020100L};
        long tail = 0x000e0d0c0b0a0908L;
        assertEquals(0xa129ca6149be45e5L, IsnGenerator.sipHash24(k0, k1, words, 1, tail, 15));
    }

    @Test
    void isnFollowsA4MicrosecondClockPerFourTuple() {
        IsnGenerator g = new IsnGenerator(11, 22);
        int a = g.isn(1, 1000, 2, 80, 0);
        assertEquals(a + 250, g.isn(1, 1000, 2, 80, 1_000_000), "M ticks every 4 µs (RFC 6528 3)");
        assertNotEquals(a, g.isn(1, 1001, 2, 80, 0));
        assertNotEquals(a, g.isn(1, 1000, 3, 80, 0));
        assertNotEquals(a, new IsnGenerator(11, 23).isn(1, 1000, 2, 80, 0), "the secret key changes F");
        assertNotEquals(g.timestampOffset(1, 1000, 2, 80), g.timestampOffset(1, 1001, 2, 80));
    }
}
