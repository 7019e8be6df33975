package io.panamax.pcaptests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.panamax.tcp.wire.TcpHeader;
import io.panamax.tcp.wire.TcpOptions;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TcpHeader#check} on any bytes and any segment length never throws; an accepted header is
 * 20 to 60 bytes within the segment, with non-zero ports; its option area then parses
 * ({@link TcpOptions#parse}) without throwing, whatever it holds.
 */
class TcpHeaderFuzzTest {
    private final TcpOptions options = new TcpOptions();

    @FuzzTest
    void checkAndTheOptionAreaKeepTheirPromises(byte[] input) {
        FuzzBytes in = FuzzBytes.of(input, 0);
        int offset = in.offset();
        int claimed = in.claimed();
        byte[] segment = in.data();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = in.place(arena);
            TcpHeader.Problem p = TcpHeader.check(seg, offset, Math.min(claimed, segment.length));
            if (p != null) {
                return;
            }
            int header = TcpHeader.headerLength(seg, offset);
            assertTrue(header >= TcpHeader.MIN_LENGTH && header <= TcpHeader.MAX_LENGTH && header <= segment.length,
                    "header " + header + " within " + segment.length);
            assertTrue(TcpHeader.sourcePort(seg, offset) != 0 && TcpHeader.destinationPort(seg, offset) != 0);
            options.parse(seg, offset + TcpHeader.OPTIONS, header - TcpHeader.MIN_LENGTH);
            TcpHeader.flagsToString(TcpHeader.flags(seg, offset));
        }
    }
}
