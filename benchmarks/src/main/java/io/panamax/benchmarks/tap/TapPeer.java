package io.panamax.benchmarks.tap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The C peer of the TAP benchmarks ({@code benchmarks/src/main/c/tap/tap_peer.c}), compiled with
 * gcc when a benchmark starts and called through FFM once per burst: a plain read/write loop on
 * the same descriptor the Java backend uses, and a packet socket that makes the kernel send frames
 * out of the device.
 */
final class TapPeer {
    static final String SOURCE = "benchmarks/src/main/c/tap/tap_peer.c";

    private final MethodHandle writeBurst;
    private final MethodHandle readBurst;
    private final MethodHandle packetSocket;
    private final MethodHandle injectBurst;
    private final MethodHandle close;

    private TapPeer(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        writeBurst = linker.downcallHandle(lib.find("tap_peer_write_burst").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
        readBurst = linker.downcallHandle(lib.find("tap_peer_read_burst").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT));
        packetSocket = linker.downcallHandle(lib.find("tap_peer_packet_socket").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        injectBurst = linker.downcallHandle(lib.find("tap_peer_inject_burst").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
        close = linker.downcallHandle(lib.find("tap_peer_close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    /** Compiles the C source (found from the working directory or next to the benchmarks jar) and loads it. */
    static TapPeer compileAndLoad() throws IOException, InterruptedException {
        Path source = findSource();
        Path lib = Files.createTempFile("pmx-tap-peer-", ".so");
        lib.toFile().deleteOnExit();
        Process gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-shared", "-fPIC", "-o", lib.toString(), source.toString())
                .redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes());
        if (!gcc.waitFor(Duration.ofMinutes(1).toSeconds(), TimeUnit.SECONDS) || gcc.exitValue() != 0) {
            throw new IOException("gcc failed on " + source + ": " + out);
        }
        return new TapPeer(SymbolLookup.libraryLookup(lib, Arena.global()));
    }

    private static Path findSource() throws IOException {
        List<Path> tried = new ArrayList<>();
        String override = System.getProperty("panamax.tapPeerSource");
        if (override != null) {
            tried.add(Path.of(override));
        }
        tried.add(Path.of(SOURCE));
        tried.add(Path.of("..", SOURCE));
        try {
            // benchmarks/target/benchmarks.jar -> benchmarks/src/main/c/tap/tap_peer.c
            Path jar = Path.of(TapPeer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            tried.add(jar.getParent().getParent().resolve("src/main/c/tap/tap_peer.c"));
        } catch (URISyntaxException | RuntimeException e) {
            // fall through to the error below
        }
        for (Path p : tried) {
            if (Files.isReadable(p)) {
                return p;
            }
        }
        throw new IOException("cannot find " + SOURCE + " (tried " + tried + "); run from the repository root"
                + " or pass -Dpanamax.tapPeerSource=/path/to/tap_peer.c");
    }

    /** {@code n} writes of the frame at {@code frame} to {@code fd}; frames written or -errno. */
    long writeBurst(int fd, long frame, long len, int n) {
        try {
            return (long) writeBurst.invokeExact(fd, frame, len, n);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Up to {@code n} reads from {@code fd}, frame i into {@code bufs + i * stride}; frames read or -errno. */
    long readBurst(int fd, long bufs, long stride, long cap, int n) {
        try {
            return (long) readBurst.invokeExact(fd, bufs, stride, cap, n);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A packet socket bound to {@code ifname} in the calling thread's namespace. */
    int packetSocket(String ifname) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int s = (int) packetSocket.invokeExact(arena.allocateFrom(ifname));
            if (s < 0) {
                throw new IOException("packet socket on " + ifname + ": errno " + -s);
            }
            return s;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** {@code n} sends of the frame on packet socket {@code s}; frames sent or -errno. */
    long injectBurst(int s, long frame, long len, int n) {
        try {
            return (long) injectBurst.invokeExact(s, frame, len, n);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    void close(int fd) {
        try {
            int ignored = (int) close.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
