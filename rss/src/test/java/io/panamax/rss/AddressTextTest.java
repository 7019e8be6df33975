package io.panamax.rss;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The module's small address parser against the JDK's (on literals, which it never looks up). */
class AddressTextTest {

    @Test
    void ipv6LiteralsParseAsTheJdkParsesThem() throws UnknownHostException {
        for (String text : List.of("::", "::1", "1::", "fe80::200:f8ff:fe21:67cf", "2001:db8:0:0:1:0:0:1",
                "2001:DB8::8:800:200C:417A", "::ffff:192.0.2.1", "64:ff9b::192.0.2.33", "1:2:3:4:5:6:7:8",
                "1:2:3:4:5:6:1.2.3.4", "ff02::1")) {
            assertArrayEquals(sixteenBytes(InetAddress.getByName(text).getAddress()), AddressText.parseIpv6(text), text);
        }
    }

    /** The JDK turns IPv4-mapped IPv6 addresses into IPv4 ones; map them back. */
    private static byte[] sixteenBytes(byte[] jdk) {
        if (jdk.length == 16) {
            return jdk;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(jdk, 0, mapped, 12, 4);
        return mapped;
    }

    @Test
    void badIpv6IsRejected() {
        for (String text : List.of(":", "1:2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8", "12345::",
                "g::1", "1.2.3.4::", "::1.2.3", "1:::2")) {
            assertThrows(IllegalArgumentException.class, () -> AddressText.parseIpv6(text), text);
        }
    }

    @Test
    void ipv4RoundTrips() {
        assertEquals(0x420995bb, AddressText.parseIpv4("66.9.149.187"));
        assertEquals("66.9.149.187", AddressText.formatIpv4(0x420995bb));
        assertEquals("255.255.255.255", AddressText.formatIpv4(-1));
        for (String text : List.of("1.2.3", "1.2.3.4.5", "1..3.4", "1.2.3.-4", "1.2.3.0400", "a.b.c.d", " 1.2.3.4")) {
            assertThrows(IllegalArgumentException.class, () -> AddressText.parseIpv4(text), text);
        }
    }
}
