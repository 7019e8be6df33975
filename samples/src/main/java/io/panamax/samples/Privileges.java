package io.panamax.samples;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** Whether the process may create devices and namespaces. */
final class Privileges {
    private Privileges() {
    }

    /** Effective uid 0 (geteuid(2) through FFM). */
    static boolean isRoot() {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle geteuid = linker.downcallHandle(linker.defaultLookup().find("geteuid").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT));
            return (int) geteuid.invokeExact() == 0;
        } catch (Throwable e) {
            return false;
        }
    }
}
