package io.panamax.reactor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Thread pinning, checked by reading the kernel's affinity mask of the thread back. */
class CpuAffinityTest {
    private static final MethodHandle GET = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("sched_getaffinity").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));

    /** The CPUs the calling thread may run on, as the kernel says. */
    static int[] currentThreadCpus() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(128);
            int rc = (int) GET.invokeExact(0, 128L, mask);
            if (rc != 0) {
                throw new IllegalStateException("sched_getaffinity failed");
            }
            List<Integer> cpus = new ArrayList<>();
            for (int cpu = 0; cpu < 1024; cpu++) {
                if ((mask.get(JAVA_BYTE, cpu / 8) & (1 << (cpu % 8))) != 0) {
                    cpus.add(cpu);
                }
            }
            return cpus.stream().mapToInt(Integer::intValue).toArray();
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void allowedCpusAreTheProcessMask() {
        int[] allowed = CpuAffinity.allowedCpus();
        assertTrue(allowed.length >= 1);
        assertArrayEquals(currentThreadCpus(), allowed, "the test thread is not pinned: its mask is the process's");
        for (int i = 0; i < 2 * allowed.length; i++) {
            assertEquals(allowed[i % allowed.length], CpuAffinity.cpuForShard(i), "shards wrap around the CPUs");
        }
    }

    @Test
    void pinningAThreadRestrictsItToOneCpu() throws Exception {
        int[] allowed = CpuAffinity.allowedCpus();
        int cpu = allowed[allowed.length - 1];
        AtomicReference<int[]> seen = new AtomicReference<>();
        AtomicReference<Boolean> ok = new AtomicReference<>();
        Thread t = new Thread(() -> {
            ok.set(CpuAffinity.pinCurrentThread(cpu));
            seen.set(currentThreadCpus());
        });
        t.start();
        t.join();
        assertTrue(ok.get());
        assertArrayEquals(new int[] {cpu}, seen.get());
        assertArrayEquals(allowed, currentThreadCpus(), "only that thread was pinned");
        assertFalse(CpuAffinity.pinCurrentThread(-1));
        assertFalse(CpuAffinity.pinCurrentThread(100_000));
    }

    @Test
    void shardThreadsArePinnedWhenThereAreNoMoreShardsThanCpus() {
        int cpus = CpuAffinity.allowedCpus().length;
        try (Reactor r = Reactor.builder().shards(cpus).stallThreshold(Duration.ZERO).build().start()) {
            assertTrue(r.config().pinThreads());
            for (int i = 0; i < cpus; i++) {
                int[] mask = r.await(r.submit(i, () -> ShardFuture.succeeded(currentThreadCpus())), Duration.ofSeconds(10));
                assertArrayEquals(new int[] {CpuAffinity.cpuForShard(i)}, mask, "shard " + i);
            }
        }
    }

    @Test
    void moreShardsThanCpusOrPinningOffLeaveThreadsFree() {
        int[] allowed = CpuAffinity.allowedCpus();
        try (Reactor r = Reactor.builder().shards(allowed.length + 1).stallThreshold(Duration.ZERO).build().start()) {
            assertFalse(r.config().pinThreads(), "pinning by default only when shards fit the CPUs");
            int[] mask = r.await(r.submit(0, () -> ShardFuture.succeeded(currentThreadCpus())), Duration.ofSeconds(10));
            assertArrayEquals(allowed, mask);
        }
        try (Reactor r = Reactor.builder().shards(1).pinThreads(false).stallThreshold(Duration.ZERO).build().start()) {
            int[] mask = r.await(r.submit(0, () -> ShardFuture.succeeded(currentThreadCpus())), Duration.ofSeconds(10));
            assertEquals(Arrays.toString(allowed), Arrays.toString(mask));
        }
    }

    /**
     * With pinned shards, the stall detector's thread runs on the process's other CPUs, so that its
     * looks do not preempt a busy shard; when the shards take every CPU it stays on all of them.
     * Read back from the kernel (/proc/self/task/TID/status, Cpus_allowed_list).
     */
    @Test
    void theStallDetectorRunsBesideThePinnedShards() throws Exception {
        try (Reactor r = Reactor.builder().shards(1).pinThreads(true).stallThreshold(Duration.ofMillis(50)).build().start()) {
            int[] beside = CpuAffinity.cpusBesideShards(1);
            int[] expected = beside.length > 0 ? beside : CpuAffinity.allowedCpus();
            assertFalse(Arrays.stream(beside).anyMatch(c -> c == CpuAffinity.cpuForShard(0)), "shard 0's CPU is not beside it");
            int[] actual = new int[0];
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                int tid = r.stallDetector.tid;
                if (tid != 0) {
                    actual = allowedList(tid);
                    if (Arrays.equals(expected, actual)) {
                        break;
                    }
                }
                Thread.sleep(10);
            }
            assertArrayEquals(expected, actual, "the detector's CPUs, allowed " + Arrays.toString(CpuAffinity.allowedCpus()));
        }
    }

    /** A thread's Cpus_allowed_list, e.g. "0-2,5", as CPUs in ascending order. */
    private static int[] allowedList(int tid) throws Exception {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/task/" + tid + "/status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                List<Integer> cpus = new ArrayList<>();
                for (String part : line.substring(line.indexOf(':') + 1).strip().split(",")) {
                    String[] range = part.split("-");
                    int from = Integer.parseInt(range[0]);
                    int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                    for (int c = from; c <= to; c++) {
                        cpus.add(c);
                    }
                }
                return cpus.stream().mapToInt(Integer::intValue).toArray();
            }
        }
        throw new IllegalStateException("no Cpus_allowed_list for thread " + tid);
    }
}
