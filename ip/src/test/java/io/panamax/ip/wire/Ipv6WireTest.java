package io.panamax.ip.wire;

import io.panamax.ip.IpProtocol;
import io.panamax.ip.Ipv6Address;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The IPv6 codecs on packets built here, one rule of RFC 8200, 5095, 6946, 4443 and 4861 each. */
class Ipv6WireTest {
    private static final long[] SRC = Ipv6Address.parse("fe80::1");
    private static final long[] DST = Ipv6Address.parse("fd00:7::2");

    /** An IPv6 header with next header {@code first}, followed by {@code extensions} (hex) and 8 bytes of UDP. */
    private static byte[] packet(int first, String extensions) {
        byte[] ext = HexFormat.of().parseHex(extensions.replace(" ", ""));
        byte[] b = new byte[40 + ext.length + 8];
        MemorySegment seg = MemorySegment.ofArray(b);
        Ipv6Header.write(seg, 0, ext.length + 8, first, 64, SRC[0], SRC[1], DST[0], DST[1]);
        System.arraycopy(ext, 0, b, 40, ext.length);
        return b;
    }

    private static long walk(byte[] b) {
        return Ipv6Extensions.walk(MemorySegment.ofArray(b), 0, b.length);
    }

    @Test
    void headerFieldsRoundTripAndValidate() {
        byte[] b = packet(IpProtocol.UDP, "");
        MemorySegment seg = MemorySegment.ofArray(b);
        assertEquals(Ipv6Header.Problem.NONE, Ipv6Header.validate(seg, 0, b.length));
        assertEquals(6, Ipv6Header.version(seg, 0));
        assertEquals(8, Ipv6Header.payloadLength(seg, 0));
        assertEquals("fd00:7::2", Ipv6Address.toString(Ipv6Header.destinationHigh(seg, 0), Ipv6Header.destinationLow(seg, 0)));
        assertEquals(Ipv6Header.Problem.TRUNCATED, Ipv6Header.validate(seg, 0, 39));
        assertEquals(Ipv6Header.Problem.BAD_PAYLOAD_LENGTH, Ipv6Header.validate(seg, 0, 47));
        b[0] = 0x40;
        assertEquals(Ipv6Header.Problem.BAD_VERSION, Ipv6Header.validate(seg, 0, b.length));
    }

    @Test
    void optionsArePassedSkippedOrRefusedByTheirActionBits() {
        // Hop-by-hop: router alert, PadN → UDP at 48.
        long r = walk(packet(Ipv6Extensions.HOP_BY_HOP, "11 00 05 02 0000 01 00"));
        assertEquals(Ipv6Extensions.Problem.NONE, Ipv6Extensions.problem(r));
        assertEquals(IpProtocol.UDP, Ipv6Extensions.protocol(r));
        assertEquals(48, Ipv6Extensions.upperLayerOffset(r));
        assertEquals(40, Ipv6Extensions.pointer(r), "the next header field that named UDP");
        // Unknown option 0x1e (action 00): skipped.
        assertEquals(Ipv6Extensions.Problem.NONE, Ipv6Extensions.problem(walk(packet(Ipv6Extensions.DESTINATION_OPTIONS, "11 00 1e 04 00000000"))));
        // 0x5e (01): discard silently; 0x9e (10): parameter problem code 2 at the option; 0xde (11): not for multicast.
        long discard = walk(packet(Ipv6Extensions.DESTINATION_OPTIONS, "11 00 5e 04 00000000"));
        assertEquals(Ipv6Extensions.Problem.UNKNOWN_OPTION_DISCARD, Ipv6Extensions.problem(discard));
        assertEquals(-1, Ipv6Extensions.parameterProblemCode(Ipv6Extensions.problem(discard), false));
        long refuse = walk(packet(Ipv6Extensions.DESTINATION_OPTIONS, "11 00 9e 04 00000000"));
        assertEquals(Ipv6Extensions.Problem.UNKNOWN_OPTION, Ipv6Extensions.problem(refuse));
        assertEquals(42, Ipv6Extensions.pointer(refuse));
        assertEquals(Icmpv6Message.CODE_UNRECOGNIZED_OPTION, Ipv6Extensions.parameterProblemCode(Ipv6Extensions.problem(refuse), false));
        long unlessMulticast = walk(packet(Ipv6Extensions.DESTINATION_OPTIONS, "11 00 de 04 00000000"));
        assertEquals(-1, Ipv6Extensions.parameterProblemCode(Ipv6Extensions.problem(unlessMulticast), true));
        assertEquals(Icmpv6Message.CODE_UNRECOGNIZED_OPTION, Ipv6Extensions.parameterProblemCode(Ipv6Extensions.problem(unlessMulticast), false));
        // An option running past its header.
        assertEquals(Ipv6Extensions.Problem.BAD_OPTION_LENGTH, Ipv6Extensions.problem(walk(packet(Ipv6Extensions.DESTINATION_OPTIONS, "11 00 01 09 00000000"))));
    }

