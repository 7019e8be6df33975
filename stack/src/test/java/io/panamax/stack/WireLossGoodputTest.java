package io.panamax.stack;

import io.panamax.nic.wire.Impairments;
import io.panamax.nic.wire.WireStats;
import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.testbed.BulkTransfer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loss recovery stack to stack over the in-memory wire, on a path with a round trip and a
 * bottleneck (10 ms RTT, 100 Mbit/s each way): random loss at 1 % and 5 %, burst loss from a
 * drop-tail bottleneck queue, and loss with reordering; and random loss on a LAN (100 us RTT,
 * 1 Gbit/s), the round trip of the loss benchmark over TAP, where a 200 ms timeout costs two
 * thousand round trips and any loss that waits for the RTO dominates the transfer. Every byte must arrive once and in order
 * (SHA-256 both ways); the goodput in virtual time (deterministic for a seed, whatever the machine's
 * load) is printed with each side's statistics, for docs/tcp.md. Not a timed test: nothing is
 * asserted about the goodput.
 */
class WireLossGoodputTest {
    static final long MB = 1024 * 1024;
    /** Bytes each way: 8 MB unless -Dpanamax.tcp.goodputMegabytes says otherwise. */
    static final long SIZE = Long.getLong("panamax.tcp.goodputMegabytes", 8) * MB;
    static final Duration ONE_WAY = Duration.ofMillis(5);
    static final long RATE = 100_000_000L;
    /** A LAN as in the loss benchmark over TAP: a round trip of 100 us at 1 Gbit/s. */
    static final Duration LAN_ONE_WAY = Duration.ofNanos(50_000);
    static final long LAN_RATE = 1_000_000_000L;

    static Stream<Arguments> links() {
        return Stream.of(
                Arguments.of("loss 1%", Impairments.builder().delay(ONE_WAY).rateLimit(RATE).loss(0.01).build()),
                Arguments.of("loss 5%", Impairments.builder().delay(ONE_WAY).rateLimit(RATE).loss(0.05).build()),
                Arguments.of("burst loss (drop-tail 32 KB queue)",
                        Impairments.builder().delay(ONE_WAY).rateLimit(RATE, 1518, 32 * 1024).build()),
                Arguments.of("LAN loss 1% (100 us RTT, 1 Gbit/s)",
                        Impairments.builder().delay(LAN_ONE_WAY).rateLimit(LAN_RATE).loss(0.01).build()),
                Arguments.of("LAN loss 5% (100 us RTT, 1 Gbit/s)",
                        Impairments.builder().delay(LAN_ONE_WAY).rateLimit(LAN_RATE).loss(0.05).build()),
                Arguments.of("loss 1% + reordering 3%",
                        Impairments.builder().delay(ONE_WAY).rateLimit(RATE).loss(0.01).reorder(0.03).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("links")
    void everyByteOnceAndTheGoodput(String name, Impairments impairments) throws Exception {
        TcpConfig tcp = TcpConfig.builder().isnSecret(7, 8).receiveBufferSize(1024 * 1024)
                .sendBufferSize(1024 * 1024).build();
        try (WireTestbed bed = new WireTestbed(impairments, 42, tcp)) {
            long start = bed.reactor().shard(0).nanoTime();
            BulkTransfer.Result r = BulkTransfer.run(bed, SIZE, Duration.ofHours(2));
            long elapsed = bed.reactor().shard(0).nanoTime() - start;
            assertEquals(SIZE, r.client().bytesReceived());
            assertEquals(SIZE, r.server().bytesReceived());
            assertArrayEquals(r.client().sentHash(), r.server().receivedHash(), "client -> server stream");
            assertArrayEquals(r.server().sentHash(), r.client().receivedHash(), "server -> client stream");
            WireStats a = bed.wire().a().outboundStats();
            assertTrue(a.lost() > 0 || name.startsWith("burst"), name + " happened: " + a);
            double mbps = SIZE * 8.0 / (elapsed / 1e9) / 1e6;
            System.out.printf("GOODPUT %s: %.1f Mbit/s each way, %d MB in %.3f s virtual; wire a->b %s%n client %s%n server %s%n",
                    name, mbps, SIZE / MB, elapsed / 1e9, a, r.client().stats(), r.server().stats());
        }
    }
}
