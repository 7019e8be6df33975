package io.panamax.pcaptests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.panamax.tcp.wire.TcpOptions;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TcpOptions#parse} on any bytes, offset and length (negative, past the end) never throws;
 * what it accepts is within the RFCs' ranges, and writing the parsed values back with the
 * writers the stack sends with parses to the same values (the parser and the writers agree).
 */
class TcpOptionsFuzzTest {
    private final TcpOptions parsed = new TcpOptions();
    private final TcpOptions again = new TcpOptions();

    @FuzzTest
    void parseAcceptsOnlyWhatTheRfcsAllowAndAgreesWithTheWriters(byte[] input) {
        FuzzBytes in = FuzzBytes.of(input, 0);
        // With the flag, the offset handed to the parser is negative: it must refuse, not throw.
        int offset = in.flag() ? -1 - in.offset() : in.offset();
        int claimed = in.claimed();
        byte[] area = in.data();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = in.place(arena);
            if (parsed.parse(seg, offset, claimed) != null) {
                return;
            }
            assertTrue(claimed >= 0 && offset >= 0 && offset + claimed <= seg.byteSize(), "accepted only within the segment");
            assertTrue(parsed.mss >= -1 && parsed.mss <= 0xffff);
            assertTrue(parsed.windowScale >= -1 && parsed.windowScale <= 0xff);
            assertTrue(parsed.sackBlocks >= 0 && parsed.sackBlocks <= TcpOptions.MAX_SACK_BLOCKS);
            parsed.toString();

            MemorySegment out = arena.allocate(64, 1);
            int n = 0;
            if (parsed.mss >= 0) {
                n += TcpOptions.writeMss(out, n, parsed.mss);
            }
            if (parsed.windowScale >= 0) {
                n += TcpOptions.writeNopWindowScale(out, n, parsed.windowScale);
            }
            if (parsed.sackPermitted) {
                n += TcpOptions.writeSackPermitted(out, n);
            }
            if (parsed.hasTimestamps) {
                n += TcpOptions.writeAlignedTimestamps(out, n, parsed.tsVal, parsed.tsEcr);
            }
            if (parsed.sackBlocks > 0 && n + TcpOptions.alignedSackLength(parsed.sackBlocks) <= 64) {
                n += TcpOptions.writeAlignedSack(out, n, parsed.sackLeft, parsed.sackRight, parsed.sackBlocks);
            }
            n = TcpOptions.pad(out, 0, n);
            assertNull(again.parse(out, 0, n), "what the writers wrote parses");
            assertEquals(parsed.mss, again.mss);
            assertEquals(parsed.windowScale, again.windowScale);
            assertEquals(parsed.sackPermitted, again.sackPermitted);
            assertEquals(parsed.hasTimestamps, again.hasTimestamps);
            if (parsed.hasTimestamps) {
                assertEquals(parsed.tsVal, again.tsVal);
                assertEquals(parsed.tsEcr, again.tsEcr);
            }
            if (again.sackBlocks > 0) {
                assertEquals(parsed.sackBlocks, again.sackBlocks);
                assertArrayEquals(java.util.Arrays.copyOf(parsed.sackLeft, parsed.sackBlocks), java.util.Arrays.copyOf(again.sackLeft, again.sackBlocks));
                assertArrayEquals(java.util.Arrays.copyOf(parsed.sackRight, parsed.sackBlocks), java.util.Arrays.copyOf(again.sackRight, again.sackBlocks));
            }
        }
    }
}
