package io.panamax.pcaptests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.panamax.tls.wire.TlsRecordHeader;
import io.panamax.tls.wire.TlsRecordHeader.Verdict;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TlsRecordHeader#check} on any bytes, offset and claimed length never throws, and the
 * segment and array overloads agree; a record it calls complete has a known content type, version
 * 3.0-3.3, a fragment of at most {@link TlsRecordHeader#MAX_FRAGMENT} bytes (empty only for
 * application data) within the bytes given; a problem, once seen, stays that problem however many
 * more bytes arrive (a connection may refuse on it at once); and walking a stream record by record
 * on its verdicts, as a connection does, stays within the bytes and ends.
 *
 * <p>Input: {@link FuzzBytes}; the flag makes the offset handed over negative (no bytes at all).
 */
class TlsRecordHeaderFuzzTest {

    @FuzzTest
    void checkAcceptsOnlyWellFormedRecordsAndAProblemIsFinal(byte[] input) {
        FuzzBytes in = FuzzBytes.of(input, 0);
        byte[] data = in.data();
        byte[] array = in.array();
        int offset = in.flag() ? -1 - in.offset() : in.offset();
        int claimed = in.claimed();
        try (Arena arena = Arena.ofConfined()) {
            // The array's bytes exactly, none more: FuzzBytes.place gives no data a segment of one
            // byte, which the segment overload would read where the array has nothing.
            MemorySegment seg = arena.allocate(array.length, 1);
            MemorySegment.copy(array, 0, seg, ValueLayout.JAVA_BYTE, 0, array.length);
            Verdict v = TlsRecordHeader.check(seg, offset, claimed);
            assertNotNull(v);
            assertEquals(v, TlsRecordHeader.check(array, offset, claimed), "the segment and array overloads agree");
            int available = offset < 0 ? 0 : Math.max(0, Math.min(claimed, data.length));
            int fragment = TlsRecordHeader.fragmentLength(array, offset, claimed);
            assertEquals(fragment, TlsRecordHeader.fragmentLength(seg, offset, claimed));
            switch (v) {
                case COMPLETE -> {
                    int type = TlsRecordHeader.contentType(array, offset, claimed);
                    int version = TlsRecordHeader.version(array, offset, claimed);
                    assertTrue(type >= TlsRecordHeader.CHANGE_CIPHER_SPEC && type <= TlsRecordHeader.APPLICATION_DATA, "type " + type);
                    assertTrue(version >= 0x0300 && version <= 0x0303, "version " + version);
                    assertTrue(fragment <= TlsRecordHeader.MAX_FRAGMENT, "fragment " + fragment);
                    assertTrue(fragment > 0 || type == TlsRecordHeader.APPLICATION_DATA, "empty only for application data");
                    assertTrue(TlsRecordHeader.LENGTH + fragment <= available, "the whole record within the bytes given");
                }
                case NEED_HEADER -> assertTrue(available < TlsRecordHeader.LENGTH, "a header is missing only when fewer than 5 bytes");
                case NEED_FRAGMENT -> assertTrue(available >= TlsRecordHeader.LENGTH && available < TlsRecordHeader.LENGTH + fragment);
                default -> assertTrue(v.isProblem());
            }
            if (offset < 0) {
                assertEquals(Verdict.NEED_HEADER, v, "a window before the bytes holds none of them");
                return;
            }
            Verdict first = null;
            for (int n = 0; n <= data.length; n++) {
                Verdict w = TlsRecordHeader.check(array, offset, n);
                if (first != null) {
                    assertEquals(first, w, "a problem stays with more bytes (" + n + ")");
                } else if (w.isProblem()) {
                    first = w;
                }
            }
            walk(array, offset, available);
        }
    }

    /** Record by record while each is complete, as a connection reads its stream. */
    private static void walk(byte[] array, int offset, int available) {
        int at = offset;
        int end = offset + available;
        int records = 0;
        while (TlsRecordHeader.check(array, at, end - at) == Verdict.COMPLETE) {
            at += TlsRecordHeader.LENGTH + TlsRecordHeader.fragmentLength(array, at, end - at);
            assertTrue(at <= end, "a complete record ends within the stream");
            assertTrue(++records <= available / TlsRecordHeader.LENGTH, "every record takes at least its header");
        }
    }
}
