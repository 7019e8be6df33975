package io.panamax.tcp.link;

import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.testbed.BulkTransfer;
import io.panamax.tcp.testbed.Impairments;
import io.panamax.tcp.testbed.LinkTestbed;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class BulkTransferTest {
    static final long MB = 1024 * 1024;
    /** Bytes each way: 100 MB unless -Dpanamax.tcp.bulkMegabytes says otherwise. */
    static final long SIZE = Long.getLong("panamax.tcp.bulkMegabytes", 100) * MB;

    private static BulkTransfer.Result transfer(Impairments imp, boolean offload, long bytes) {
        TcpConfig cfg = TcpConfig.builder().isnSecret(7, 8).build();
        return transfer(cfg, cfg, imp, offload, 1500, bytes);
    }

    private static BulkTransfer.Result transfer(TcpConfig client, TcpConfig server, Impairments imp, boolean offload, int mtu, long bytes) {
        try (LinkTestbed bed = new LinkTestbed(client, server, imp, offload, mtu)) {
            long t0 = System.nanoTime();
            BulkTransfer.Result r = BulkTransfer.run(bed, bytes, Duration.ofHours(2));
            long t1 = System.nanoTime();
            System.out.printf("%s offload=%s: %d bytes each way in %.2f s wall; link delivered %d dropped %d corrupted %d duplicated %d%n client %s%n server %s%n",
                    imp, offload, bytes, (t1 - t0) / 1e9, bed.link().delivered(), bed.link().dropped(),
                    bed.link().corrupted(), bed.link().duplicated(), r.client().stats(), r.server().stats());
            assertEquals(bytes, r.client().bytesReceived());
            assertEquals(bytes, r.server().bytesReceived());
            assertArrayEquals(r.client().sentHash(), r.server().receivedHash(), "client -> server stream");
            assertArrayEquals(r.server().sentHash(), r.client().receivedHash(), "server -> client stream");
            return r;
        }
    }

    @Test
    void clean() {
        transfer(Impairments.none(), false, SIZE);
    }

    @Test
    void loss1() {
        transfer(Impairments.none().withLoss(0.01), false, SIZE);
    }

    @Test
    void loss5() {
        transfer(Impairments.none().withLoss(0.05), false, SIZE);
    }

    @Test
    void reorder() {
        transfer(Impairments.none().withReorder(0.05), false, SIZE);
    }

    @Test
    void duplicate() {
        transfer(Impairments.none().withDuplicate(0.05), false, SIZE);
    }

    @Test
    void corrupt() {
        transfer(Impairments.none().withCorrupt(0.02), true, SIZE);
    }

    @Test
    void peerWithoutOptionsUnderLoss() {
        TcpConfig plain = TcpConfig.builder().windowScaling(false).timestamps(false).sackPermitted(false).build();
        TcpConfig full = TcpConfig.builder().build();
        var r = transfer(full, plain, Impairments.none().withLoss(0.02).withSeed(3), false, 1500, 16 * MB);
        assertEquals(1460, r.client().stats().mss(), "no timestamps: the whole MSS carries data");
    }

    @Test
    void smallMtuWithReorderingAndDuplication() {
        TcpConfig cfg = TcpConfig.builder().build();
        var r = transfer(cfg, cfg, Impairments.none().withReorder(0.1).withDuplicate(0.1).withSeed(5), false, 576, 8 * MB);
        assertEquals(576 - 40 - 12, r.server().stats().mss());
    }

    @Test
    void tinyReceiveBuffersCloseTheWindowOften() {
        // Fixed at 4 KB (maximum = initial: no autotuning), so the window closes often.
        TcpConfig small = TcpConfig.builder().receiveBufferSize(4096).maxReceiveBufferSize(4096).sendBufferSize(8192).build();
        transfer(small, small, Impairments.none().withLoss(0.01).withSeed(9), true, 1500, 4 * MB);
    }
}
