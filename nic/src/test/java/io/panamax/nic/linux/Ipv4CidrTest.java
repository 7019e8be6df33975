package io.panamax.nic.linux;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class Ipv4CidrTest {

    @Test
    void parsesDottedQuadsWithPrefixes() {
        Ipv4Cidr c = Ipv4Cidr.parse("10.7.0.1/24");
        assertEquals(0x0a070001, c.address());
        assertEquals(24, c.prefixLength());
        assertEquals(0xffffff00, c.netmask());
        assertEquals("10.7.0.1/24", c.toString());
        assertEquals(32, Ipv4Cidr.parse("192.168.1.255").prefixLength());
        assertEquals(0, Ipv4Cidr.parse("0.0.0.0/0").netmask());
        assertEquals(-1, Ipv4Cidr.parse("1.2.3.4/32").netmask());
        assertEquals("255.255.255.255", Ipv4Cidr.format(-1));
    }

    @Test
    void refusesWhatIsNotALiteral() {
        for (String bad : new String[]{"10.7.0/24", "10.7.0.256/24", "10.7.0.1/33", "localhost", "10.7.0.1/x", "1..2.3", "+1.2.3.4"}) {
            assertThrows(IllegalArgumentException.class, () -> Ipv4Cidr.parse(bad), bad);
        }
    }
}
