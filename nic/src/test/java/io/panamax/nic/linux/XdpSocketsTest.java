package io.panamax.nic.linux;

import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link XdpSockets} against the kernel: an AF_XDP socket opened here is found by its descriptor,
 * exactly as the one new socket between two listings, while an AF_PACKET socket (another raw
 * socket) and an ordinary UDP socket are not taken for one.
 */
class XdpSocketsTest {
    @Test
    void findsTheAfXdpSocketsOfTheProcessAndOnlyThose() throws Exception {
        Environment.requireRoot("AF_XDP and AF_PACKET sockets need CAP_NET_RAW");
        try (Arena arena = Arena.ofConfined();
             var udp = java.nio.channels.DatagramChannel.open()) {
            MemorySegment errno = arena.allocate(Errno.LAYOUT);
            Set<Integer> before = XdpSockets.open();
            int packet = Libc.socket(errno, Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
            assertTrue(packet >= 0, () -> "AF_PACKET socket: " + Errno.describe(Errno.get(errno)));
            int xdp = Libc.socket(errno, Libc.AF_XDP, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
            assertTrue(xdp >= 0, () -> "AF_XDP socket (CONFIG_XDP_SOCKETS): " + Errno.describe(Errno.get(errno)));
            try {
                Set<Integer> after = XdpSockets.open();
                assertEquals(Set.of(xdp), XdpSockets.added(before, after), "before " + before + ", after " + after);
                assertFalse(after.contains(packet), "an AF_PACKET socket is no AF_XDP socket");
            } finally {
                Libc.close(errno, xdp);
                Libc.close(errno, packet);
            }
            assertFalse(XdpSockets.open().contains(xdp), "closed, it is gone from the listing");
        }
    }
}
