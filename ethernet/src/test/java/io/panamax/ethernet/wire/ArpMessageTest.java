package io.panamax.ethernet.wire;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArpMessageTest {
    private static final long MAC_A = 0x0020_d25a_fb3fL;
    private static final long MAC_B = 0x000c_29c5_f69bL;
    private static final int IP_A = 0xac154f61; // 172.21.79.97
    private static final int IP_B = 0xac154f64; // 172.21.79.100

    /** The ARP request inside td-802.1ad_QinQ.pcap's first frame. */
    private static final String REQUEST = "0001 0800 06 04 0001 0020d25afb3f ac154f61 000000000000 ac154f64";

    private static MemorySegment hex(String h) {
        return MemorySegment.ofArray(HexFormat.of().parseHex(h.replace(" ", "")));
    }

    @Test
    void parsesARequest() {
        MemorySegment m = hex(REQUEST);
        assertEquals(ArpMessage.Problem.NONE, ArpMessage.validate(m, 0, 28));
        assertEquals(ArpMessage.HARDWARE_TYPE_ETHERNET, ArpMessage.hardwareType(m, 0));
        assertEquals(EtherType.IPV4, ArpMessage.protocolType(m, 0));
        assertEquals(6, ArpMessage.hardwareLength(m, 0));
        assertEquals(4, ArpMessage.protocolLength(m, 0));
        assertEquals(ArpMessage.OPERATION_REQUEST, ArpMessage.operation(m, 0));
        assertEquals(MAC_A, ArpMessage.senderHardwareAddress(m, 0));
        assertEquals(IP_A, ArpMessage.senderProtocolAddress(m, 0));
        assertEquals(0L, ArpMessage.targetHardwareAddress(m, 0));
        assertEquals(IP_B, ArpMessage.targetProtocolAddress(m, 0));
        assertFalse(ArpMessage.isProbe(m, 0));
        assertFalse(ArpMessage.isGratuitous(m, 0));
    }

    @Test
    void writesWhatItReads() {
        byte[] b = new byte[30];
        MemorySegment m = MemorySegment.ofArray(b);
        assertEquals(28, ArpMessage.writeRequest(m, 2, MAC_A, IP_A, IP_B));
        assertArrayEquals(HexFormat.of().parseHex(REQUEST.replace(" ", "")), m.asSlice(2, 28).toArray(ValueLayout.JAVA_BYTE));
        assertEquals(ArpMessage.Problem.NONE, ArpMessage.validate(m, 2, 28));

        ArpMessage.write(m, 0, ArpMessage.OPERATION_REPLY, MAC_B, IP_B, MAC_A, IP_A);
        assertEquals(ArpMessage.Problem.NONE, ArpMessage.validate(m, 0, 30));
        assertEquals(ArpMessage.OPERATION_REPLY, ArpMessage.operation(m, 0));
        assertEquals(MAC_B, ArpMessage.senderHardwareAddress(m, 0));
        assertEquals(IP_B, ArpMessage.senderProtocolAddress(m, 0));
        assertEquals(MAC_A, ArpMessage.targetHardwareAddress(m, 0));
        assertEquals(IP_A, ArpMessage.targetProtocolAddress(m, 0));
    }

    @Test
    void turnsARequestIntoItsReplyInPlace() {
        MemorySegment m = hex(REQUEST);
        ArpMessage.turnIntoReply(m, 0, MAC_B);
        assertEquals(ArpMessage.Problem.NONE, ArpMessage.validate(m, 0, 28));
        assertEquals(ArpMessage.OPERATION_REPLY, ArpMessage.operation(m, 0));
        assertEquals(MAC_B, ArpMessage.senderHardwareAddress(m, 0));
        assertEquals(IP_B, ArpMessage.senderProtocolAddress(m, 0));
        assertEquals(MAC_A, ArpMessage.targetHardwareAddress(m, 0));
        assertEquals(IP_A, ArpMessage.targetProtocolAddress(m, 0));
        assertEquals(ArpMessage.HARDWARE_TYPE_ETHERNET, ArpMessage.hardwareType(m, 0));
    }

    @Test
    void recognisesProbesAndAnnouncements() {
        MemorySegment m = MemorySegment.ofArray(new byte[28]);
        ArpMessage.writeRequest(m, 0, MAC_A, 0, IP_B);
        assertTrue(ArpMessage.isProbe(m, 0));
        assertFalse(ArpMessage.isGratuitous(m, 0));
        ArpMessage.writeRequest(m, 0, MAC_A, IP_A, IP_A);
        assertTrue(ArpMessage.isGratuitous(m, 0));
        assertFalse(ArpMessage.isProbe(m, 0));
    }

    @Test
    void reportsEachProblemInRfc826Order() {
        MemorySegment m = hex(REQUEST);
        assertEquals(ArpMessage.Problem.TRUNCATED, ArpMessage.validate(m, 0, 7));
        assertEquals(ArpMessage.Problem.TRUNCATED, ArpMessage.validate(m, 0, 27));
        assertEquals(ArpMessage.Problem.TRUNCATED, ArpMessage.validate(hex(REQUEST).asSlice(0, 20), 0, 28));

        ArpMessage.setHardwareType(m, 0, 6); // IEEE 802 networks
        assertEquals(ArpMessage.Problem.UNSUPPORTED_HARDWARE_TYPE, ArpMessage.validate(m, 0, 28));
        ArpMessage.setHardwareType(m, 0, 1);
        ArpMessage.setProtocolType(m, 0, EtherType.IPV6);
        assertEquals(ArpMessage.Problem.UNSUPPORTED_PROTOCOL_TYPE, ArpMessage.validate(m, 0, 28));
        ArpMessage.setProtocolType(m, 0, EtherType.IPV4);
        ArpMessage.setHardwareLength(m, 0, 14);
        assertEquals(ArpMessage.Problem.BAD_HARDWARE_LENGTH, ArpMessage.validate(m, 0, 28));
        ArpMessage.setHardwareLength(m, 0, 6);
        ArpMessage.setProtocolLength(m, 0, 16);
        assertEquals(ArpMessage.Problem.BAD_PROTOCOL_LENGTH, ArpMessage.validate(m, 0, 28));
        ArpMessage.setProtocolLength(m, 0, 4);
        for (int op : new int[] {0, ArpMessage.OPERATION_RARP_REQUEST, ArpMessage.OPERATION_RARP_REPLY, 8, 9, 0xffff}) {
            ArpMessage.setOperation(m, 0, op);
            assertEquals(ArpMessage.Problem.UNSUPPORTED_OPERATION, ArpMessage.validate(m, 0, 28), "op " + op);
        }
        ArpMessage.setOperation(m, 0, ArpMessage.OPERATION_REPLY);
        assertEquals(ArpMessage.Problem.NONE, ArpMessage.validate(m, 0, 28));
    }

    @Test
    void validateNeverThrowsOnArbitraryInput() {
        Random rnd = new Random(903);
        int[] seen = new int[ArpMessage.Problem.values().length];
        byte[] valid = HexFormat.of().parseHex(REQUEST.replace(" ", ""));
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[rnd.nextInt(34)];
            // Start from a valid message and break a few bytes, so every check gets reached.
            System.arraycopy(valid, 0, b, 0, Math.min(b.length, valid.length));
            for (int k = rnd.nextInt(3); k > 0 && b.length > 0; k--) {
                b[rnd.nextInt(Math.min(b.length, 8))] = (byte) rnd.nextInt();
            }
            int available = rnd.nextInt(6) == 0 ? rnd.nextInt() : b.length;
            ArpMessage.Problem p = ArpMessage.validate(MemorySegment.ofArray(b), rnd.nextInt(10) == 0 ? -1 : 0, available);
            assertNotNull(p);
            seen[p.ordinal()]++;
        }
        assertEquals(ArpMessage.Problem.TRUNCATED, ArpMessage.validate(null, 0, 28));
        for (ArpMessage.Problem p : ArpMessage.Problem.values()) {
            assertTrue(seen[p.ordinal()] > 0, "never produced " + p);
        }
    }
}
