package io.panamax.pcaptests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.panamax.ip.wire.Ipv4Header;
import io.panamax.ip.wire.Ipv4Option;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Ipv4Header#validate} on any bytes never throws; an accepted header lies within the bytes,
 * its total length within what the caller says the packet holds, its fragment ends by byte 65535, and its options iterate (safely, even on
 * a rejected header whose bytes are there) to an end in at most 40 steps, each option inside the
 * header. Filling the checksum makes any header's checksum verify.
 */
class Ipv4HeaderFuzzTest {

    @FuzzTest
    void validateAndTheOptionIteratorKeepTheirPromises(byte[] input) {
        FuzzBytes in = FuzzBytes.of(input, 0);
        int offset = in.offset();
        int claimed = in.claimed();
        boolean verify = in.flag();
        byte[] datagram = in.data();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = in.place(arena);
            Ipv4Header.Problem p = Ipv4Header.validate(seg, offset, claimed, verify);
            assertNotNull(p);
            int ihlBytes = datagram.length > 0 ? (datagram[0] & 0x0f) * 4 : 0;
            if (datagram.length >= Ipv4Header.MIN_HEADER_LENGTH && ihlBytes >= Ipv4Header.MIN_HEADER_LENGTH
                    && ihlBytes <= datagram.length) {
                // The iterator promises safety on any header whose bytes are there, valid or not.
                int steps = 0;
                for (int pos = Ipv4Header.firstOption(seg, offset); pos >= 0; pos = Ipv4Header.nextOption(seg, offset, pos)) {
                    assertTrue(++steps <= 40, "the option iteration ends");
                    assertTrue(pos >= Ipv4Header.OFFSET_OPTIONS && pos < ihlBytes, "option at " + pos + " inside the header");
                    int len = Ipv4Header.optionLength(seg, offset, pos);
                    assertTrue(len >= 1 && pos + len <= ihlBytes, "option of " + len + " bytes at " + pos + " inside the header");
                }
                Ipv4Header.fillChecksum(seg, offset);
                assertTrue(Ipv4Header.checksumValid(seg, offset), "a filled checksum verifies");
            }
            if (p != Ipv4Header.Problem.NONE) {
                return;
            }
            // The header must lie in the segment; the rest of the datagram only within what the
            // caller says the packet holds (later fragments of a packet are not in this segment).
            int header = Ipv4Header.headerLength(seg, offset);
            int total = Ipv4Header.totalLength(seg, offset);
            assertEquals(Ipv4Header.VERSION, Ipv4Header.version(seg, offset));
            assertTrue(header >= Ipv4Header.MIN_HEADER_LENGTH && header <= datagram.length && header <= total && total <= claimed,
                    "header " + header + " <= total " + total + " <= claimed " + claimed + ", header within " + datagram.length);
            assertTrue(Ipv4Header.fragmentOffsetBytes(seg, offset) + total - header <= Ipv4Header.MAX_TOTAL_LENGTH);
            if (Ipv4Header.moreFragments(seg, offset)) {
                assertTrue(total > header && (total - header) % 8 == 0, "a non-last fragment carries whole 8-byte units");
            }
            for (int pos = Ipv4Header.firstOption(seg, offset); pos >= 0; pos = Ipv4Header.nextOption(seg, offset, pos)) {
                assertEquals(Ipv4Option.Problem.NONE, Ipv4Option.check(seg, offset, pos, header), "an accepted header's options check");
            }
        }
    }
}
