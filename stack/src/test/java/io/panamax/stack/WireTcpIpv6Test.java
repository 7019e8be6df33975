package io.panamax.stack;

import io.panamax.nic.wire.Impairments;
import io.panamax.nic.wire.WireStats;
import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.testbed.BulkTransfer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP over IPv6 between two whole stacks (NIC, Ethernet, NDP, IPv6, TCP) over the in-memory wire:
 * the bulk scenario of {@link WireBulkTransferTest}, 100 MB each way at once (issue 14; as the IPv4
 * test, {@code -Dpanamax.tcp.bulkMegabytes=N} changes it), clean and at 1 % and 5 % random loss both ways, connecting to the server's IPv6 address through {@code connect(InetAddress, port)}
 * with a dual-stack listener. Every byte must arrive once and in order (SHA-256 of both streams),
 * both ends must see IPv6 peers, and the MSS must be the IPv6 one (MTU 1500 less 60 bytes of
 * headers, less 12 of timestamps).
 */
class WireTcpIpv6Test {
    static final long SIZE = Long.getLong("panamax.tcp.bulkMegabytes", 100) * WireBulkTransferTest.MB;

    static Stream<Arguments> impairments() {
        return Stream.of(
                Arguments.of("clean", Impairments.none()),
                Arguments.of("loss 1%", Impairments.builder().loss(0.01).build()),
                Arguments.of("loss 5%", Impairments.builder().loss(0.05).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("impairments")
    void everyByteArrivesOnceInOrderOverIpv6(String name, Impairments impairments) throws Exception {
        TcpConfig tcp = TcpConfig.builder().isnSecret(7, 8).build();
        try (WireTestbed bed = new WireTestbed(impairments, 42, tcp, true)) {
            BulkTransfer.Result r = BulkTransfer.run(bed, SIZE, Duration.ofHours(1));
            assertEquals(SIZE, r.client().bytesReceived());
            assertEquals(SIZE, r.server().bytesReceived());
            assertArrayEquals(r.client().sentHash(), r.server().receivedHash(), "client -> server stream");
            assertArrayEquals(r.server().sentHash(), r.client().receivedHash(), "server -> client stream");
            assertInstanceOf(Inet6Address.class, r.client().remote().getAddress(), "the client's peer");
            assertInstanceOf(Inet6Address.class, r.server().remote().getAddress(), "the server's peer");
            assertEquals(InetAddress.getByName(WireTestbed.SERVER_IP6), r.client().remote().getAddress());
            assertEquals(InetAddress.getByName(WireTestbed.CLIENT_IP6), r.server().remote().getAddress());
            assertEquals(1500 - 60 - 12, r.client().stats().mss(), "MSS from the IPv6 MTU, timestamps on");
            WireStats a = bed.wire().a().outboundStats();
            assertTrue(name.equals("clean") || a.lost() > 0, name + " happened: " + a);
            System.out.printf("IPv6 %s: client %s%n server %s%n", name, r.client().stats(), r.server().stats());
        }
    }
}