    @Test
    void hopByHopOnlyFirst() {
        long r = walk(packet(Ipv6Extensions.DESTINATION_OPTIONS, "00 00 01 04 00000000 11 00 01 04 00000000"));
        assertEquals(Ipv6Extensions.Problem.HOP_BY_HOP_NOT_FIRST, Ipv6Extensions.problem(r));
        assertEquals(40, Ipv6Extensions.pointer(r), "points at the next header field naming it");
        assertEquals(Icmpv6Message.CODE_UNRECOGNIZED_NEXT_HEADER, Ipv6Extensions.parameterProblemCode(Ipv6Extensions.problem(r), false));
    }

    @Test
    void routingHeadersAreIgnoredWhenDoneAndRefusedOtherwise() {
        // Type 0 with segments left 0: ignored (RFC 5095 via RFC 8200 4.4).
        assertEquals(IpProtocol.UDP, Ipv6Extensions.protocol(walk(packet(Ipv6Extensions.ROUTING, "11 02 00 00 00000000 " + "00".repeat(16)))));
        // Type 0 with one segment left: parameter problem code 0 at the routing type.
        long r = walk(packet(Ipv6Extensions.ROUTING, "11 02 00 01 00000000 " + "00".repeat(16)));
        assertEquals(Ipv6Extensions.Problem.ROUTING_TYPE_0, Ipv6Extensions.problem(r));
        assertEquals(42, Ipv6Extensions.pointer(r));
        assertEquals(Icmpv6Message.CODE_ERRONEOUS_HEADER_FIELD, Ipv6Extensions.parameterProblemCode(Ipv6Extensions.problem(r), false));
        assertEquals(Ipv6Extensions.Problem.ROUTING_SEGMENTS_LEFT,
                Ipv6Extensions.problem(walk(packet(Ipv6Extensions.ROUTING, "11 02 04 01 00000000 " + "00".repeat(16)))));
    }

    @Test
    void atomicFragmentsAreSteppedOverAndRealOnesStopTheWalk() {
        long atomic = walk(packet(Ipv6Extensions.FRAGMENT, "11 00 0000 12345678"));
        assertEquals(IpProtocol.UDP, Ipv6Extensions.protocol(atomic));
        assertEquals(48, Ipv6Extensions.upperLayerOffset(atomic));
        byte[] b = packet(Ipv6Extensions.FRAGMENT, "11 00 0009 12345678");
        long r = walk(b);
        assertEquals(Ipv6Extensions.FRAGMENT, Ipv6Extensions.protocol(r));
        assertEquals(40, Ipv6Extensions.upperLayerOffset(r));
        MemorySegment seg = MemorySegment.ofArray(b);
        assertEquals(8, Ipv6Extensions.fragmentOffsetBytes(seg, 0, 40));
        assertTrue(Ipv6Extensions.moreFragments(seg, 0, 40));
        assertEquals(0x12345678L, Ipv6Extensions.identification(seg, 0, 40));
        assertEquals(IpProtocol.UDP, Ipv6Extensions.fragmentNextHeader(seg, 0, 40));
    }

    @Test
    void unknownNextHeaderPointsAtTheFieldNamingIt() {
        long r = walk(packet(Ipv6Extensions.DESTINATION_OPTIONS, "fd 00 01 04 00000000"));
        assertEquals(Ipv6Extensions.Problem.NONE, Ipv6Extensions.problem(r));
        assertEquals(0xfd, Ipv6Extensions.protocol(r));
        assertEquals(40, Ipv6Extensions.pointer(r));
        assertEquals(Ipv6Extensions.Problem.TRUNCATED, Ipv6Extensions.problem(walk(packet(Ipv6Extensions.DESTINATION_OPTIONS, "11 02 01 04"))));
    }

