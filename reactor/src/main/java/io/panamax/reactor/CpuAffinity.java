package io.panamax.reactor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Pins threads to CPUs with Linux's {@code sched_setaffinity(2)}, called through FFM. Shards are
 * spread over the CPUs this process may run on (its own affinity mask, so {@code taskset} and
 * cgroup limits are respected), one shard per CPU, wrapping when shards outnumber CPUs.
 */
public final class CpuAffinity {
    private static final int MASK_BYTES = 128; // cpu_set_t: 1024 CPUs
    private static final MethodHandle SET;
    private static final MethodHandle GET;
    private static final int[] ALLOWED;

    static {
        Linker linker = Linker.nativeLinker();
        var lookup = linker.defaultLookup();
        FunctionDescriptor fd = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS);
        SET = lookup.find("sched_setaffinity").map(a -> linker.downcallHandle(a, fd)).orElse(null);
        GET = lookup.find("sched_getaffinity").map(a -> linker.downcallHandle(a, fd)).orElse(null);
        ALLOWED = readAllowed();
    }

    private CpuAffinity() {
    }

    /** The CPUs this process may run on, in ascending order. */
    public static int[] allowedCpus() {
        return ALLOWED.clone();
    }

    /** The CPU shard {@code shardId} is pinned to. */
    public static int cpuForShard(int shardId) {
        return ALLOWED[shardId % ALLOWED.length];
    }

    /** Pins the calling thread to {@code cpu}; returns false (and leaves it unpinned) if that failed. */
    public static boolean pinCurrentThread(int cpu) {
        return pinCurrentThread(new int[] {cpu});
    }

    /**
     * Lets the calling thread run on any of {@code cpus} and no other; returns false (and leaves
     * its mask as it was) if {@code cpus} is empty, names a CPU out of range, or the call failed.
     */
    public static boolean pinCurrentThread(int[] cpus) {
        if (SET == null || cpus.length == 0) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(MASK_BYTES);
            for (int cpu : cpus) {
                if (cpu < 0 || cpu >= MASK_BYTES * 8) {
                    return false;
                }
                mask.set(JAVA_BYTE, cpu / 8, (byte) (mask.get(JAVA_BYTE, cpu / 8) | (1 << (cpu % 8))));
            }
            return (int) SET.invokeExact(0, (long) MASK_BYTES, mask) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * The CPUs this process may run on that none of {@code shards} pinned shards takes
     * ({@link #cpuForShard}), ascending; empty when the shards take every one.
     */
    public static int[] cpusBesideShards(int shards) {
        return java.util.Arrays.stream(ALLOWED).filter(cpu -> {
            for (int i = 0; i < Math.min(shards, ALLOWED.length); i++) {
                if (cpuForShard(i) == cpu) {
                    return false;
                }
            }
            return true;
        }).toArray();
    }

    private static int[] readAllowed() {
        int n = Runtime.getRuntime().availableProcessors();
        if (GET != null) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment mask = arena.allocate(MASK_BYTES);
                if ((int) GET.invokeExact(0, (long) MASK_BYTES, mask) == 0) {
                    List<Integer> cpus = new ArrayList<>();
                    for (int cpu = 0; cpu < MASK_BYTES * 8; cpu++) {
                        if ((mask.get(JAVA_BYTE, cpu / 8) & (1 << (cpu % 8))) != 0) {
                            cpus.add(cpu);
                        }
                    }
                    if (!cpus.isEmpty()) {
                        return cpus.stream().mapToInt(Integer::intValue).toArray();
                    }
                }
            } catch (Throwable ignored) {
                // fall through to the JVM's count
            }
        }
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        return all;
    }
}
