package io.panamax.dpdk;

import io.panamax.dpdk.bindings.dpdk_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;

/**
 * DPDK's {@code rte_errno}, read on the calling thread, and its text.
 *
 * <p>{@code rte_errno} is a thread-local variable ({@code per_lcore__rte_errno}), which a
 * jextract global cannot reach: the generated getter would resolve the address once, for one
 * thread. glibc's {@code dlsym} returns the calling thread's instance of a TLS symbol, so each read
 * here looks the symbol up afresh. This is for error paths only (a failed configure, probe or pool
 * creation), never the data path.
 */
public final class RteErrno {
    private static final String SYMBOL = "per_lcore__rte_errno";
    private static SymbolLookup eal;

    private RteErrno() {
    }

    /** The calling thread's {@code rte_errno}. */
    public static int current() {
        MemorySegment addr = lookup().find(SYMBOL)
                .orElseThrow(() -> new IllegalStateException(SYMBOL + " not found in librte_eal"));
        return addr.reinterpret(Integer.BYTES).get(ValueLayout.JAVA_INT, 0);
    }

    /** {@code rte_strerror(errnum)}: DPDK's own codes and the system's. */
    public static String describe(int errnum) {
        DpdkLibraries.load();
        int e = Math.abs(errnum);
        MemorySegment s = dpdk_h.rte_strerror(e);
        String text = s.equals(MemorySegment.NULL) ? "unknown error" : s.reinterpret(256).getString(0);
        return text + " (" + e + ")";
    }

    /** The calling thread's {@code rte_errno}, described. */
    public static String describeCurrent() {
        return describe(current());
    }

    private static synchronized SymbolLookup lookup() {
        if (eal == null) {
            eal = SymbolLookup.libraryLookup(DpdkLibraries.load().library("rte_eal"), Arena.global());
        }
        return eal;
    }
}
