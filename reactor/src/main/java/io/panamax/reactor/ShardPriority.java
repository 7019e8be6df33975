package io.panamax.reactor;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A shard thread's nice value, {@code setpriority(PRIO_PROCESS, tid, nice)} through FFM (on Linux
 * a thread id names one thread, so this sets the shard's own priority, not the process's). A
 * negative value needs CAP_SYS_NICE.
 *
 * <p>Why a shard may want one: on a machine whose CPUs it shares with the peers it feeds, every
 * frame a shard writes to a TAP device runs the kernel's receive path inline and wakes the reading
 * process, which the scheduler then runs on the shard's CPU as soon as the write returns. Measured
 * with a kernel TCP receiver at 1 % loss (docs/tcp.md, "Where the stack's round goes"): shard and
 * reader alternated every ~7 µs, 24,762 context switches per 100 MB; at nice -10 the reader no
 * longer preempted the shard per frame (4,056 switches), the shard wrote ~7 frames per turn, and
 * 100 MB went faster in 12 of 12 alternated pairs. The kernel's own TCP sends from softirq, above
 * every task: a raised shard priority is the user-space stack's way to the same place.
 */
final class ShardPriority {
    /** What {@link ReactorConfig#shardNice()} holds when the shards keep the priority they inherit. */
    static final int INHERITED = Integer.MIN_VALUE;
    static final int MIN_NICE = -20;
    static final int MAX_NICE = 19;
    private static final int PRIO_PROCESS = 0;
    private static final MethodHandle SETPRIORITY = Linker.nativeLinker().defaultLookup().find("setpriority")
            .map(a -> Linker.nativeLinker().downcallHandle(a, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT)))
            .orElse(null);

    private ShardPriority() {
    }

    /** Sets thread {@code tid}'s nice value; false (nothing changed) where that was refused or is not Linux. */
    static boolean setThread(int tid, int nice) {
        if (SETPRIORITY == null || tid <= 0) {
            return false;
        }
        try {
            return (int) SETPRIORITY.invokeExact(PRIO_PROCESS, tid, nice) == 0;
        } catch (Throwable e) {
            return false;
        }
    }
}
