package io.panamax.reactor;

import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stall detector tells a shard that the operating system took off its CPU from a task that
 * does not yield: a real-time (SCHED_FIFO) thread pinned to the shard's CPU takes that CPU away
 * from a busy-polling shard for 30 ms at a time, and the detector counts those as descheduled
 * without stopping the shard for a stack sample; a task that spins is still sampled.
 */
class StallDeschedulingTest {
    private static final MethodHandle SCHED_SETSCHEDULER = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("sched_setscheduler").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final int SCHED_OTHER = 0;
    private static final int SCHED_FIFO = 1;

    /** {@code sched_setscheduler(0, policy, {priority})} for the calling thread. */
    private static void schedule(int policy, int priority) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment param = arena.allocate(JAVA_INT);
            param.set(JAVA_INT, 0, priority);
            int rc = (int) SCHED_SETSCHEDULER.invokeExact(0, policy, param);
            if (rc != 0) {
                throw new IllegalStateException("sched_setscheduler(" + policy + ") failed");
            }
        }
    }

    /** Spins on the CPU for {@code nanos} of wall-clock time (a task that does not yield). */
    static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    @Test
    void aShardTheOsTookOffItsCpuIsCountedAsDescheduledNotSampled() throws Exception {
        Environment.requireRoot("a SCHED_FIFO thread takes the shard's CPU away");
        Environment.require(CpuAffinity.allowedCpus().length >= 2, "two CPUs: the detector runs while the shard's CPU is taken");
        List<StallReport> reports = new CopyOnWriteArrayList<>();
        int hogs = 5;
        try (Reactor r = Reactor.builder().shards(1).idlePolicy(IdlePolicy.busyPoll()).stallThreshold(Duration.ofMillis(1))
                .stallWarmup(Duration.ZERO).stallReportInterval(Duration.ZERO).stallListener(reports::add).build().start()) {
            assertTrue(r.config().pinThreads());
            r.await(r.submit(0, ShardFuture::done), Duration.ofSeconds(10));
            // The shard's first iteration (pinning, first FFM calls) may stall for real: not this test's.
            Thread.sleep(20);
            reports.clear();
            long stallsBefore = r.stallCount(0);
            int cpu = CpuAffinity.cpuForShard(0);
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread hog = new Thread(() -> {
                try {
                    CpuAffinity.pinCurrentThread(cpu);
                    for (int i = 0; i < hogs; i++) {
                        schedule(SCHED_FIFO, 1); // the shard, SCHED_OTHER on this CPU, no longer runs
                        spin(30_000_000L);
                        schedule(SCHED_OTHER, 0);
                        Thread.sleep(30); // the shard runs again: its iteration ends, a new one begins
                    }
                } catch (Throwable e) {
                    failed.set(e);
                }
            }, "fifo-hog");
            hog.start();
            hog.join();
            assertNull(failed.get());
            long descheduled = r.metrics().total("reactor_descheduled_total");
            String prometheus = r.metrics().toPrometheusText();
            // Each period of 30 ms off the CPU is one (threshold 1 ms, looks every 2 ms); others
            // come from the load of a busy machine.
            assertTrue(descheduled >= hogs, descheduled + " of " + hogs + ": " + prometheus);
            // Before the detector told them apart, each period was a stall and a stack sample. A
            // loaded machine may still make a real one (the JIT, class loading): at most two.
            assertTrue(reports.size() <= 2, "the shard was not stopped for a stack each time: " + reports);
            assertTrue(r.stallCount(0) - stallsBefore <= 2, "not a stall each time: " + prometheus);

            // A task that spins on its CPU is still a stall with a stack.
            r.await(r.submit(0, () -> {
                spin(20_000_000L);
                return ShardFuture.done();
            }), Duration.ofSeconds(10));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (reports.stream().noneMatch(x -> x.describe().contains("StallDeschedulingTest")) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(reports.stream().anyMatch(x -> x.describe().contains("StallDeschedulingTest")), reports.toString());
        }
    }
}
