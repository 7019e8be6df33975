package io.panamax.tcp.wire;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class TcpHeaderTest {

    @Test
    void fieldsRoundTrip() {
        MemorySegment m = MemorySegment.ofArray(new byte[64]);
        TcpHeader.setSourcePort(m, 4, 65535);
        TcpHeader.setDestinationPort(m, 4, 80);
        TcpHeader.setSequenceNumber(m, 4, 0xdeadbeef);
        TcpHeader.setAcknowledgmentNumber(m, 4, 0x01020304);
        TcpHeader.setHeaderLength(m, 4, 32);
        TcpHeader.setFlags(m, 4, TcpHeader.SYN | TcpHeader.ACK | TcpHeader.CWR);
        TcpHeader.setWindow(m, 4, 0xfedc);
        TcpHeader.setChecksum(m, 4, 0x1234);
        TcpHeader.setUrgentPointer(m, 4, 7);
        assertEquals(65535, TcpHeader.sourcePort(m, 4));
        assertEquals(80, TcpHeader.destinationPort(m, 4));
        assertEquals(0xdeadbeef, TcpHeader.sequenceNumber(m, 4));
        assertEquals(0x01020304, TcpHeader.acknowledgmentNumber(m, 4));
        assertEquals(8, TcpHeader.dataOffset(m, 4));
        assertEquals(32, TcpHeader.headerLength(m, 4));
        assertEquals(TcpHeader.SYN | TcpHeader.ACK | TcpHeader.CWR, TcpHeader.flags(m, 4));
        assertEquals(0xfedc, TcpHeader.window(m, 4));
        assertEquals(0x1234, TcpHeader.checksum(m, 4));
        assertEquals(7, TcpHeader.urgentPointer(m, 4));
        assertNull(TcpHeader.check(m, 4, 40));
        // Byte 12 holds the data offset in its high nibble (RFC 9293 3.1).
        assertEquals(0x80, m.getAtIndex(java.lang.foreign.ValueLayout.JAVA_BYTE, 16) & 0xff);
    }

    @Test
    void problemsAreNamed() {
        MemorySegment m = MemorySegment.ofArray(new byte[60]);
        TcpHeader.setSourcePort(m, 0, 1);
        TcpHeader.setDestinationPort(m, 0, 2);
        TcpHeader.setHeaderLength(m, 0, 20);
        assertEquals(TcpHeader.Problem.TOO_SHORT, TcpHeader.check(m, 0, 19));
        assertEquals(TcpHeader.Problem.TOO_SHORT, TcpHeader.check(m, 50, 20), "segment shorter than the memory says");
        TcpHeader.setHeaderLength(m, 0, 16);
        assertEquals(TcpHeader.Problem.DATA_OFFSET_TOO_SMALL, TcpHeader.check(m, 0, 60));
        TcpHeader.setHeaderLength(m, 0, 44);
        assertEquals(TcpHeader.Problem.DATA_OFFSET_BEYOND_SEGMENT, TcpHeader.check(m, 0, 40));
        assertNull(TcpHeader.check(m, 0, 44));
        TcpHeader.setSourcePort(m, 0, 0);
        assertEquals(TcpHeader.Problem.ZERO_PORT, TcpHeader.check(m, 0, 44));
    }

    @Test
    void checkNeverThrowsOnRandomBytes() {
        Random r = new Random(1);
        for (int i = 0; i < 100_000; i++) {
            byte[] b = new byte[r.nextInt(70)];
            r.nextBytes(b);
            MemorySegment m = MemorySegment.ofArray(b);
            int off = b.length == 0 ? 0 : r.nextInt(b.length);
            TcpHeader.check(m, off, r.nextInt(100) - 10);
            TcpHeader.check(m, 0, b.length);
        }
    }

    @Test
    void sequenceLengthCountsSynAndFin() {
        assertEquals(0, TcpHeader.sequenceLength(TcpHeader.ACK, 0));
        assertEquals(1, TcpHeader.sequenceLength(TcpHeader.SYN, 0));
        assertEquals(11, TcpHeader.sequenceLength(TcpHeader.FIN | TcpHeader.ACK, 10));
        assertEquals("SYN|ACK", TcpHeader.flagsToString(TcpHeader.SYN | TcpHeader.ACK));
    }
}
