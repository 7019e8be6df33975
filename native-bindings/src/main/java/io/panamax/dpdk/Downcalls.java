package io.panamax.dpdk;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;

/**
 * How the fast path calls DPDK function pointers: through one unbound downcall handle per C
 * signature, held in a {@code static final} field so that the JIT inlines the call stub, with the
 * target address passed per call.
 *
 * <p>Pointers that the fast path passes are {@code long}s ({@code JAVA_LONG}) rather than
 * {@code MemorySegment}s: on LP64 a pointer argument travels in the same integer register as a
 * 64-bit integer, and a {@code long} needs no segment object per call.
 *
 * <p>The calls are {@linkplain Linker.Option#critical critical} by default: the thread does not
 * change state around the call, which saves tens of nanoseconds per burst. The burst functions
 * of the poll-mode drivers never block and never call back into Java (TAP reads and writes a
 * non-blocking descriptor, pcap a file). {@code -D}{@value #CRITICAL_PROPERTY}{@code =false} turns
 * it off, for a driver that might block.
 */
public final class Downcalls {
    public static final String CRITICAL_PROPERTY = "panamax.dpdk.criticalDowncalls";
    /** Whether the fast-path downcalls are critical (read once, at class initialisation). */
    public static final boolean CRITICAL = !"false".equalsIgnoreCase(System.getProperty(CRITICAL_PROPERTY));

    private Downcalls() {
    }

    static java.lang.invoke.MethodHandle unbound(FunctionDescriptor descriptor, boolean critical) {
        return critical
                ? Linker.nativeLinker().downcallHandle(descriptor, Linker.Option.critical(false))
                : Linker.nativeLinker().downcallHandle(descriptor);
    }
}
