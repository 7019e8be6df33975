package io.panamax.tcp.wire;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TcpOptionsTest {
    private final TcpOptions o = new TcpOptions();

    private TcpOptions.Problem parse(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return o.parse(MemorySegment.ofArray(b), 0, b.length);
    }

    @Test
    void linuxSynOptions() {
        // MSS 1460, SACK-permitted, TS 1 0, NOP, WS 7: what a Linux SYN carries.
        assertNull(parse(2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7));
        assertEquals(1460, o.mss);
        assertTrue(o.sackPermitted);
        assertTrue(o.hasTimestamps);
        assertEquals(1, o.tsVal);
        assertEquals(0, o.tsEcr);
        assertEquals(7, o.windowScale);
        assertEquals(0, o.unknown);
    }

    @Test
    void sackBlocks() {
        assertNull(parse(1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 9));
        assertEquals(2, o.sackBlocks);
        assertEquals(1, o.sackLeft[0]);
        assertEquals(2, o.sackRight[0]);
        assertEquals(-1, o.sackLeft[1]);
        assertEquals(9, o.sackRight[1]);
        assertEquals(TcpOptions.Problem.BAD_LENGTH, parse(5, 2), "no blocks");
        assertEquals(TcpOptions.Problem.BAD_LENGTH, parse(5, 7, 0, 0, 0, 0, 0), "not a multiple of 8");
    }

    @Test
    void eolEndsTheListAndUnknownKindsAreSkipped() {
        assertNull(parse(99, 3, 0, 2, 4, 1, 0, 0, 2, 4, 9, 9));
        assertEquals(1, o.unknown);
        assertEquals(256, o.mss);
        assertNull(parse(0, 2, 1, 0));
        assertEquals(-1, o.mss, "nothing after EOL is read");
    }

    @Test
    void malformedLengthsAreRejected() {
        assertEquals(TcpOptions.Problem.BAD_LENGTH, parse(2, 0, 0, 0), "length 0");
        assertEquals(TcpOptions.Problem.BAD_LENGTH, parse(2, 1, 0, 0), "length 1");
        assertEquals(TcpOptions.Problem.BAD_LENGTH, parse(1, 1, 99, 10, 0), "past the end");
        assertEquals(TcpOptions.Problem.BAD_LENGTH, parse(1, 1, 1, 2), "a kind byte with no room for its length");
        assertEquals(TcpOptions.Problem.BAD_LENGTH, parse(2, 3, 0), "MSS must be 4 bytes");
        assertEquals(TcpOptions.Problem.BAD_LENGTH, parse(3, 4, 0, 0), "WS must be 3 bytes");
        assertEquals(TcpOptions.Problem.BAD_LENGTH, parse(4, 3, 0), "SACK-permitted must be 2 bytes");
        assertEquals(TcpOptions.Problem.BAD_LENGTH, parse(8, 8, 0, 0, 0, 0, 0, 0), "TS must be 10 bytes");
        assertEquals(TcpOptions.Problem.BAD_LENGTH, parse(28, 3, 0), "UTO must be 4 bytes");
        assertEquals(TcpOptions.Problem.BAD_LENGTH, parse(28, 6, 0, 0, 0, 0), "UTO must be 4 bytes");
    }

    @Test
    void userTimeoutOption() {
        // RFC 5482 3: kind 28, length 4, G bit then 15 bits. G = 0: seconds.
        assertNull(parse(1, 1, 28, 4, 0x01, 0x2c));
        assertEquals(300, o.userTimeout);
        assertEquals(300, TcpOptions.userTimeoutSeconds(o.userTimeout));
        assertEquals(0, o.unknown, "a known option now");
        // G = 1: minutes; 0x8000 | 90 is an hour and a half.
        assertNull(parse(28, 4, 0x80, 90));
        assertEquals(0x8000 | 90, o.userTimeout);
        assertEquals(5400, TcpOptions.userTimeoutSeconds(o.userTimeout));
        assertNull(parse(1, 1, 1, 1));
        assertEquals(-1, o.userTimeout, "absent");
        // Encoding: seconds while 15 bits hold them, then minutes rounded up, capped at 32,767 minutes.
        assertEquals(300, TcpOptions.userTimeoutValue(300));
        assertEquals(32767, TcpOptions.userTimeoutValue(32767));
        assertEquals(0x8000 | 547, TcpOptions.userTimeoutValue(32768), "32,768 s is 546.1 minutes: 547");
        assertEquals(0x8000 | 32767, TcpOptions.userTimeoutValue(365L * 24 * 3600));
        assertEquals(0, TcpOptions.userTimeoutValue(0));
        byte[] b = new byte[4];
        assertEquals(4, TcpOptions.writeUserTimeout(MemorySegment.ofArray(b), 0, 0x8000 | 90));
        assertNull(o.parse(MemorySegment.ofArray(b), 0, 4));
        assertEquals(0x8000 | 90, o.userTimeout);
    }

    @Test
    void writtenOptionsParseBackAndArePadded() {
        byte[] b = new byte[40];
        MemorySegment m = MemorySegment.ofArray(b);
        int n = TcpOptions.writeMss(m, 0, 1400);
        n += TcpOptions.writeSackPermitted(m, n);
        n += TcpOptions.writeTimestamps(m, n, 123, 456);
        n += TcpOptions.writeNopWindowScale(m, n, 14);
        assertEquals(20, TcpOptions.pad(m, 0, n));
        assertNull(o.parse(m, 0, 20));
        assertEquals(1400, o.mss);
        assertEquals(14, o.windowScale);
        assertEquals(123, o.tsVal);
        assertEquals(456, o.tsEcr);
        assertTrue(o.sackPermitted);

        n = TcpOptions.writeAlignedTimestamps(m, 0, 5, 6);
        n += TcpOptions.writeAlignedSack(m, n, new int[] {10, 30, 50}, new int[] {20, 40, 60}, 3);
        assertEquals(40, n);
        assertNull(o.parse(m, 0, n));
        assertEquals(3, o.sackBlocks);
        assertEquals(50, o.sackLeft[2]);
        assertFalse(o.sackPermitted);

        n = TcpOptions.writeMss(m, 0, 1);
        n += TcpOptions.writeSackPermitted(m, n);
        assertEquals(8, TcpOptions.pad(m, 0, n));
        assertEquals(0, b[6]);
        assertEquals(0, b[7]);
    }

    @Test
    void parseNeverThrowsOnRandomBytes() {
        Random r = new Random(2);
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[r.nextInt(41)];
            r.nextBytes(b);
            o.parse(MemorySegment.ofArray(b), 0, b.length);
            o.parse(MemorySegment.ofArray(b), 0, b.length + 3);
            o.parse(MemorySegment.ofArray(b), -1, 2);
        }
    }
}
