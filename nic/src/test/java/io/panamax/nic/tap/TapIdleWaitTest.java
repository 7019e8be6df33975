package io.panamax.nic.tap;

import io.panamax.nic.MacAddress;
import io.panamax.nic.linux.EventFd;
import io.panamax.nic.linux.PollSet;
import io.panamax.nic.testing.Scapy;
import io.panamax.nic.testing.TestFrames;
import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.panamax.nic.testing.TestFrames.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The building blocks of the idle-wait proposal (docs/tap.md): an idle shard sleeps in
 * {@code ppoll} on its queue descriptors and an eventfd, and wakes for a frame or a signal.
 */
class TapIdleWaitTest {

    @Test
    void aWaitingShardWakesForAFrameOrAnEventFdSignalAndOtherwiseTimesOut() throws Exception {
        Environment.require(Scapy.available(), "needs python3-scapy (" + Scapy.PYTHON + " -c 'import scapy')");
        try (TapTestBed bed = TapTestBed.open();
             EventFd doorbell = EventFd.open();
             PollSet waiter = new PollSet(bed.queue(0), doorbell)) {
            bed.drain();
            assertTrue(bed.queue(0).fileDescriptor() >= 0);

            long t0 = System.nanoTime();
            assertEquals(0, waiter.await(Duration.ofMillis(50).toNanos()), "nothing to wake for");
            assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(45).toNanos(), "it slept");

            // Another thread rings the doorbell while we wait without limit.
            CompletableFuture.runAsync(() -> {
                sleep(50);
                doorbell.signal();
            });
            assertEquals(1, waiter.await(-1));
            assertTrue(waiter.isReady(1));
            assertFalse(waiter.isReady(0));
            assertEquals(1, doorbell.drain());
            assertEquals(0, waiter.await(0), "drained: not readable any more");

            // A frame from the kernel side makes the queue's descriptor readable.
            MacAddress src = MacAddress.parse("02:00:00:00:00:dd");
            byte[] f = TestFrames.udp(src, bed.nic.mac(), ip(TapTestBed.KERNEL_IP), ip(TapTestBed.STACK_IP), 1, 2, new byte[]{7});
            CompletableFuture<Void> send = CompletableFuture.runAsync(() -> {
                try {
                    Scapy.sendp(bed.ns, TapTestBed.IFACE, f);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertEquals(1, waiter.await(Duration.ofSeconds(20).toNanos()));
            assertTrue(waiter.isReady(0));
            List<byte[]> got = bed.receiver.await(x -> TestFrames.source(x).equals(src), 1, Duration.ofSeconds(5));
            assertEquals(1, got.size());
            send.get(30, TimeUnit.SECONDS);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
