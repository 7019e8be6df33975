package io.panamax.nic.dpdk;

import io.panamax.nic.NicPoller;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.testing.LeakCheck;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shard thread as a DPDK lcore with a mempool cache ({@link LcoreCache}): over
 * {@code net_null}, whose receive allocates and whose transmit frees every mbuf itself, a shard
 * forwards what it receives; the driver's mbufs then go through the shard's lcore cache, the leak
 * check counts the cached ones as free, nothing is allocated on the heap per frame, and detaching the
 * queue empties the cache into the ring and gives the lcore back.
 */
@Tag("dpdk")
class DpdkLcoreCacheTest {
    /** Enough for the JIT to compile the loop (the interpreter allocates what C2's escape analysis removes). */
    private static final int FORWARDED = 200_000;
    private static final int MEASURED = 20_000;

    @Test
    void driverMbufsGoThroughTheShardsLcoreCacheAndDetachReturnsEveryOne() {
        DpdkTests.requireEal();
        try (DpdkNic nic = DpdkNic.open(DpdkNicConfig.vdev(DpdkTests.uniqueVdev("net_null")).descriptors(256, 256)
                .spareMbufs(512).build());
             Reactor reactor = Reactor.builder().shards(1).manual().bufferPools(nic.bufferPools()).build()) {
            DpdkQueue q = nic.queue(0);
            NicPoller[] poller = new NicPoller[1];
            AtomicInteger received = new AtomicInteger();
            reactor.runOn(0, () -> {
                poller[0] = new NicPoller(q, p -> {
                    received.incrementAndGet();
                    poller[0].send(p); // straight back: the driver frees it
                });
                Shard.currentOrThrow().addPoller(poller[0]);
            });
            MbufPool mempool = q.bufferPool().mempool();
            assertEquals(DpdkNicConfig.DEFAULT_MEMPOOL_CACHE, mempool.cacheSize());
            // Slots found by multiplying with the stride's reciprocal: every mbuf's own, nothing in between.
            for (int slot = 0; slot < mempool.size(); slot++) {
                assertEquals(slot, mempool.slotOf(mempool.mbuf(slot)));
                assertEquals(-1, mempool.slotOf(mempool.mbuf(slot) + 8));
            }
            assertEquals(-1, mempool.slotOf(mempool.mbuf(0) - 8));
            int lcore = q.lcore();
            assertTrue(lcore >= 0 && lcore < LcoreCache.MAX_LCORE, "the shard thread became an lcore: " + lcore);
            long cache = mempool.lcoreCache(lcore);
            while (received.get() < FORWARDED) {
                reactor.runOnce();
            }
            // Warm now: forwarding allocates nothing per frame on the heap (this thread drives the shard).
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            int before = received.get();
            long heap = threads.getCurrentThreadAllocatedBytes();
            while (received.get() < before + MEASURED) {
                reactor.runOnce();
            }
            long bytes = threads.getCurrentThreadAllocatedBytes() - heap;
            long frames = received.get() - before;
            // 0 measured; a one-off (a JIT recompilation) may allocate a little once.
            assertTrue(bytes < frames / 100, bytes + " heap bytes for " + frames + " frames forwarded");
            int inCache = LcoreCache.length(cache);
            assertTrue(inCache > 0, "net_null's frees went to the lcore cache");
            assertEquals(mempool.size(), mempool.ops().count() + inCache + q.bufferPool().cached(),
                    "between bursts every mbuf is in the ring, the lcore cache or the buffer pool's cache");
            // Those in the cache are free: the leak check finds every buffer home while they sit there.
            LeakCheck.assertNoLeaks(reactor);

            reactor.runOn(0, () -> poller[0].close());
            assertEquals(-1, q.lcore(), "detach gave the lcore back");
            assertEquals(0, LcoreCache.length(cache), "detach emptied the cache into the ring");
            q.bufferPool().drainCache();
            assertEquals(mempool.size(), mempool.ops().count(), "every mbuf is in the ring");
            assertTrue(q.counters().txZeroCopy.get() >= FORWARDED, "forwarded without copies");
            LeakCheck.assertNoLeaks(reactor);
        }
    }
}
