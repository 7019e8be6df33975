package io.panamax.nic.tap;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Drops a capability from the calling thread's effective set ({@code capset(2)}): Linux keeps
 * capabilities per thread, so a root test can see what an unprivileged caller would, on one
 * throwaway thread, without touching the rest of the JVM.
 */
final class ThreadCapabilities {
    static final int CAP_NET_ADMIN = 12;
    private static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;
    private static final MethodHandle CAPGET;
    private static final MethodHandle CAPSET;

    static {
        Linker linker = Linker.nativeLinker();
        FunctionDescriptor fd = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        CAPGET = linker.downcallHandle(linker.defaultLookup().find("capget").orElseThrow(), fd);
        CAPSET = linker.downcallHandle(linker.defaultLookup().find("capset").orElseThrow(), fd);
    }

    private ThreadCapabilities() {
    }

    /** Removes {@code cap} (below 32) from the calling thread's effective capabilities. */
    static void dropEffective(int cap) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(8, 4);
            header.set(ValueLayout.JAVA_INT, 0, LINUX_CAPABILITY_VERSION_3);
            header.set(ValueLayout.JAVA_INT, 4, 0); // this thread
            // Two struct __user_cap_data_struct {effective, permitted, inheritable} for 64 bits of caps.
            MemorySegment data = arena.allocate(24, 4);
            if ((int) CAPGET.invokeExact(header, data) != 0) {
                throw new IllegalStateException("capget failed");
            }
            int effective = data.get(ValueLayout.JAVA_INT, 0);
            data.set(ValueLayout.JAVA_INT, 0, effective & ~(1 << cap));
            if ((int) CAPSET.invokeExact(header, data) != 0) {
                throw new IllegalStateException("capset failed");
            }
        }
    }
}
