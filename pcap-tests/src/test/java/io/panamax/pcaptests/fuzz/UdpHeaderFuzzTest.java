package io.panamax.pcaptests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.panamax.ip.wire.UdpHeader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link UdpHeader#validate} on any bytes and any IP payload length never throws and accepts only
 * a length field between 8 and the IP payload; a filled checksum verifies and is never 0 (which
 * would mean "none", RFC 768).
 */
class UdpHeaderFuzzTest {

    @FuzzTest
    void validateAndChecksumKeepTheirPromises(byte[] input) {
        FuzzBytes in = FuzzBytes.of(input, 8);
        int offset = in.offset();
        int ipPayload = in.claimed();
        int src = in.extraInt(0);
        int dst = in.extraInt(4);
        boolean verify = in.flag();
        byte[] datagram = in.data();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = in.place(arena);
            UdpHeader.Problem p = UdpHeader.validate(seg, offset, ipPayload, src, dst, verify);
            assertNotNull(p);
            if (p != UdpHeader.Problem.NONE) {
                return;
            }
            int length = UdpHeader.length(seg, offset);
            assertTrue(length >= UdpHeader.HEADER_LENGTH && length <= ipPayload, "length " + length + " in [8, " + ipPayload + "]");
            if (length <= datagram.length) {
                UdpHeader.fillChecksum(seg, offset, length, src, dst);
                assertNotEquals(UdpHeader.CHECKSUM_NONE, UdpHeader.checksum(seg, offset));
                assertTrue(UdpHeader.checksumValid(seg, offset, length, src, dst), "a filled checksum verifies");
            }
        }
    }
}
