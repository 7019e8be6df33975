package io.panamax.ip;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** RFC 7217 identifiers: stable for the same inputs, different per prefix, per DAD attempt and per secret. */
class SlaacTest {
    private static final byte[] SECRET = "0123456789abcdef-panamax".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final long MAC = 0x02_00_00_00_07_02L;

    @Test
    void stablePrivacyIdentifiers() {
        long a = Slaac.stableIdentifier(0xfd00_0008_0000_0000L, MAC, 0, SECRET);
        assertEquals(a, Slaac.stableIdentifier(0xfd00_0008_0000_0000L, MAC, 0, SECRET), "stable (RFC 7217 §5)");
        assertNotEquals(a, Slaac.stableIdentifier(0xfd00_0009_0000_0000L, MAC, 0, SECRET), "another prefix, another identifier");
        assertNotEquals(a, Slaac.stableIdentifier(0xfd00_0008_0000_0000L, MAC, 1, SECRET), "the DAD counter changes it (§6)");
        assertNotEquals(a, Slaac.stableIdentifier(0xfd00_0008_0000_0000L, MAC + 1, 0, SECRET), "another interface");
        byte[] other = SECRET.clone();
        other[0] ^= 1;
        assertNotEquals(a, Slaac.stableIdentifier(0xfd00_0008_0000_0000L, MAC, 0, other), "another secret");
        assertNotEquals(Ipv6Address.interfaceIdentifier(MAC), a, "not the EUI-64 identifier (opaque: RFC 7217 §5)");
    }
}
