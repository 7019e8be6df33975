package io.panamax.tls.wire;

import io.panamax.tls.wire.TlsRecordHeader.Verdict;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TlsRecordHeaderTest {
    private static final MemorySegment SEGMENT = Arena.global().allocate(32 * 1024);

    private static byte[] record(int type, int major, int minor, int length, int present) {
        byte[] b = new byte[5 + present];
        b[0] = (byte) type;
        b[1] = (byte) major;
        b[2] = (byte) minor;
        b[3] = (byte) (length >>> 8);
        b[4] = (byte) length;
        return b;
    }

    /** Both overloads, which must agree on every input. */
    private static Verdict check(byte[] b, int offset, int length) {
        Verdict onArray = TlsRecordHeader.check(b, offset, length);
        MemorySegment.copy(b, 0, SEGMENT, ValueLayout.JAVA_BYTE, 0, b.length);
        Verdict onSegment = TlsRecordHeader.check(SEGMENT.asSlice(0, b.length), offset, length);
        assertEquals(onArray, onSegment, "array and segment disagree");
        return onArray;
    }

    @Test
    void wellFormedRecordsOfEveryTypeAndVersion() {
        for (int type = 20; type <= 23; type++) {
            for (int minor = 0; minor <= 3; minor++) {
                byte[] r = record(type, 3, minor, 10, 10);
                assertEquals(Verdict.COMPLETE, check(r, 0, r.length));
                assertEquals(Verdict.NEED_FRAGMENT, check(r, 0, r.length - 1));
            }
        }
    }

    @Test
    void incompleteHeadersAskForMore() {
        byte[] r = record(22, 3, 3, 100, 0);
        for (int n = 0; n < 5; n++) {
            assertEquals(Verdict.NEED_HEADER, check(r, 0, n), n + " bytes");
        }
        assertEquals(Verdict.NEED_FRAGMENT, check(r, 0, 5));
    }

    @Test
    void anHttpRequestIsNotTls() {
        byte[] get = "GET / HTTP/1.1\r\n".getBytes();
        assertEquals(Verdict.BAD_CONTENT_TYPE, check(get, 0, get.length));
        assertEquals(Verdict.BAD_CONTENT_TYPE, check(get, 0, 1), "one byte is enough to tell");
        assertTrue(Verdict.BAD_CONTENT_TYPE.isProblem());
    }

    @Test
    void badTypesVersionsAndSslv2() {
        assertEquals(Verdict.BAD_CONTENT_TYPE, check(record(19, 3, 3, 1, 1), 0, 6));
        assertEquals(Verdict.BAD_CONTENT_TYPE, check(record(24, 3, 3, 1, 1), 0, 6), "heartbeat (RFC 6520) is refused");
        assertEquals(Verdict.BAD_CONTENT_TYPE, check(new byte[] {(byte) 0x80, 0x2e, 0x01, 0x03, 0x01}, 0, 5), "SSL 2.0 hello");
        assertEquals(Verdict.BAD_VERSION, check(record(22, 2, 0, 1, 1), 0, 2), "major 2, seen from two bytes");
        assertEquals(Verdict.BAD_VERSION, check(record(22, 3, 4, 1, 1), 0, 3));
        assertEquals(Verdict.BAD_VERSION, check(record(22, 0xfe, 0xfd, 1, 1), 0, 6), "DTLS");
    }

    @Test
    void theLengthLimitIsTwoToTheFourteenthPlus2048() {
        int max = (1 << 14) + 2048;
        assertEquals(max, TlsRecordHeader.MAX_FRAGMENT);
        assertEquals(Verdict.NEED_FRAGMENT, check(record(23, 3, 3, max, 0), 0, 5));
        assertEquals(Verdict.COMPLETE, check(record(23, 3, 3, max, max), 0, 5 + max));
        assertEquals(Verdict.OVERSIZED, check(record(23, 3, 3, max + 1, 0), 0, 5));
        assertEquals(Verdict.OVERSIZED, check(record(22, 3, 1, 0xffff, 0), 0, 5));
    }

    @Test
    void emptyFragmentsOnlyForApplicationData() {
        assertEquals(Verdict.COMPLETE, check(record(23, 3, 3, 0, 0), 0, 5));
        for (int type = 20; type <= 22; type++) {
            assertEquals(Verdict.EMPTY_FRAGMENT, check(record(type, 3, 3, 0, 0), 0, 5));
        }
    }

    @Test
    void offsetsAndWindowsOutsideTheBytesNeverThrow() {
        byte[] r = record(22, 3, 3, 2, 2);
        assertEquals(Verdict.NEED_HEADER, check(r, -1, 7));
        assertEquals(Verdict.NEED_HEADER, check(r, 7, 7));
        assertEquals(Verdict.NEED_HEADER, check(r, 100, 1));
        assertEquals(Verdict.NEED_HEADER, check(r, 0, -5));
        assertEquals(Verdict.COMPLETE, check(r, 0, Integer.MAX_VALUE), "a window longer than the array is clamped");
        assertEquals(Verdict.NEED_HEADER, TlsRecordHeader.check((byte[]) null, 0, 5));
        assertEquals(Verdict.NEED_HEADER, TlsRecordHeader.check((MemorySegment) null, 0, 5));
        assertEquals(-1, TlsRecordHeader.fragmentLength(r, 3, 4));
        assertEquals(2, TlsRecordHeader.fragmentLength(r, 0, 5));
        assertEquals(0x0303, TlsRecordHeader.version(r, 0, 3));
        assertEquals(22, TlsRecordHeader.contentType(r, 0, 1));
    }

    @Test
    void recordsFoundAtAnOffset() {
        byte[] two = new byte[5 + 3 + 5 + 1];
        System.arraycopy(record(22, 3, 1, 3, 3), 0, two, 0, 8);
        System.arraycopy(record(21, 3, 3, 2, 0), 0, two, 8, 5);
        assertEquals(Verdict.COMPLETE, check(two, 0, two.length));
        assertEquals(Verdict.NEED_FRAGMENT, check(two, 8, two.length - 8));
    }

    @Test
    void randomInputsNeverThrowAndAgreeWithAModel() {
        SplittableRandom rnd = new SplittableRandom(8446);
        byte[] b = new byte[16];
        for (int i = 0; i < 500_000; i++) {
            int n = rnd.nextInt(0, 17);
            for (int k = 0; k < n; k++) {
                b[k] = (byte) rnd.nextInt(256);
            }
            // Bias towards plausible headers so that every branch is taken.
            if (rnd.nextInt(4) == 0 && n >= 3) {
                b[0] = (byte) rnd.nextInt(19, 25);
                b[1] = 3;
                b[2] = (byte) rnd.nextInt(0, 5);
            }
            int offset = rnd.nextInt(-2, 18);
            int length = rnd.nextInt(-2, 20);
            Verdict v = check(java.util.Arrays.copyOf(b, n), offset, length);
            assertEquals(model(java.util.Arrays.copyOf(b, n), offset, length), v);
        }
    }

    /** The same rules written plainly. */
    private static Verdict model(byte[] b, int offset, int length) {
        if (offset < 0 || length <= 0 || offset >= b.length) {
            return Verdict.NEED_HEADER;
        }
        int avail = Math.min(length, b.length - offset);
        int t = b[offset] & 0xff;
        if (t < 20 || t > 23) {
            return Verdict.BAD_CONTENT_TYPE;
        }
        if (avail < 2) {
            return Verdict.NEED_HEADER;
        }
        if ((b[offset + 1] & 0xff) != 3) {
            return Verdict.BAD_VERSION;
        }
        if (avail < 3) {
            return Verdict.NEED_HEADER;
        }
        if ((b[offset + 2] & 0xff) > 3) {
            return Verdict.BAD_VERSION;
        }
        if (avail < 5) {
            return Verdict.NEED_HEADER;
        }
        int len = (b[offset + 3] & 0xff) << 8 | (b[offset + 4] & 0xff);
        if (len > 18432) {
            return Verdict.OVERSIZED;
        }
        if (len == 0 && t != 23) {
            return Verdict.EMPTY_FRAGMENT;
        }
        return avail >= 5 + len ? Verdict.COMPLETE : Verdict.NEED_FRAGMENT;
    }

    @Test
    void problemsAreProblems() {
        assertFalse(Verdict.COMPLETE.isProblem());
        assertFalse(Verdict.NEED_HEADER.isProblem());
        assertFalse(Verdict.NEED_FRAGMENT.isProblem());
        assertTrue(Verdict.OVERSIZED.isProblem());
        assertTrue(Verdict.BAD_VERSION.isProblem());
        assertTrue(Verdict.EMPTY_FRAGMENT.isProblem());
    }
}
