package io.panamax.benchmarks.e2e;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The calling thread's nice value, {@code setpriority(PRIO_PROCESS, gettid(), nice)} through FFM
 * (on Linux a thread id names one thread). A negative value needs CAP_SYS_NICE (the benchmarks run
 * as root). Why a benchmark server raises its shard's: see {@link LossyLinkServer}.
 */
final class ThreadNice {
    private static final int PRIO_PROCESS = 0;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETTID = LINKER.defaultLookup().find("gettid")
            .map(a -> LINKER.downcallHandle(a, FunctionDescriptor.of(JAVA_INT))).orElse(null);
    private static final MethodHandle SETPRIORITY = LINKER.defaultLookup().find("setpriority")
            .map(a -> LINKER.downcallHandle(a, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT))).orElse(null);

    private ThreadNice() {
    }

    /** Sets the calling thread's nice value; false where that failed (no permission, not Linux). */
    static boolean setCurrentThread(int nice) {
        if (GETTID == null || SETPRIORITY == null) {
            return false;
        }
        try {
            int tid = (int) GETTID.invokeExact();
            return (int) SETPRIORITY.invokeExact(PRIO_PROCESS, tid, nice) == 0;
        } catch (Throwable e) {
            return false;
        }
    }
}
