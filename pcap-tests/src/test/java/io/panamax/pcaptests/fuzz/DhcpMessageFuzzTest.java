package io.panamax.pcaptests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.panamax.ip.dhcp.DhcpMessage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DhcpMessage#parse} on any bytes and any claimed length never throws and names a problem or
 * a message; a message it accepts is written back by {@link DhcpMessage#emit} into bytes that parse
 * to the same message (the options it knows survive, in its own order).
 */
class DhcpMessageFuzzTest {

    @FuzzTest
    void parseNeverThrowsAndWhatItAcceptsRoundTrips(byte[] input) {
        FuzzBytes in = FuzzBytes.of(input, 0);
        int offset = in.offset();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = in.place(arena);
            DhcpMessage.Parsed p = DhcpMessage.parse(seg, offset, Math.max(0, in.claimed()));
            assertNotNull(p.problem());
            if (!p.ok()) {
                return;
            }
            DhcpMessage m = p.message();
            int type = m.options().messageType();
            assertTrue(type >= DhcpMessage.DHCPDISCOVER && type <= DhcpMessage.DHCPINFORM, "message type " + type);
            byte[] out = new byte[m.length()];
            assertEquals(out.length, m.emit(MemorySegment.ofArray(out), 0));
            DhcpMessage.Parsed again = DhcpMessage.parse(MemorySegment.ofArray(out), 0, out.length);
            assertTrue(again.ok(), "an emitted message parses: " + again.problem());
            assertEquals(m, again.message());
        }
    }
}
