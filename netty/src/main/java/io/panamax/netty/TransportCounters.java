package io.panamax.netty;

import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.ShardMetrics;

/**
 * The transport's counters on one shard, published in the stack's metrics (and so its
 * {@code /metrics}) under {@code netty_*}. Written only by the shard's thread.
 */
final class TransportCounters {
    Counter accepted = new Counter();
    Counter connects = new Counter();
    Counter connectFailures = new Counter();
    Counter reads = new Counter();
    Counter bytesRead = new Counter();
    Counter copiedReads = new Counter();
    Counter writes = new Counter();
    Counter zeroCopyWrites = new Counter();
    Counter bytesWritten = new Counter();
    Counter writeStalls = new Counter();
    Counter foreignReleases = new Counter();
    Counter bufferObjectsMade = new Counter();
    Counter closes = new Counter();
    Counter aborts = new Counter();

    /** Swaps in the shard's registered counters (shared by every loop of the shard); on the shard. */
    void register(ShardMetrics m) {
        accepted = m.counter("netty_accepted_total", "Connections accepted into Netty server channels");
        connects = m.counter("netty_connects_total", "Netty client connects that completed their handshake");
        connectFailures = m.counter("netty_connect_failures_total", "Netty client connects that failed or timed out");
        reads = m.counter("netty_reads_total", "Received ByteBufs handed to Netty pipelines");
        bytesRead = m.counter("netty_read_bytes_total", "Payload bytes handed to Netty pipelines");
        copiedReads = m.counter("netty_copied_reads_total",
                "Received ByteBufs that had to be copied (no packet wrapper left to share the receive buffer)");
        writes = m.counter("netty_writes_total", "Outbound messages handed to TCP");
        zeroCopyWrites = m.counter("netty_zero_copy_writes_total",
                "Outbound messages handed to TCP without a copy (ByteBufs over the shard's packet buffers)");
        bytesWritten = m.counter("netty_written_bytes_total", "Outbound bytes handed to TCP");
        writeStalls = m.counter("netty_write_stalls_total", "Flushes that stopped because the send buffer was full");
        foreignReleases = m.counter("netty_foreign_releases_total",
                "Received ByteBufs released off their shard and sent home to be freed");
        bufferObjectsMade = m.counter("netty_received_bytebufs_made_total",
                "Received-ByteBuf objects created; the rest of the reads reused a released one from the shard's pool");
        closes = m.counter("netty_closes_total", "Netty channels closed gracefully (FIN)");
        aborts = m.counter("netty_aborts_total", "Netty channels closed with a reset (SO_LINGER 0, or after an error)");
    }
}
