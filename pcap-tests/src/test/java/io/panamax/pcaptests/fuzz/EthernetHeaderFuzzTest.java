package io.panamax.pcaptests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.panamax.ethernet.wire.EtherType;
import io.panamax.ethernet.wire.EthernetHeader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link EthernetHeader#validate} on any bytes, any claimed length and any offset never throws,
 * and a frame it accepts has a whole header (with its tags) within the bytes it was told of,
 * which the accessors then read without leaving the segment.
 */
class EthernetHeaderFuzzTest {

    @FuzzTest
    void validateAcceptsOnlyWholeHeadersAndNeverThrows(byte[] input) {
        FuzzBytes in = FuzzBytes.of(input, 0);
        int offset = in.offset();
        int claimed = in.claimed();
        byte[] frame = in.data();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = in.place(arena);
            EthernetHeader.Problem p = EthernetHeader.validate(seg, offset, claimed);
            assertNotNull(p);
            if (p != EthernetHeader.Problem.NONE) {
                return;
            }
            int available = Math.min(claimed, frame.length);
            int header = EthernetHeader.headerLength(seg, offset);
            assertTrue(header >= EthernetHeader.HEADER_LENGTH && header <= EthernetHeader.MAX_HEADER_LENGTH, "header " + header);
            assertTrue(header <= available, "header " + header + " within the " + available + " bytes given");
            int tags = EthernetHeader.tagCount(seg, offset);
            assertTrue(tags <= EthernetHeader.MAX_VLAN_TAGS);
            int inner = EthernetHeader.innerEtherType(seg, offset);
            assertTrue(!EtherType.isVlanTag(inner) || tags == EthernetHeader.MAX_VLAN_TAGS, "the inner type is no tag");
            if (EthernetHeader.isLengthFramed(seg, offset)) {
                assertTrue(inner <= EtherType.MAX_LENGTH && inner <= available - header, "an 802.3 length within the frame");
            }
            EthernetHeader.outerVlanId(seg, offset);
            EthernetHeader.innerVlanId(seg, offset);
            EthernetHeader.destination(seg, offset);
            EthernetHeader.source(seg, offset);
        }
    }
}
