package io.panamax.nic.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Opens DPDK's {@code net_tap} ports without their receive trigger. The driver (DPDK 22.11
 * {@code drivers/net/tap/rte_eth_tap.c}, {@code tun_alloc}) takes the first real-time signal from
 * {@code SIGRTMIN+1} whose handler is the default one, sets {@code O_ASYNC} on its tun descriptors
 * with that signal and the process as owner, and its receive burst returns nothing until the
 * signal's handler has run since its last short read. So the kernel sends the process one signal
 * per frame it queues for the port: measured under the Netty benchmark's {@code wrk -c32}, about
 * one signal per request, each delivered to whichever JVM thread (main, VM Thread, the JIT's,
 * the shard), 49,109 context switches in 5 s against 31,677 for the TAP backend at the same rate.
 * A shard polls its queue anyway. When no signal is free the driver turns the trigger off for the
 * process and reads on every burst (as {@code TapQueue} does): so while a {@code net_tap} port is
 * set up, every real-time signal with the default handler is ignored, and given its default back
 * after.
 */
final class NetTapTrigger {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    /** glibc's {@code struct sigaction} on x86-64 and aarch64: handler, 128-byte mask, flags (padded), restorer. */
    private static final long SIGACTION_BYTES = 152;
    private static final long SIG_DFL = 0;
    private static final long SIG_IGN = 1;

    private NetTapTrigger() {
    }

    /** Whether {@code devargs} name a {@code net_tap} virtual device. */
    static boolean isNetTap(String devargs) {
        return devargs != null && devargs.startsWith("net_tap");
    }

    /** Runs {@code open} (the port's probe and queue set-up) with no real-time signal left for the driver. */
    static <T> T withoutRxTrigger(Supplier<T> open) {
        MethodHandle sigaction;
        int min;
        int max;
        try {
            sigaction = bind("sigaction", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
            min = (int) bind("__libc_current_sigrtmin", FunctionDescriptor.of(JAVA_INT)).invokeExact();
            max = (int) bind("__libc_current_sigrtmax", FunctionDescriptor.of(JAVA_INT)).invokeExact();
        } catch (Throwable t) {
            return open.get(); // not glibc: the driver keeps its trigger (slower, still correct)
        }
        List<Integer> taken = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(SIGACTION_BYTES, 8);
            MemorySegment ignore = arena.allocate(SIGACTION_BYTES, 8);
            ignore.set(JAVA_LONG, 0, SIG_IGN);
            MemorySegment dfl = arena.allocate(SIGACTION_BYTES, 8);
            dfl.set(JAVA_LONG, 0, SIG_DFL);
            try {
                // The driver looks at SIGRTMIN+1 .. SIGRTMAX-1 and skips a handler that is not SIG_DFL.
                for (int sig = min + 1; sig < max; sig++) {
                    if ((int) sigaction.invokeExact(sig, MemorySegment.NULL, old) == 0 && old.get(JAVA_LONG, 0) == SIG_DFL
                            && (int) sigaction.invokeExact(sig, ignore, MemorySegment.NULL) == 0) {
                        taken.add(sig);
                    }
                }
                return open.get();
            } finally {
                for (int sig : taken) {
                    int ignored = (int) sigaction.invokeExact(sig, dfl, MemorySegment.NULL);
                }
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("sigaction", t);
        }
    }

    /** The real-time signals {@code SIGRTMIN+1 .. SIGRTMAX-1} that have a handler (for tests: the driver's would be one). */
    static int realTimeSignalsWithHandlers() {
        try (Arena arena = Arena.ofConfined()) {
            MethodHandle sigaction = bind("sigaction", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
            int min = (int) bind("__libc_current_sigrtmin", FunctionDescriptor.of(JAVA_INT)).invokeExact();
            int max = (int) bind("__libc_current_sigrtmax", FunctionDescriptor.of(JAVA_INT)).invokeExact();
            MemorySegment old = arena.allocate(SIGACTION_BYTES, 8);
            int n = 0;
            for (int sig = min + 1; sig < max; sig++) {
                if ((int) sigaction.invokeExact(sig, MemorySegment.NULL, old) == 0 && old.get(JAVA_LONG, 0) != SIG_DFL) {
                    n++;
                }
            }
            return n;
        } catch (Throwable t) {
            throw new IllegalStateException("sigaction", t);
        }
    }

    private static MethodHandle bind(String name, FunctionDescriptor fd) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no '" + name + "'"));
        return LINKER.downcallHandle(symbol, fd);
    }
}
