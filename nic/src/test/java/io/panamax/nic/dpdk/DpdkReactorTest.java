package io.panamax.nic.dpdk;

import io.panamax.nic.NicPoller;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.testing.LeakCheck;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A reactor whose shards allocate their packet buffers as mbufs ({@link DpdkNic#bufferPools()})
 * and poll one queue each through {@link NicPoller}, over {@code net_ring} (each queue's frames loop
 * back to the same queue). Frames built by the stack leave without a copy, come back on the shard
 * that sent them, and every buffer is home when the test ends.
 */
@Tag("dpdk")
class DpdkReactorTest {
    private static final int SHARDS = 2;
    private static final int FRAMES_PER_SHARD = 500;

    @Test
    void shardsSendAndReceiveOnTheirOwnQueueWithoutCopies() {
        DpdkTests.requireEal();
        try (DpdkNic nic = DpdkNic.open(DpdkNicConfig.vdev(DpdkTests.uniqueVdev("net_ring")).queues(SHARDS)
                .descriptors(256, 256).spareMbufs(512).build());
             Reactor reactor = Reactor.builder().shards(SHARDS).manual().bufferPools(nic.bufferPools()).build()) {
            assertEquals(SHARDS, nic.queueCount());
            NicPoller[] pollers = new NicPoller[SHARDS];
            AtomicInteger[] received = new AtomicInteger[SHARDS];
            AtomicLong wrongShard = new AtomicLong();
            for (int i = 0; i < SHARDS; i++) {
                int shardId = i;
                received[i] = new AtomicInteger();
                reactor.runOn(i, () -> {
                    Shard shard = Shard.currentOrThrow();
                    assertInstanceOf(MbufBufferPool.class, shard.buffers(), "the shard's buffers are mbufs");
                    pollers[shardId] = new NicPoller(nic.queue(shardId), p -> {
                        if (Shard.current().id() != shardId || p.getU8(15) != shardId) {
                            wrongShard.incrementAndGet();
                        }
                        received[shardId].incrementAndGet();
                        p.release();
                    });
                    shard.addPoller(pollers[shardId]);
                    assertSame(shard.buffers(), nic.queue(shardId).bufferPool());
                });
            }
            for (int n = 0; n < FRAMES_PER_SHARD; n++) {
                int seq = n;
                for (int i = 0; i < SHARDS; i++) {
                    int shardId = i;
                    reactor.runOn(i, () -> {
                        Packet p = Shard.currentOrThrow().packets().allocateWithHeadroom();
                        byte[] f = DpdkRingNicTest.frame(64 + seq % 1000, seq);
                        f[15] = (byte) shardId;
                        p.appendBytes(f, 0, f.length);
                        pollers[shardId].send(p);
                    });
                }
                if (n % 16 == 0) {
                    reactor.runOnce();
                }
            }
            reactor.runUntil(() -> received[0].get() == FRAMES_PER_SHARD && received[1].get() == FRAMES_PER_SHARD,
                    Duration.ofSeconds(30));
            assertEquals(0, wrongShard.get(), "every frame came back on the shard that sent it");
            for (int i = 0; i < SHARDS; i++) {
                DpdkQueue q = nic.queue(i);
                assertEquals(FRAMES_PER_SHARD, q.counters().txZeroCopy.get(), "queue " + i + " sent every frame as is");
                assertEquals(0, q.counters().txCopied.get());
                assertEquals(FRAMES_PER_SHARD, q.stats().rxPackets.get());
            }
            LeakCheck.assertNoLeaks(reactor);
        }
    }
}
