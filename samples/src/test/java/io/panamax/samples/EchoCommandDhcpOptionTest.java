package io.panamax.samples;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --ip dhcp}: no address until a server leases one; a gateway comes from the lease, not the command line. */
class EchoCommandDhcpOptionTest {

    private static EchoCommand.EchoSettings settings(String... args) {
        return EchoCommand.EchoSettings.from(Options.parse(args, Set.of("ip", "gateway", "host-ip"), Set.of()));
    }

    @Test
    void dhcpLeavesTheAddressToTheServer() {
        assertNull(settings("--ip", "dhcp").ip());
        assertEquals("10.7.0.2/24", settings().ip().toString());
    }

    @Test
    void aGatewayWithDhcpIsRefused() {
        UsageException e = assertThrows(UsageException.class, () -> settings("--ip", "dhcp", "--gateway", "10.7.0.1"));
        assertTrue(e.getMessage().contains("DHCP"), e.getMessage());
    }

    @Test
    void helpNamesDhcp() {
        EchoCommandOptionsTest.Run r = EchoCommandOptionsTest.main("echo", "--help");
        assertTrue(r.out().contains("'dhcp'"), r.out());
    }
}
