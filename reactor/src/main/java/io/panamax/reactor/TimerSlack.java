package io.panamax.reactor;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A thread's timer slack, {@code prctl(PR_SET_TIMERSLACK)} through FFM: how late Linux may fire
 * the timer that ends a timed sleep so that it can batch wake-ups. The default is 50 µs per
 * thread, and it applies to every timed wait a shard makes: {@code LockSupport.parkNanos} (a futex
 * with a timeout) when it sleeps blind for at most 100 µs, {@code ppoll}'s timeout when a due timer
 * bounds the wait. Measured here (2 CPUs, loaded): a {@code parkNanos(100 µs)} overshot by 84 µs at
 * the median with the default slack and by 40 to 50 µs with 1 ns. A frame or a wake that ends the
 * sleep is not delayed by the slack; only the timeout is.
 *
 * <p>1 ns, not 0: 0 means "back to the default" for {@code PR_SET_TIMERSLACK}.
 */
final class TimerSlack {
    /** The slack a shard thread asks for: as little as Linux allows. */
    static final long SHARD_NANOS = 1;
    private static final int PR_SET_TIMERSLACK = 29;
    private static final int PR_GET_TIMERSLACK = 30;
    /** {@code int prctl(int option, ...)}: variadic after the option. */
    private static final MethodHandle PRCTL = Linker.nativeLinker().defaultLookup().find("prctl")
            .map(a -> Linker.nativeLinker().downcallHandle(a,
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                    Linker.Option.firstVariadicArg(1)))
            .orElse(null);

    private TimerSlack() {
    }

    /** Sets the calling thread's timer slack; false (nothing changed) where that failed or is not Linux. */
    static boolean setCurrentThread(long nanos) {
        if (PRCTL == null || nanos <= 0) {
            return false;
        }
        try {
            return (int) PRCTL.invokeExact(PR_SET_TIMERSLACK, nanos, 0L, 0L, 0L) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /** The calling thread's timer slack in ns, or -1 if it cannot be read. */
    static long currentThread() {
        if (PRCTL == null) {
            return -1;
        }
        try {
            return (int) PRCTL.invokeExact(PR_GET_TIMERSLACK, 0L, 0L, 0L, 0L);
        } catch (Throwable e) {
            return -1;
        }
    }
}