    @Test
    void neighborDiscoveryWritersMakeValidMessagesWithValidChecksums() {
        byte[] b = new byte[40 + 64];
        MemorySegment seg = MemorySegment.ofArray(b);
        long[] target = Ipv6Address.parse("fd00:7::2");
        long mac = 0x02_00_00_00_07_02L;
        int n = NdpMessage.writeNeighborAdvertisement(seg, 40, NdpMessage.FLAG_SOLICITED | NdpMessage.FLAG_OVERRIDE, target[0], target[1], mac);
        assertEquals(32, n);
        Ipv6Header.write(seg, 0, n, IpProtocol.ICMPV6, NdpMessage.HOP_LIMIT, target[0], target[1], SRC[0], SRC[1]);
        Icmpv6Message.fillChecksum(seg, 40, n, Icmpv6Message.pseudoHeaderSum(seg, 0, n));
        assertEquals(Icmpv6Message.Problem.NONE, Icmpv6Message.validate(seg, 40, n, Icmpv6Message.pseudoHeaderSum(seg, 0, n), true));
        assertEquals(NdpMessage.Problem.NONE, NdpMessage.validate(seg, 40, n, 255, target[0], target[1], SRC[0], SRC[1]));
        assertEquals(NdpMessage.Problem.BAD_HOP_LIMIT, NdpMessage.validate(seg, 40, n, 64, target[0], target[1], SRC[0], SRC[1]));
        assertEquals(NdpMessage.Problem.SOLICITED_TO_MULTICAST,
                NdpMessage.validate(seg, 40, n, 255, target[0], target[1], Ipv6Address.ALL_NODES_HIGH, Ipv6Address.ALL_NODES_LOW));
        int o = NdpMessage.firstOption(seg, 40, n);
        assertEquals(NdpMessage.OPTION_TARGET_LINK_LAYER_ADDRESS, NdpMessage.optionType(seg, 40, o));
        assertEquals(mac, NdpMessage.linkLayerAddress(seg, 40, o));
        assertEquals(-1, NdpMessage.nextOption(seg, 40, n, o));
        // A zero-length option is refused (it would loop a receiver).
        b[40 + 25] = 0;
        assertEquals(NdpMessage.Problem.BAD_OPTION_LENGTH, NdpMessage.validate(seg, 40, n, 255, target[0], target[1], SRC[0], SRC[1]));
        // DAD: an NS from :: must go to the solicited-node group and carry no source link-layer option.
        int ns = NdpMessage.writeNeighborSolicitation(seg, 40, target[0], target[1], -1);
        assertEquals(NdpMessage.Problem.NONE, NdpMessage.validate(seg, 40, ns, 255, 0, 0,
                Ipv6Address.SOLICITED_NODE_HIGH, Ipv6Address.solicitedNodeLow(target[1])));
        assertEquals(NdpMessage.Problem.BAD_UNSPECIFIED_SOURCE, NdpMessage.validate(seg, 40, ns, 255, 0, 0, DST[0], DST[1]));
    }

    @Test
    void echoReplyKeepsTheChecksumValid() {
        byte[] b = new byte[40 + 16];
        MemorySegment seg = MemorySegment.ofArray(b);
        Ipv6Header.write(seg, 0, 16, IpProtocol.ICMPV6, 64, SRC[0], SRC[1], DST[0], DST[1]);
        Icmpv6Message.write(seg, 40, Icmpv6Message.TYPE_ECHO_REQUEST, 0, 0x1234_0001);
        Icmpv6Message.fillChecksum(seg, 40, 16, Icmpv6Message.pseudoHeaderSum(seg, 0, 16));
        Icmpv6Message.turnIntoEchoReply(seg, 40);
        assertEquals(Icmpv6Message.TYPE_ECHO_REPLY, Icmpv6Message.type(seg, 40));
        assertEquals(Icmpv6Message.Problem.NONE, Icmpv6Message.validate(seg, 40, 16, Icmpv6Message.pseudoHeaderSum(seg, 0, 16), true));
        b[50] ^= 1;
        assertEquals(Icmpv6Message.Problem.BAD_CHECKSUM, Icmpv6Message.validate(seg, 40, 16, Icmpv6Message.pseudoHeaderSum(seg, 0, 16), true));
    }

    @Test
    void addresses() {
        assertEquals("fe80::ff:fe00:702", Ipv6Address.toString(Ipv6Address.LINK_LOCAL_HIGH, Ipv6Address.interfaceIdentifier(0x02_00_00_00_07_02L)));
        assertEquals("fe80::211:22ff:fe33:4455", Ipv6Address.toString(Ipv6Address.LINK_LOCAL_HIGH, Ipv6Address.interfaceIdentifier(0x00_11_22_33_44_55L)));
        assertEquals("ff02::1:ff00:2", Ipv6Address.toString(Ipv6Address.SOLICITED_NODE_HIGH, Ipv6Address.solicitedNodeLow(DST[1])));
        assertEquals(0x3333_ff00_0002L, Ipv6Address.multicastMac(Ipv6Address.solicitedNodeLow(DST[1])));
        assertEquals("2001:db8::1:0:0:1", Ipv6Address.toString(Ipv6Address.parse("2001:db8:0:0:1:0:0:1")[0], Ipv6Address.parse("2001:db8:0:0:1:0:0:1")[1]));
        assertEquals("::", Ipv6Address.toString(0, 0));
        assertTrue(Ipv6Address.isLinkLocal(SRC[0]));
        assertFalse(Ipv6Address.isLinkLocal(DST[0]));
        assertTrue(Ipv6Address.Prefix.parse("fd00:7::2/64").contains(DST[0], 99));
        assertFalse(Ipv6Address.Prefix.parse("fd00:7::2/64").contains(SRC[0], SRC[1]));
    }
}
