package io.panamax.pcaptests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.panamax.ip.wire.Ipv6Extensions;
import io.panamax.ip.wire.Ipv6Header;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Ipv6Header#validate} and {@link Ipv6Extensions#walk} on any bytes never throw; a walk that
 * names no problem ends at an upper-layer header inside the packet, after the fixed header, with a
 * pointer at an earlier next header field; a fragment's header lies whole inside the packet; the
 * pointer of a problem that calls for an ICMPv6 parameter problem lies inside the packet too.
 */
class Ipv6HeaderWalkFuzzTest {

    @FuzzTest
    void validateAndTheWalkKeepTheirPromises(byte[] input) {
        FuzzBytes in = FuzzBytes.of(input, 0);
        int offset = in.offset();
        int claimed = in.claimed();
        byte[] packet = in.data();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = in.place(arena);
            Ipv6Header.Problem p = Ipv6Header.validate(seg, offset, claimed);
            assertNotNull(p);
            if (packet.length < Ipv6Header.HEADER_LENGTH) {
                return;
            }
            // The walk promises safety on any bytes with a fixed header, valid or not, and any length.
            int length = p == Ipv6Header.Problem.NONE
                    ? Ipv6Header.HEADER_LENGTH + Ipv6Header.payloadLength(seg, offset) : Math.max(0, claimed);
            long r = Ipv6Extensions.walk(seg, offset, length);
            int end = Math.min(length, packet.length);
            Ipv6Extensions.Problem problem = Ipv6Extensions.problem(r);
            assertNotNull(problem);
            int upper = Ipv6Extensions.upperLayerOffset(r);
            int pointer = Ipv6Extensions.pointer(r);
            // A pointer that goes into a parameter problem points at a byte of the packet; a
            // truncation's says where the walk stopped, which may be the packet's end.
            boolean reported = Ipv6Extensions.parameterProblemCode(problem, false) >= 0;
            assertTrue(pointer >= 0 && (reported ? pointer < end : pointer <= Math.max(end, Ipv6Header.HEADER_LENGTH)),
                    problem + ": pointer " + pointer + " inside " + end);
            if (problem == Ipv6Extensions.Problem.NONE) {
                assertTrue(upper >= Ipv6Header.HEADER_LENGTH && upper <= end, "upper layer at " + upper + " of " + end);
                assertTrue(pointer < upper, "the field naming the protocol comes before it");
                if (Ipv6Extensions.protocol(r) == Ipv6Extensions.FRAGMENT) {
                    assertTrue(upper + Ipv6Extensions.FRAGMENT_HEADER_LENGTH <= end, "the fragment header is whole");
                    int fo = Ipv6Extensions.fragmentOffsetBytes(seg, offset, upper);
                    assertTrue(fo % 8 == 0 && (fo > 0 || Ipv6Extensions.moreFragments(seg, offset, upper)), "not atomic");
                } else {
                    assertEquals(pointer == Ipv6Header.OFFSET_NEXT_HEADER ? Ipv6Header.nextHeader(seg, offset)
                            : Byte.toUnsignedInt(packet[pointer]), Ipv6Extensions.protocol(r), "the pointer names the protocol");
                }
            }
        }
    }
}
