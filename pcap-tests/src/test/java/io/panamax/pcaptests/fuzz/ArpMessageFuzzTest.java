package io.panamax.pcaptests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.panamax.ethernet.wire.ArpMessage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ArpMessage#validate} on any bytes never throws and accepts only a whole Ethernet/IPv4
 * request or reply; turning an accepted request into its reply gives a message that validates,
 * with the addresses swapped as RFC 826 says.
 */
class ArpMessageFuzzTest {

    @FuzzTest
    void validateAndReplyKeepTheirPromises(byte[] input) {
        FuzzBytes in = FuzzBytes.of(input, 6);
        int offset = in.offset();
        int claimed = in.claimed();
        long localMac = ((long) in.extraInt(0) << 16 | (in.extra()[4] & 0xff) << 8 | (in.extra()[5] & 0xff)) & 0xfeff_ffff_ffffL;
        byte[] message = in.data();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = in.place(arena);
            ArpMessage.Problem p = ArpMessage.validate(seg, offset, claimed);
            assertNotNull(p);
            if (p != ArpMessage.Problem.NONE) {
                return;
            }
            assertTrue(Math.min(claimed, message.length) >= ArpMessage.LENGTH, "a whole message");
            assertEquals(ArpMessage.HARDWARE_TYPE_ETHERNET, ArpMessage.hardwareType(seg, offset));
            assertEquals(ArpMessage.PROTOCOL_TYPE_IPV4, ArpMessage.protocolType(seg, offset));
            int op = ArpMessage.operation(seg, offset);
            assertTrue(op == ArpMessage.OPERATION_REQUEST || op == ArpMessage.OPERATION_REPLY);
            if (op != ArpMessage.OPERATION_REQUEST) {
                return;
            }
            long requesterMac = ArpMessage.senderHardwareAddress(seg, offset);
            int requesterIp = ArpMessage.senderProtocolAddress(seg, offset);
            int requestedIp = ArpMessage.targetProtocolAddress(seg, offset);
            ArpMessage.turnIntoReply(seg, offset, localMac);
            assertEquals(ArpMessage.Problem.NONE, ArpMessage.validate(seg, offset, claimed), "the reply validates");
            assertEquals(ArpMessage.OPERATION_REPLY, ArpMessage.operation(seg, offset));
            assertEquals(localMac, ArpMessage.senderHardwareAddress(seg, offset));
            assertEquals(requestedIp, ArpMessage.senderProtocolAddress(seg, offset));
            assertEquals(requesterMac, ArpMessage.targetHardwareAddress(seg, offset));
            assertEquals(requesterIp, ArpMessage.targetProtocolAddress(seg, offset));
        }
    }
}
