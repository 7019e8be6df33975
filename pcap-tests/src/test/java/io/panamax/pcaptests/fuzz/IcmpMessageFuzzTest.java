package io.panamax.pcaptests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.panamax.ip.wire.IcmpMessage;
import io.panamax.ip.wire.Ipv4Header;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link IcmpMessage#validate} on any bytes never throws; an accepted error message quotes a whole
 * IPv4 header; and an accepted echo request turned into its reply in place (the stack answers
 * ping this way, patching the checksum incrementally) is a reply whose checksum verifies.
 */
class IcmpMessageFuzzTest {

    @FuzzTest
    void validateAndTheEchoReplyKeepTheirPromises(byte[] input) {
        FuzzBytes in = FuzzBytes.of(input, 0);
        int offset = in.offset();
        boolean verify = in.flag();
        byte[] message = in.data();
        // The IP layer reports the message's length: with verification every byte of it must be
        // in the segment; without, the validator reads only the header and the quote, within it.
        int length = verify ? message.length : Math.max(0, Math.min(in.claimed(), message.length));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = in.place(arena);
            IcmpMessage.Problem p = IcmpMessage.validate(seg, offset, length, verify);
            assertNotNull(p);
            if (p != IcmpMessage.Problem.NONE) {
                return;
            }
            assertTrue(length >= IcmpMessage.HEADER_LENGTH);
            int type = IcmpMessage.type(seg, offset);
            if (IcmpMessage.isError(type)) {
                assertTrue(length - IcmpMessage.OFFSET_DATA >= Ipv4Header.headerLength(seg, offset + IcmpMessage.OFFSET_DATA),
                        "an error quotes a whole IPv4 header");
                assertTrue(IcmpMessage.quotedDataLength(seg, offset, length) >= 0);
            }
            if (verify && type == IcmpMessage.TYPE_ECHO_REQUEST) {
                IcmpMessage.turnEchoRequestIntoReply(seg, offset);
                assertEquals(IcmpMessage.TYPE_ECHO_REPLY, IcmpMessage.type(seg, offset));
                assertEquals(IcmpMessage.Problem.NONE, IcmpMessage.validate(seg, offset, length, true),
                        "the reply to a valid request has a valid checksum");
            }
        }
    }
}
