package io.panamax.stack;

import io.panamax.nic.wire.Impairments;
import io.panamax.nic.wire.WireStats;
import io.panamax.tcp.DropReason;
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
 * 100 MB each way, at once, between two stacks over the in-memory wire with each impairment the
 * issue names; every byte must arrive once and in order (SHA-256 of both streams).
 */
class WireBulkTransferTest {
    static final long MB = 1024 * 1024;
    /** Bytes each way: 100 MB unless -Dpanamax.tcp.bulkMegabytes says otherwise. */
    static final long SIZE = Long.getLong("panamax.tcp.bulkMegabytes", 100) * MB;

    static Stream<Arguments> impairments() {
        return Stream.of(
                Arguments.of("clean", Impairments.none()),
                Arguments.of("loss 1%", Impairments.builder().loss(0.01).build()),
                Arguments.of("loss 5%", Impairments.builder().loss(0.05).build()),
                Arguments.of("reordering 5%", Impairments.builder().reorder(0.05).build()),
                Arguments.of("duplication 5%", Impairments.builder().duplicate(0.05).build()),
                Arguments.of("corruption 2%", Impairments.builder().corrupt(0.02).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("impairments")
    void everyByteArrivesOnceInOrder(String name, Impairments impairments) throws Exception {
        TcpConfig tcp = TcpConfig.builder().isnSecret(7, 8).build();
        try (WireTestbed bed = new WireTestbed(impairments, 42, tcp)) {
            BulkTransfer.Result r = BulkTransfer.run(bed, SIZE, Duration.ofHours(2));
            assertEquals(SIZE, r.client().bytesReceived());
            assertEquals(SIZE, r.server().bytesReceived());
            assertArrayEquals(r.client().sentHash(), r.server().receivedHash(), "client -> server stream");
            assertArrayEquals(r.server().sentHash(), r.client().receivedHash(), "server -> client stream");
            // The impairment really happened, in both directions.
            for (WireStats w : new WireStats[] {bed.wire().a().outboundStats(), bed.wire().b().outboundStats()}) {
                long hit = switch (name.split(" ")[0]) {
                    case "loss" -> w.lost();
                    case "reordering" -> w.reordered();
                    case "duplication" -> w.duplicated();
                    case "corruption" -> w.corrupted();
                    default -> -1;
                };
                assertTrue(hit != 0, name + " happened: " + w);
            }
            System.out.printf("%s: client %s%n server %s%n", name, r.client().stats(), r.server().stats());
        }
    }

    /**
     * The wire with checksum offload: TCP and IPv4 leave every checksum to the NIC and the wire
     * vouches for them, so the frames cross with unfinished checksum fields; that the streams arrive
     * intact shows the receivers took the wire's verdict. With corruption the wire fills the
     * checksums of the frames it damages before flipping bits and gives no verdict: the receivers'
     * own check must drop them (counted), and the streams must still arrive intact.
     */
    @ParameterizedTest(name = "{0}, checksum offload")
    @MethodSource("offloadCases")
    void checksumOffloadOnTheWire(String name, Impairments impairments) throws Exception {
        long size = OFFLOAD_SIZE;
        TcpConfig tcp = TcpConfig.builder().isnSecret(7, 8).build();
        try (WireTestbed bed = new WireTestbed(impairments, 42, tcp, false, true)) {
            assertTrue(bed.wire().a().capabilities().txTcpChecksum() && bed.wire().b().capabilities().rxL4Checksum());
            BulkTransfer.Result r = BulkTransfer.run(bed, size, Duration.ofHours(2));
            assertEquals(size, r.client().bytesReceived());
            assertEquals(size, r.server().bytesReceived());
            assertArrayEquals(r.client().sentHash(), r.server().receivedHash(), "client -> server stream");
            assertArrayEquals(r.server().sentHash(), r.client().receivedHash(), "server -> client stream");
            // Both stacks share the one shard's counters.
            long badChecksums = bed.server().counters().drops(DropReason.BAD_CHECKSUM);
            if (name.startsWith("corruption")) {
                assertTrue(bed.wire().a().outboundStats().corrupted() > 0 && bed.wire().b().outboundStats().corrupted() > 0);
                assertTrue(badChecksums > 0, "the corrupted segments failed the receivers' own check");
            } else {
                assertEquals(0, badChecksums);
            }
            System.out.printf("%s, checksum offload: bad checksums dropped %d%n client %s%n server %s%n", name, badChecksums,
                    r.client().stats(), r.server().stats());
        }
    }

    /** Bytes each way with checksum offload: 20 MB (two more runs in CI). */
    static final long OFFLOAD_SIZE = 20 * MB;

    static Stream<Arguments> offloadCases() {
        return Stream.of(
                Arguments.of("clean", Impairments.none()),
                Arguments.of("corruption 2%", Impairments.builder().corrupt(0.02).build()));
    }
}
