package io.panamax.pcaptests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.panamax.ip.IpProtocol;
import io.panamax.ip.wire.Icmpv6Message;
import io.panamax.ip.wire.Ipv6Extensions;
import io.panamax.ip.wire.Ipv6Header;
import io.panamax.ip.wire.NdpMessage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An IPv6 packet carrying ICMPv6: {@link Icmpv6Message#validate} and {@link NdpMessage#validate}
 * never throw; an accepted ND message's options iterate to an end inside the message, each at
 * least 8 bytes, and their accessors stay inside it; filling the checksum makes it verify.
 */
class NdpMessageFuzzTest {

    @FuzzTest
    void icmpv6AndNdOptionsKeepTheirPromises(byte[] input) {
        FuzzBytes in = FuzzBytes.of(input, 0);
        int offset = in.offset();
        byte[] packet = in.data();
        if (packet.length < Ipv6Header.HEADER_LENGTH) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = in.place(arena);
            int length = Math.min(packet.length, Ipv6Header.HEADER_LENGTH + Ipv6Header.payloadLength(seg, offset));
            long r = Ipv6Extensions.walk(seg, offset, length);
            int at = Ipv6Extensions.upperLayerOffset(r);
            if (Ipv6Extensions.problem(r) != Ipv6Extensions.Problem.NONE || Ipv6Extensions.protocol(r) != IpProtocol.ICMPV6) {
                // Not ICMPv6: judge the bytes after the fixed header as if they were.
                at = Ipv6Header.HEADER_LENGTH;
            }
            int icmpLength = Math.max(0, length - at);
            long icmp = offset + at;
            long pseudo = Icmpv6Message.pseudoHeaderSum(seg, offset, icmpLength);
            assertNotNull(Icmpv6Message.validate(seg, icmp, icmpLength, pseudo, in.flag()));
            NdpMessage.Problem p = NdpMessage.validate(seg, icmp, icmpLength, Ipv6Header.hopLimit(seg, offset),
                    Ipv6Header.sourceHigh(seg, offset), Ipv6Header.sourceLow(seg, offset),
                    Ipv6Header.destinationHigh(seg, offset), Ipv6Header.destinationLow(seg, offset));
            assertNotNull(p);
            if (p != NdpMessage.Problem.NONE) {
                return;
            }
            int steps = 0;
            for (int o = NdpMessage.firstOption(seg, icmp, icmpLength); o >= 0; o = NdpMessage.nextOption(seg, icmp, icmpLength, o)) {
                assertTrue(++steps <= icmpLength / NdpMessage.OPTION_UNIT, "the option iteration ends");
                int len = NdpMessage.optionLength(seg, icmp, o);
                assertTrue(len >= NdpMessage.OPTION_UNIT && o + len <= icmpLength, "option of " + len + " bytes at " + o + " inside " + icmpLength);
                if (NdpMessage.optionWellFormed(seg, icmp, o)) {
                    switch (NdpMessage.optionType(seg, icmp, o)) {
                        case NdpMessage.OPTION_SOURCE_LINK_LAYER_ADDRESS, NdpMessage.OPTION_TARGET_LINK_LAYER_ADDRESS ->
                                NdpMessage.linkLayerAddress(seg, icmp, o);
                        case NdpMessage.OPTION_PREFIX_INFORMATION -> {
                            NdpMessage.prefixHigh(seg, icmp, o);
                            NdpMessage.prefixLow(seg, icmp, o);
                            NdpMessage.validLifetime(seg, icmp, o);
                            NdpMessage.preferredLifetime(seg, icmp, o);
                        }
                        case NdpMessage.OPTION_MTU -> NdpMessage.mtu(seg, icmp, o);
                        default -> {
                        }
                    }
                }
            }
            Icmpv6Message.fillChecksum(seg, icmp, icmpLength, pseudo);
            assertEquals(Icmpv6Message.Problem.NONE, Icmpv6Message.validate(seg, icmp, icmpLength, pseudo, true), "a filled checksum verifies");
        }
    }
}
