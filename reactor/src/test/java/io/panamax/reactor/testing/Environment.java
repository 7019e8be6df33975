package io.panamax.reactor.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Preconditions of tests that need the machine (root, a command, DPDK). The rule of the project:
 * with {@code CI=true} a test that cannot run fails, naming what is missing; for a developer
 * without the prerequisite it is skipped with a message that says why. This is the only place that
 * skips.
 */
public final class Environment {
    private Environment() {
    }

    public static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Whether the process runs with effective uid 0. */
    public static boolean isRoot() {
        try {
            MethodHandle geteuid = Linker.nativeLinker().downcallHandle(
                    Linker.nativeLinker().defaultLookup().find("geteuid").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT));
            return (int) geteuid.invokeExact() == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /** Whether {@code command} is an executable on PATH (or in /usr/sbin, /sbin). */
    public static boolean hasCommand(String command) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && new File(dir, command).canExecute()) {
                return true;
            }
        }
        return false;
    }

    /** Fails (CI) or skips (elsewhere) unless {@code condition} holds; {@code what} says what is missing. */
    public static void require(boolean condition, String what) {
        if (condition) {
            return;
        }
        if (isCi()) {
            Assertions.fail("CI=true and this test cannot run: " + what);
        }
        Assumptions.abort("skipped: " + what + " (with CI=true this fails instead)");
    }

    public static void requireRoot(String why) {
        require(isRoot(), "needs root: " + why);
    }

    public static void requireCommands(String... commands) {
        for (String c : commands) {
            require(hasCommand(c), "needs the command '" + c + "' (bin/panamax test installs it)");
        }
    }
}
