package io.panamax.nic.linux;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A Linux network namespace made with {@code ip netns add}: where every TAP-backed run keeps its
 * TAP device and its clients, so that no test frame reaches the machine's real interfaces.
 *
 * <p>{@link #callInside} moves only the calling thread into the namespace ({@code setns(2)} through
 * FFM) for the duration of a call: a TAP device opened there is born inside the namespace while the
 * rest of the JVM stays where it was. Needs root (CAP_SYS_ADMIN).
 */
public final class NetworkNamespace implements AutoCloseable {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    /** Unique names for namespaces made from several threads (tests in parallel); control path only. */
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle SETNS;

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        OPEN = linker.downcallHandle(libc.find("open").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Errno.CAPTURE);
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        SETNS = linker.downcallHandle(libc.find("setns").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), Errno.CAPTURE);
    }

    private final String name;
    private final boolean owned;

    private NetworkNamespace(String name, boolean owned) {
        this.name = name;
        this.owned = owned;
    }

    /** Creates namespace {@code name} with its loopback up; closing the object deletes it. */
    public static NetworkNamespace create(String name) throws IOException {
        checkName(name);
        run(Duration.ofSeconds(10), "ip", "netns", "add", name).orThrow("ip netns add " + name);
        NetworkNamespace ns = new NetworkNamespace(name, true);
        ns.exec(Duration.ofSeconds(10), "ip", "link", "set", "lo", "up").orThrow("bring up lo in " + name);
        return ns;
    }

    /** Creates a namespace with a fresh name {@code prefix-<pid>-<n>}, deleted on close: for tests. */
    public static NetworkNamespace createUnique(String prefix) throws IOException {
        String name = prefix + "-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
        if (exists(name)) {
            run(Duration.ofSeconds(10), "ip", "netns", "del", name);
        }
        return create(name);
    }

    /** The existing namespace {@code name}, or a new one; deleted on close only if created here. */
    public static NetworkNamespace openOrCreate(String name) throws IOException {
        checkName(name);
        return exists(name) ? new NetworkNamespace(name, false) : create(name);
    }

    /**
     * The existing namespace {@code name}, which closing this object leaves in place; a clear
     * error if there is none.
     */
    public static NetworkNamespace existing(String name) throws IOException {
        checkName(name);
        if (!exists(name)) {
            throw new IOException("network namespace '" + name + "' does not exist (create it with: ip netns add " + name + ")");
        }
        return new NetworkNamespace(name, false);
    }

    public static boolean exists(String name) {
        return Files.exists(Path.of("/var/run/netns", name)) || Files.exists(Path.of("/run/netns", name));
    }

    public String name() {
        return name;
    }

    /** Whether closing this object deletes the namespace. */
    public boolean owned() {
        return owned;
    }

    /** Runs {@code command} inside the namespace and waits for it, up to {@code timeout}. */
    public Result exec(Duration timeout, String... command) throws IOException {
        return run(timeout, prefixed(command));
    }

    /** Starts {@code command} inside the namespace without waiting (a capture, a server). */
    public Process start(String... command) throws IOException {
        return new ProcessBuilder(prefixed(command)).redirectErrorStream(false).start();
    }

    /** The command line that runs {@code command} inside this namespace. */
    public List<String> prefixed(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return full;
    }

    /**
     * Runs {@code action} on the calling thread with the thread moved into this namespace, then
     * moves it back. Sockets and devices it opens belong to the namespace.
     */
    public <T> T callInside(Callable<T> action) throws Exception {
        if (!exists(name)) {
            throw new IOException("network namespace '" + name + "' does not exist (deleted, or never created)");
        }
        int home = openNs("/proc/thread-self/ns/net");
        try {
            int target = openNs(Path.of("/var/run/netns", name).toString());
            try {
                setns(target, "enter namespace " + name);
            } finally {
                int ignored = (int) CLOSE.invokeExact(target);
            }
            try {
                return action.call();
            } finally {
                setns(home, "return from namespace " + name);
            }
        } catch (Exception e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        } finally {
            try {
                int ignored = (int) CLOSE.invokeExact(home);
            } catch (Throwable ignored) {
                // nothing to do
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (owned) {
            run(Duration.ofSeconds(10), "ip", "netns", "del", name).orThrow("ip netns del " + name);
        }
    }

    private static int openNs(String path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(Errno.LAYOUT);
            int fd = (int) OPEN.invokeExact(errno, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                throw new IOException("open " + path + ": " + Errno.describe(Errno.get(errno)));
            }
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    private static void setns(int fd, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(Errno.LAYOUT);
            if ((int) SETNS.invokeExact(errno, fd, CLONE_NEWNET) != 0) {
                throw new IOException(what + ": setns failed: " + Errno.describe(Errno.get(errno)));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    private static void checkName(String name) {
        if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("bad namespace name: '" + name + "'");
        }
    }

    /** Runs a command (not in a namespace) and collects its output. */
    public static Result run(Duration timeout, String... command) throws IOException {
        return run(timeout, List.of(command));
    }

    static Result run(Duration timeout, List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).start();
        // Drain both pipes on their own threads, so a chatty child never blocks on a full pipe and
        // a child that hangs is still bounded by the timeout.
        var stdout = drain(p.getInputStream());
        var stderr = drain(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IOException("timed out after " + timeout + ": " + String.join(" ", command));
            }
            return new Result(command, p.exitValue(), stdout.get(5, TimeUnit.SECONDS), stderr.get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("reading the output of " + String.join(" ", command), e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.complete("");
            }
        });
        return f;
    }

    /** What a finished command returned. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** Throws, with the command's stderr, unless it exited 0. */
        public Result orThrow(String what) throws IOException {
            if (exitCode != 0) {
                throw new IOException(what + " failed (exit " + exitCode + "): " + stderr.strip());
            }
            return this;
        }
    }
}
